//! `fitbit webhook serve`: a local subscriber endpoint for development.
//!
//! It answers Fitbit's verification GETs, checks `X-Fitbit-Signature` on
//! every POST, prints each verified notification as one JSON line on stdout,
//! and logs every refused request on stderr. Put a tunnel in front of it to
//! receive Fitbit's real notifications, or POST to it yourself.

use std::io::{self, Write as _};
use std::net::SocketAddr;

use fitbit_auth::TokenStore as _;
use fitbit_webhooks::receiver::{
    NotificationSink, Receiver, Refusal, ServeLimits, SinkUnavailable, serve as serve_with_limits,
};
use fitbit_webhooks::{Notification, SignatureKey, Subscriber, VerificationCode};

use crate::cli::WebhookServeArgs;
use crate::config::{CLIENT_SECRET_ENV, Settings};
use crate::errors::CliError;

pub async fn serve(settings: &Settings, args: WebhookServeArgs) -> Result<(), CliError> {
    if args.verification_code.is_empty() {
        return Err(CliError::usage("the verification code is empty; give the one shown on dev.fitbit.com"));
    }
    let (secret, source) = client_secret(settings).await?;
    let subscriber = Subscriber::new(
        SignatureKey::from_client_secret(&secret),
        VerificationCode::new(args.verification_code),
    );
    let router = Receiver::new(subscriber, PrintSink).max_body_bytes(args.max_body_bytes).router();

    let addr = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|err| {
        CliError::failure(format!("could not listen on {addr}: {err}"))
            .with_hint("choose another --port (0 picks a free one)")
    })?;
    let bound = listener.local_addr().map_err(|err| CliError::failure(format!("no local address: {err}")))?;
    eprintln!(
        "fitbit: receiving Fitbit notifications on http://{bound}/ (any path), checking signatures with \
         the client secret from {source}; verified ones are printed on stdout, one JSON line each. \
         Ctrl-C stops."
    );
    serve_with_limits(listener, router, ServeLimits::default(), stop_signal())
        .await
        .map_err(|err| CliError::failure(format!("the receiver stopped: {err}")))
}

/// The app's client secret, from the token file, else `FITBIT_CLIENT_SECRET`
/// (as for the other commands), and where it came from.
async fn client_secret(settings: &Settings) -> Result<(String, String), CliError> {
    let record = settings.store().load().await?;
    if let Some(secret) = record.client.and_then(|client| client.client_secret) {
        return Ok((secret.secret().to_owned(), settings.token_file.display().to_string()));
    }
    match std::env::var(CLIENT_SECRET_ENV) {
        Ok(secret) if !secret.is_empty() => Ok((secret, CLIENT_SECRET_ENV.to_owned())),
        _ => Err(CliError::usage(format!(
            "no client secret: {} holds none and {CLIENT_SECRET_ENV} is not set",
            settings.token_file.display()
        ))
        .with_hint(format!(
            "set {CLIENT_SECRET_ENV} to the app's client secret (dev.fitbit.com), or sign in with \
             `fitbit login --client-id <ID> --client-secret <SECRET>`"
        ))),
    }
}

/// Ctrl-C, or SIGTERM on Unix.
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Verified notifications to stdout (one JSON line each), refusals to stderr.
struct PrintSink;

impl NotificationSink for PrintSink {
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable> {
        let mut lines = String::new();
        for notification in &notifications {
            let line = serde_json::to_string(notification).map_err(|_| SinkUnavailable)?;
            lines.push_str(&line);
            lines.push('\n');
        }
        let mut stdout = io::stdout().lock();
        // A closed stdout means nobody takes the notifications: answer 503
        // so that Fitbit keeps them, rather than 204 and lose them.
        stdout.write_all(lines.as_bytes()).and_then(|()| stdout.flush()).map_err(|_| SinkUnavailable)
    }

    fn refused(&self, refusal: &Refusal) {
        eprintln!("fitbit: {}", crate::output::terminal_safe(&refusal.to_string()));
    }
}
