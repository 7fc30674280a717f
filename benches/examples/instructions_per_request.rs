//! The per-request overhead cases of `benches/request_overhead.rs`, one at a
//! time, on one thread, for counting instructions: `benches/instructions.sh`
//! runs each under valgrind's callgrind at two request counts, so that the
//! difference is the instructions one request costs, start-up excluded. Unlike
//! time, the count does not move with the machine's load.
//!
//! `cargo run --release -p fitbit-benches --example instructions_per_request -- <case> <requests>`
//! with `<case>` one of `plain_reqwest`, `plain_reqwest_typed`, `fitbit_api_session`.

use std::process::ExitCode;

use fitbit_api::prelude::*;
use fitbit_api::types::ProfileResponse;
use fitbit_benches::clients::{TOKEN, decode_as_the_client, http_client, session};
use fitbit_benches::loopback::FixedBodyServer;

const USAGE: &str =
    "usage: instructions_per_request <plain_reqwest|plain_reqwest_typed|fitbit_api_session> <requests>";

#[derive(Clone, Copy)]
enum Case {
    /// A plain reqwest GET, body read: the floor.
    Plain,
    /// The floor, then the body decoded into `ProfileResponse` as the client
    /// decodes it.
    PlainTyped,
    /// `get_profile().send()` through the generated client with a session.
    Session,
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let case = match args.next().as_deref() {
        Some("plain_reqwest") => Case::Plain,
        Some("plain_reqwest_typed") => Case::PlainTyped,
        Some("fitbit_api_session") => Case::Session,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some(requests) = args.next().and_then(|n| n.parse::<u64>().ok()) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    runtime.block_on(run(case, requests));
    ExitCode::SUCCESS
}

/// The same set-up as the bench: one loopback server, a reqwest client
/// configured as the SDK configures its own, a session holding a valid token.
async fn run(case: Case, requests: u64) {
    let server = FixedBodyServer::start().await.expect("a loopback port");
    let base_url = server.base_url();
    let url = format!("{base_url}/1/user/-/profile.json");
    let http = http_client();
    let client = fitbit_api::Client::builder()
        .authorizer(session(&base_url))
        .base_url(&base_url)
        .http_client(http.clone())
        .build()
        .expect("a client");
    for _ in 0..requests {
        match case {
            Case::Plain => {
                let answer = http.get(&url).bearer_auth(TOKEN).send().await.expect("a loopback answer");
                assert!(!answer.error_for_status().expect("200").bytes().await.expect("a body").is_empty());
            }
            Case::PlainTyped => {
                let answer = http.get(&url).bearer_auth(TOKEN).send().await.expect("a loopback answer");
                let body = answer.error_for_status().expect("200").bytes().await.expect("a body");
                let profile: ProfileResponse = decode_as_the_client(&body);
                assert!(profile.user.encoded_id.is_some());
            }
            Case::Session => {
                let profile = client.get_profile().send().await.expect("a typed profile");
                assert!(profile.user.encoded_id.is_some());
            }
        }
    }
}
