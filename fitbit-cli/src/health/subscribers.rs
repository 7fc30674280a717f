//! `fitbit health subscribers …` and `fitbit health subscriptions …`: the
//! webhook subscribers of the app's Google Cloud project, and the per-user
//! subscriptions of a subscriber. They take project credentials (the
//! `cloud-platform` scope), not the user's sign-in.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use fitbit_health::google::model::subscriber_config::SubscriptionCreatePolicy;
use fitbit_health::google::model::{
    CreateSubscriberPayload, CreateSubscriptionPayload, EndpointAuthorization, Subscriber, SubscriberConfig,
    Subscription,
};
use fitbit_health::{ProjectClient, ProjectCredentials, ProjectNumber, ResultExt as _};
use google_cloud_gax::paginator::Paginator as _;
use serde_json::json;

use super::HealthContext;
use super::profile::{print_model, to_json};
use crate::errors::CliError;
use crate::output::print_json;

/// Which project, and its credentials. Without `--service-account` or
/// `--access-token`, application-default credentials are used.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// The Google Cloud project NUMBER (digits; not the project id)
    #[arg(long, global = true, env = "FITBIT_GOOGLE_PROJECT_NUMBER", value_name = "NUMBER")]
    pub project: Option<String>,

    /// A service-account key file (JSON) to sign in with [default: application-default credentials]
    #[arg(
        long,
        global = true,
        env = "FITBIT_GOOGLE_SERVICE_ACCOUNT",
        value_name = "FILE",
        conflicts_with = "access_token"
    )]
    pub service_account: Option<PathBuf>,

    /// An access token with the cloud-platform scope (e.g. `gcloud auth print-access-token`)
    #[arg(
        long,
        global = true,
        env = "FITBIT_GOOGLE_CLOUD_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub access_token: Option<String>,
}

/// `fitbit health subscribers`.
#[derive(Debug, Args)]
pub struct SubscribersArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(subcommand)]
    pub command: SubscribersCommand,
}

/// `fitbit health subscriptions`.
#[derive(Debug, Args)]
pub struct SubscriptionsArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(subcommand)]
    pub command: SubscriptionsCommand,
}

/// How a subscriber's users get subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Policy {
    /// Every user who granted the data type's scope is notified
    Automatic,
    /// Only users with a subscription (`fitbit health subscriptions create`)
    Manual,
}

/// The endpoint's settings, for create and patch.
#[derive(Debug, Clone, Args)]
pub struct EndpointArgs {
    /// The HTTPS URL Google POSTs notifications to
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// The whole Authorization header value Google sends (e.g. "Bearer 9f2c…"); prefer
    /// FITBIT_HEALTH_WEBHOOK_AUTHORIZATION (command lines are visible to other users)
    #[arg(long, env = "FITBIT_HEALTH_WEBHOOK_AUTHORIZATION", hide_env_values = true, value_name = "SECRET")]
    pub authorization: Option<String>,

    /// Data types to notify about (kebab-case: steps, sleep, heart-rate…), space- or comma-separated,
    /// or the option repeated
    #[arg(long = "type", value_name = "TYPES")]
    pub types: Vec<String>,

    /// How users get subscriptions for those types
    #[arg(long, value_enum, default_value_t = Policy::Automatic)]
    pub policy: Policy,
}

