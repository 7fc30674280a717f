//! `fitbit health webhook serve`: a local Google Health subscriber endpoint
//! for development. It answers Google's endpoint verification (201 with the
//! Authorization secret, 401 without), checks the Authorization secret and
//! the ECDSA signature of every notification against Google's keyset,
//! prints each verified notification as one JSON line on stdout, and logs
//! every refused request on stderr (never the secret). Put an HTTPS tunnel in
//! front of it to receive Google's real notifications.

use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use fitbit_webhooks::google::receiver::{NotificationSink, Receiver, Refusal};
use fitbit_webhooks::google::{
    Endpoint, EndpointAuthorization, HttpsKeyset, Keys, Keyset, KeysetFile, Notification,
};
use fitbit_webhooks::receiver::{ServeLimits, SinkUnavailable, serve};

use crate::errors::CliError;

/// `fitbit health webhook …`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Receive Google Health notifications on this machine and print the verified ones
    #[command(
        long_about = "Receive Google Health notifications on this machine and print the verified ones.\n\n\
        Answers Google's endpoint verification (201 with the Authorization secret, 401 without, 403 for \
        another value), checks the Authorization header and the ECDSA P-256 signature of every notification \
        (GOOGLE-HEALTH-API-SIGNATURE or X-HEALTHAPI-SIGNATURE) against Google's public keyset, and prints each \
        verified notification as one JSON line on stdout. Refused requests are logged on stderr. The keyset \
        is fetched from Google and cached (fetched again for an unknown key id, at most once a minute), or \
        read from --keyset FILE."
    )]
    Serve(ServeArgs),
}

/// `fitbit health webhook serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,

    /// The address to listen on
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,

    /// The subscriber's Authorization secret: the whole header value (e.g. "Bearer 9f2c…"); prefer
    /// FITBIT_HEALTH_WEBHOOK_AUTHORIZATION (command lines are visible to other users)
    #[arg(long, env = "FITBIT_HEALTH_WEBHOOK_AUTHORIZATION", hide_env_values = true, value_name = "SECRET")]
    pub authorization: String,

    /// Google's public keyset (Tink JSON) from this file instead of Google's URL
    #[arg(long, value_name = "FILE")]
    pub keyset: Option<PathBuf>,

    /// Google's keyset URL (https; http only on loopback, for tests)
    #[arg(
        long,
        hide = true,
        env = "FITBIT_HEALTH_WEBHOOK_KEYSET_URL",
        value_name = "URL",
        conflicts_with = "keyset"
    )]
    pub keyset_url: Option<String>,

    /// The largest body accepted (larger ones get 413)
    #[arg(long, value_name = "BYTES", default_value_t = fitbit_webhooks::receiver::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
}

pub async fn run(command: WebhookCommand) -> Result<(), CliError> {
    match command {
        WebhookCommand::Serve(args) => serve_webhooks(args).await,
    }
}

async fn serve_webhooks(args: ServeArgs) -> Result<(), CliError> {
    let authorization = EndpointAuthorization::new(args.authorization);
    if authorization.is_empty() {
        return Err(CliError::usage("the Authorization secret is empty")
            .with_hint("give the subscriber's endpointAuthorization secret, e.g. \"Bearer 9f2c…\""));
    }
    let (keys, source) = match (&args.keyset, &args.keyset_url) {
        (Some(file), _) => {
            // Refuse a broken file now rather than on the first notification.
            let text = std::fs::read(file).map_err(|err| {
                CliError::usage(format!("could not read the keyset {}: {err}", file.display()))
            })?;
            Keyset::from_json(&text).map_err(|err| {
                CliError::usage(format!("{} is not a usable keyset: {err}", file.display()))
            })?;
            (Keys::new(KeysetFile::new(file)), file.display().to_string())
        }
        (None, Some(url)) => {
            let source = HttpsKeyset::new(url).map_err(|err| CliError::usage(err.to_string()))?;
            (Keys::new(source), url.clone())
        }
        (None, None) => {
            let keys = Keys::google();
            let source = keys.source();
            (keys, source)
        }
    };
    let endpoint = Endpoint::new(authorization, keys);
    let router = Receiver::new(endpoint, PrintSink).max_body_bytes(args.max_body_bytes).router();

    let addr = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|err| {
        CliError::failure(format!("could not listen on {addr}: {err}"))
            .with_hint("choose another --port (0 picks a free one)")
    })?;
    let bound = listener.local_addr().map_err(|err| CliError::failure(format!("no local address: {err}")))?;
    eprintln!(
        "fitbit: receiving Google Health notifications on http://{bound}/ (any path), checking signatures with \
         the keyset from {source}; verified ones are printed on stdout, one JSON line each. Ctrl-C stops."
    );
    serve(listener, router, ServeLimits::default(), crate::webhook::stop_signal())
        .await
        .map_err(|err| CliError::failure(format!("the receiver stopped: {err}")))
}

/// Verified notifications to stdout (one JSON line each), the rest to stderr.
struct PrintSink;

impl NotificationSink for PrintSink {
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable> {
        let mut lines = String::new();
        for notification in &notifications {
            lines.push_str(&serde_json::to_string(notification).map_err(|_| SinkUnavailable)?);
            lines.push('\n');
        }
        let mut stdout = io::stdout().lock();
        // A closed stdout means nobody takes the notifications: answer 503
        // so that Google delivers them again, rather than 204 and lose them.
        stdout.write_all(lines.as_bytes()).and_then(|()| stdout.flush()).map_err(|_| SinkUnavailable)
    }

    fn verified(&self) {
        eprintln!("fitbit: answered Google's endpoint verification (201)");
    }

    fn refused(&self, refusal: &Refusal) {
        eprintln!("fitbit: {}", crate::output::terminal_safe(&refusal.to_string()));
    }
}
