//! The two sides of the per-request overhead measurements
//! (`benches/request_overhead.rs`, `examples/instructions_per_request.rs`):
//! a reqwest client configured as the SDK configures its own, a session
//! holding a valid token, and the client's way of decoding a body (also used
//! by `benches/intraday_decode.rs`).

use chrono::Utc;
use fitbit_auth::{MemoryStore, OAuthClient, Session, TokenSet};
use serde::de::DeserializeOwned;

/// The bearer token both sides send.
pub const TOKEN: &str = "bench-access-token";

/// A reqwest client with the SDK's connect and request time-outs, and a
/// connection pool of its own.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(fitbit_api::DEFAULT_TIMEOUT)
        .timeout(fitbit_api::DEFAULT_TIMEOUT)
        .build()
        .expect("a reqwest client")
}

/// A session holding a valid token (eight hours), so that every request
/// takes the session's fast path, as it does between refreshes.
pub fn session(base_url: &str) -> Session {
    let answer = format!(
        r#"{{"access_token":"{TOKEN}","expires_in":28800,"refresh_token":"bench-refresh-token","scope":"profile","token_type":"Bearer","user_id":"GGNJL9"}}"#
    );
    let tokens = TokenSet::from_token_response(answer.as_bytes(), Utc::now()).expect("a valid token answer");
    let oauth = OAuthClient::builder("23BNCH").client_secret("bench-secret").base_url(base_url).build();
    Session::new(oauth.expect("an OAuth client"), MemoryStore::with_tokens(tokens))
}

/// Decodes an answer's body as the client does (progenitor-client's
/// `ResponseValue::from_response`: `serde_json::from_slice`); a body that
/// does not decode is a broken bench.
pub fn decode_as_the_client<T: DeserializeOwned>(body: &[u8]) -> T {
    serde_json::from_slice(body)
        .unwrap_or_else(|err| panic!("the body does not decode as {}: {err}", std::any::type_name::<T>()))
}
