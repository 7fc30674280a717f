//! `fitbit health identity | profile | settings | devices`.

use fitbit_health::{ResultExt as _, names};
use google_cloud_gax::paginator::Paginator as _;
use serde::Serialize;

use super::{DevicesCommand, HealthContext};
use crate::errors::CliError;
use crate::output::print_json;

/// Prints an answer of Google's client as JSON.
pub fn print_model(model: &impl Serialize) -> Result<(), CliError> {
    let json = serde_json::to_value(model)
        .map_err(|err| CliError::failure(format!("could not encode the answer as JSON: {err}")))?;
    print_json(&json)
}

pub async fn identity(context: &HealthContext) -> Result<(), CliError> {
    let client = context.client().await?;
    let name = names::user_resource(names::ME, "identity");
    let identity = client.health_profile().get_identity().set_name(name).send().await.classified();
    print_model(&identity.map_err(HealthContext::error)?)
}

pub async fn profile(context: &HealthContext) -> Result<(), CliError> {
    let client = context.client().await?;
    let name = names::user_resource(names::ME, "profile");
    let profile = client.health_profile().get_profile().set_name(name).send().await.classified();
    print_model(&profile.map_err(HealthContext::error)?)
}

pub async fn settings(context: &HealthContext) -> Result<(), CliError> {
    let client = context.client().await?;
    let name = names::user_resource(names::ME, "settings");
    let settings = client.health_profile().get_settings().set_name(name).send().await.classified();
    print_model(&settings.map_err(HealthContext::error)?)
}

pub async fn devices(context: &HealthContext, command: DevicesCommand) -> Result<(), CliError> {
    let client = context.client().await?;
    match command {
        DevicesCommand::List => {
            let mut pages =
                client.health_profile().list_paired_devices().set_parent(names::user(names::ME)).by_page();
            let mut devices = Vec::new();
            while let Some(page) = pages.next().await {
                devices.extend(page.classified().map_err(HealthContext::error)?.paired_devices);
            }
            print_json(&serde_json::json!({ "pairedDevices": to_json(&devices)? }))
        }
        DevicesCommand::Get { id } => {
            let name = if id.starts_with("users/") { id } else { names::paired_device(names::ME, &id) };
            let device = client.health_profile().get_paired_device().set_name(name).send().await.classified();
            print_model(&device.map_err(HealthContext::error)?)
        }
    }
}

pub fn to_json(model: &impl Serialize) -> Result<serde_json::Value, CliError> {
    serde_json::to_value(model)
        .map_err(|err| CliError::failure(format!("could not encode the answer as JSON: {err}")))
}
