//! Keep a user's data in sync without polling: receive Fitbit's
//! notifications, and for each one fetch the changed data of that owner and
//! day, within the hourly request budget.
//!
//! ```sh
//! # After `fitbit login --client-id <ID> --client-secret <SECRET>`, and with the
//! # subscriber URL of the app (dev.fitbit.com) pointing here through a tunnel:
//! FITBIT_VERIFICATION_CODE=<code> cargo run -p fitbit-examples --example webhook_sync -- 8080
//! ```
//!
//! It subscribes the signed-in user to all collections (subscription id
//! `sync-<user id>`; an existing one is kept), then serves the subscriber
//! endpoint. Every verified notification is queued once (a repeat of a
//! change still waiting adds nothing); a worker fetches the changed day,
//! leaving `RESERVE` requests of the hour for interactive use, and prints
//! what it fetched. The receiver answers Fitbit at once and never waits for
//! the fetches.

use std::sync::Arc;
use std::time::Instant;

use fitbit_api::prelude::*;
use fitbit_api::webhooks::{Notification, SignatureKey, Subscriber, VerificationCode};
use fitbit_api::{Client, Error};
use fitbit_auth::{FileStore, TokenStore as _};
use fitbit_examples::notifications::{Fetched, PendingFetches, fetch_changed, wait_for_budget};
use fitbit_webhooks::receiver::Receiver;
use tokio::sync::{Mutex, Notify, mpsc};

/// Requests of the hourly budget (150 per user) kept for interactive use.
const RESERVE: u32 = 20;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(8080);
    let code = std::env::var("FITBIT_VERIFICATION_CODE").map_err(|_| "set FITBIT_VERIFICATION_CODE")?;
    let record = FileStore::new(fitbit_examples::token_file()).load().await?;
    let secret = record
        .client
        .and_then(|client| client.client_secret)
        .map(|secret| secret.secret().to_owned())
        .or_else(|| std::env::var("FITBIT_CLIENT_SECRET").ok())
        .ok_or("no client secret: sign in with --client-secret or set FITBIT_CLIENT_SECRET")?;

    let client = fitbit_examples::signed_in_client().await?;
    subscribe(&client).await?;

    let (notifications, incoming) = mpsc::channel::<Notification>(1024);
    let subscriber = Subscriber::new(SignatureKey::from_client_secret(&secret), VerificationCode::new(code));
    let app = Receiver::new(subscriber, notifications).router();
    tokio::spawn(sync_worker(client, incoming));

    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    eprintln!("subscriber endpoint on port {port}; waiting for notifications");
    axum::serve(listener, app).await?;
    Ok(())
}

/// Subscribes the signed-in user to all collections; 200 (already there)
/// is fine too.
async fn subscribe(client: &Client) -> Result<(), Error> {
    let profile = client.get_profile().send().await?;
    let user = profile.user.encoded_id.clone().unwrap_or_else(|| "me".into());
    let subscription_id = format!("sync-{user}");
    client.create_subscription().subscription_id(subscription_id.as_str()).send().await?;
    eprintln!("subscribed {user} to all collections as {subscription_id}");
    Ok(())
}

/// Queues notifications as they come and fetches them one at a time.
async fn sync_worker(client: Client, mut incoming: mpsc::Receiver<Notification>) {
    let pending = Arc::new(Mutex::new(PendingFetches::default()));
    let arrived = Arc::new(Notify::new());
    {
        let (pending, arrived) = (pending.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Some(notification) = incoming.recv().await {
                if !pending.lock().await.push(notification) {
                    eprintln!("repeat of a change still waiting; nothing new to fetch");
                }
                arrived.notify_one();
            }
        });
    }
    loop {
        let next = pending.lock().await.pop();
        let Some(notification) = next else {
            arrived.notified().await;
            continue;
        };
        let cost = Fetched::cost(&notification.collection_type);
        if let Some(wait) = wait_for_budget(&client.rate_limit(), cost, RESERVE, Instant::now()) {
            eprintln!("keeping {RESERVE} requests in reserve: waiting {}s", wait.as_secs());
            tokio::time::sleep(wait).await;
        }
        match fetch_changed(&client, &notification).await {
            Ok(fetched) => report(&notification, &fetched),
            Err(err) => eprintln!("{}: {err} ({:?})", notification.key(), err.action()),
        }
    }
}

fn report(notification: &Notification, fetched: &Fetched) {
    let what = match fetched {
        Fetched::Activities(summary) => format!("steps {:?}", summary.summary.as_ref().and_then(|s| s.steps)),
        Fetched::Body(weights) => format!("{} weight log(s)", weights.weight.len()),
        Fetched::Foods(food, water) => {
            format!("{} food log(s), water {:?}", food.foods.len(), water.summary.water)
        }
        Fetched::Sleep(sleep) => format!("{} sleep log(s)", sleep.sleep.as_ref().map_or(0, Vec::len)),
        Fetched::AccessEnded => "access ended: delete this user's tokens".into(),
        Fetched::Skipped => "nothing to fetch".into(),
    };
    println!("{} {}", notification.key(), what);
}