/// The `fitbit health subscribers` commands.
#[derive(Debug, Clone, Subcommand)]
pub enum SubscribersCommand {
    /// Every subscriber of the project
    List,
    /// Register an endpoint (Google verifies it at once: run `fitbit health webhook serve` behind it)
    Create {
        /// The subscriber id (4-36 characters, `[a-z][a-z0-9-]`) [default: chosen by Google]
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Change a subscriber's endpoint, Authorization secret or data types (only those given)
    Patch {
        /// The subscriber id or its full name
        subscriber: String,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Delete a subscriber
    Delete {
        /// The subscriber id or its full name
        subscriber: String,
        /// Delete its subscriptions too
        #[arg(long)]
        force: bool,
    },
}

/// The `fitbit health subscriptions` commands.
#[derive(Debug, Clone, Subcommand)]
pub enum SubscriptionsCommand {
    /// The subscriptions of a subscriber
    List {
        /// The subscriber id or its full name
        #[arg(long, value_name = "ID")]
        subscriber: String,
        /// Only these: `user = "users/…"`, `data_type = "steps"`
        #[arg(long, value_name = "FILTER")]
        filter: Option<String>,
    },
    /// Subscribe a user to a subscriber's MANUAL data types
    Create {
        /// The subscriber id or its full name
        #[arg(long, value_name = "ID")]
        subscriber: String,
        /// The user's Health User ID (`fitbit health identity`), or `users/<id>`
        #[arg(long, value_name = "ID")]
        user: String,
        /// Data types (kebab-case) [default: every MANUAL type of the subscriber]
        #[arg(long = "type", value_name = "TYPES")]
        types: Vec<String>,
        /// The subscription id [default: chosen by Google]
        #[arg(long, value_name = "ID")]
        id: Option<String>,
    },
    /// Delete a subscription
    Delete {
        /// The subscription's full name, or its id with --subscriber
        subscription: String,
        /// The subscriber id or its full name (when the subscription is given by id)
        #[arg(long, value_name = "ID")]
        subscriber: Option<String>,
    },
}

impl ProjectArgs {
    fn number(&self) -> Result<ProjectNumber, CliError> {
        let Some(text) = &self.project else {
            return Err(CliError::usage(
                "which project? give --project <NUMBER> (or FITBIT_GOOGLE_PROJECT_NUMBER)",
            )
            .with_hint("the project number is on the Cloud console's project dashboard (digits)"));
        };
        text.parse::<ProjectNumber>().map_err(|err| {
            CliError::usage(err.to_string()).with_hint(
                "`gcloud projects describe <PROJECT_ID> --format='value(projectNumber)'` prints it",
            )
        })
    }

    async fn client(&self, context: &HealthContext) -> Result<ProjectClient, CliError> {
        let credentials = match (&self.service_account, &self.access_token) {
            (Some(file), _) => ProjectCredentials::ServiceAccountFile(file.clone()),
            (None, Some(token)) if !token.trim().is_empty() => ProjectCredentials::AccessToken(token.clone()),
            _ => ProjectCredentials::ApplicationDefault,
        };
        ProjectClient::builder()
            .credentials(credentials)
            .endpoint(context.options.health_api_url.as_str().trim_end_matches('/'))
            .build()
            .await
            .map_err(|err| {
                HealthContext::error(err).with_hint(
                    "give --service-account <key.json> or --access-token, or set up application-default \
                     credentials (`gcloud auth application-default login`)",
                )
            })
    }
}

/// `steps sleep`, `steps,sleep` or repeated options, as one list.
fn split_types(types: &[String]) -> Vec<String> {
    types.iter().flat_map(|t| t.split([',', ' '])).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

fn subscriber_config(endpoint: &EndpointArgs, types: Vec<String>) -> SubscriberConfig {
    let policy = match endpoint.policy {
        Policy::Automatic => SubscriptionCreatePolicy::Automatic,
        Policy::Manual => SubscriptionCreatePolicy::Manual,
    };
    SubscriberConfig::new().set_data_types(types).set_subscription_create_policy(policy)
}

fn check_endpoint(endpoint: &str) -> Result<(), CliError> {
    match url::Url::parse(endpoint) {
        Ok(url) if url.scheme() == "https" && url.host().is_some() => Ok(()),
        _ => Err(CliError::usage(format!(
            "--endpoint must be an https URL (Google requires one), not `{endpoint}`"
        ))),
    }
}

pub async fn run_subscribers(context: &HealthContext, args: SubscribersArgs) -> Result<(), CliError> {
    let project = args.project.number()?;
    let client = args.project.client(context).await?;
    let service = client.data_subscriptions();
    match args.command {
        SubscribersCommand::List => {
            let mut pages = service.list_subscribers().set_parent(project.subscribers_parent()).by_page();
            let mut subscribers = Vec::new();
            while let Some(page) = pages.next().await {
                subscribers.extend(page.classified().map_err(HealthContext::error)?.subscribers);
            }
            print_json(&json!({ "subscribers": to_json(&subscribers)? }))
        }
        SubscribersCommand::Create { id, endpoint } => {
            let uri = endpoint.endpoint.clone().ok_or_else(|| CliError::usage("--endpoint is required"))?;
            check_endpoint(&uri)?;
            let secret =
                endpoint.authorization.clone().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                    CliError::usage("--authorization is required: the whole header value Google will send")
                        .with_hint(
                            "e.g. FITBIT_HEALTH_WEBHOOK_AUTHORIZATION=\"Bearer $(openssl rand -hex 24)\"",
                        )
                })?;
            let types = split_types(&endpoint.types);
            let mut payload = CreateSubscriberPayload::new()
                .set_endpoint_uri(uri)
                .set_endpoint_authorization(EndpointAuthorization::new().set_secret(secret));
            if !types.is_empty() {
                payload = payload.set_subscriber_configs([subscriber_config(&endpoint, types)]);
            }
            let mut request =
                service.create_subscriber().set_parent(project.subscribers_parent()).set_subscriber(payload);
            if let Some(id) = id {
                request = request.set_subscriber_id(id);
            }
            print_model(&request.send().await.classified().map_err(HealthContext::error)?)
        }
        SubscribersCommand::Patch { subscriber, endpoint } => {
            let mut subscriber = Subscriber::new().set_name(project.subscriber(&subscriber));
            let mut paths = Vec::new();
            if let Some(uri) = &endpoint.endpoint {
                check_endpoint(uri)?;
                subscriber = subscriber.set_endpoint_uri(uri.clone());
                paths.push("endpoint_uri");
            }
            if let Some(secret) = endpoint.authorization.as_ref().filter(|s| !s.trim().is_empty()) {
                subscriber = subscriber
                    .set_endpoint_authorization(EndpointAuthorization::new().set_secret(secret.clone()));
                paths.push("endpoint_authorization");
            }
            let types = split_types(&endpoint.types);
            if !types.is_empty() {
                subscriber = subscriber.set_subscriber_configs([subscriber_config(&endpoint, types)]);
                paths.push("subscriber_configs");
            }
            if paths.is_empty() {
                return Err(CliError::usage("nothing to change: give --endpoint, --authorization or --type"));
            }
            let mask = google_cloud_wkt::FieldMask::default().set_paths(paths);
            let operation =
                service.update_subscriber().set_subscriber(subscriber).set_update_mask(mask).send().await;
            print_model(&operation.classified().map_err(HealthContext::error)?)
        }
        SubscribersCommand::Delete { subscriber, force } => {
            let operation = service
                .delete_subscriber()
                .set_name(project.subscriber(&subscriber))
                .set_force(force)
                .send()
                .await;
            print_model(&operation.classified().map_err(HealthContext::error)?)
        }
    }
}

pub async fn run_subscriptions(context: &HealthContext, args: SubscriptionsArgs) -> Result<(), CliError> {
    let project = args.project.number()?;
    let client = args.project.client(context).await?;
    let service = client.data_subscriptions();
    match args.command {
        SubscriptionsCommand::List { subscriber, filter } => {
            let mut request = service.list_subscriptions().set_parent(project.subscriber(&subscriber));
            if let Some(filter) = filter {
                request = request.set_filter(filter);
            }
            let mut pages = request.by_page();
            let mut subscriptions = Vec::new();
            while let Some(page) = pages.next().await {
                subscriptions.extend(page.classified().map_err(HealthContext::error)?.subscriptions);
            }
            print_json(&json!({ "subscriptions": to_json(&subscriptions)? }))
        }
        SubscriptionsCommand::Create { subscriber, user, types, id } => {
            let user = if user.starts_with("users/") { user } else { format!("users/{user}") };
            let types: Vec<String> = split_types(&types)
                .into_iter()
                .map(|t| if t.starts_with("users/") { t } else { format!("{user}/dataTypes/{t}") })
                .collect();
            let payload = CreateSubscriptionPayload::new().set_user(user).set_data_types(types);
            let mut request = service
                .create_subscription()
                .set_parent(project.subscriber(&subscriber))
                .set_subscription(payload);
            if let Some(id) = id {
                request = request.set_subscription_id(id);
            }
            let created: Subscription = request.send().await.classified().map_err(HealthContext::error)?;
            print_model(&created)
        }
        SubscriptionsCommand::Delete { subscription, subscriber } => {
            let name = match (subscription.starts_with("projects/"), subscriber) {
                (true, _) => subscription,
                (false, Some(subscriber)) => {
                    format!("{}/subscriptions/{subscription}", project.subscriber(&subscriber))
                }
                (false, None) => {
                    return Err(CliError::usage(
                        "give the subscription's full name, or its id with --subscriber <ID>",
                    ));
                }
            };
            service
                .delete_subscription()
                .set_name(name.clone())
                .send()
                .await
                .classified()
                .map_err(HealthContext::error)?;
            print_json(&json!({ "deleted": name }))
        }
    }
}
