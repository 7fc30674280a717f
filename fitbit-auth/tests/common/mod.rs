//! Helpers shared by the integration tests: clients and tokens for the mock.

#![allow(dead_code)] // each test binary uses a different subset

use chrono::{DateTime, Duration, Utc};
use fitbit_auth::{OAuthClient, TokenSet};
use fitbit_tests::mock_fitbit::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, IssuedTokens, MockFitbit, PUBLIC_CLIENT_ID,
    REDIRECT_URI,
};

/// An OAuth client for one of the mock's default apps.
pub fn oauth_client(mock: &MockFitbit, confidential: bool) -> OAuthClient {
    let builder = if confidential {
        OAuthClient::builder(CONFIDENTIAL_CLIENT_ID).client_secret(CONFIDENTIAL_CLIENT_SECRET)
    } else {
        OAuthClient::builder(PUBLIC_CLIENT_ID)
    };
    builder.redirect_uri(REDIRECT_URI).base_url(&mock.base_url()).build().expect("client builds")
}

/// The tokens the mock issued, as the token endpoint would have answered,
/// with the local expiry moved to `expires_at` (obtained 8 hours earlier).
pub fn token_set(issued: &IssuedTokens, expires_at: DateTime<Utc>) -> TokenSet {
    let body = serde_json::to_vec(&issued.token_answer()).unwrap();
    let mut tokens = TokenSet::from_token_response(&body, Utc::now()).expect("mock answers parse");
    tokens.expires_at = expires_at;
    tokens.obtained_at = Some(expires_at - Duration::hours(8));
    tokens
}

/// Tokens that expired a minute ago (locally), so the next use refreshes.
pub fn expired(issued: &IssuedTokens) -> TokenSet {
    token_set(issued, Utc::now() - Duration::minutes(1))
}

/// Tokens good for hours.
pub fn fresh(issued: &IssuedTokens) -> TokenSet {
    token_set(issued, Utc::now() + Duration::hours(7))
}

/// Opens `url` like a browser whose user consents at once, and returns where
/// Fitbit redirects it (the `Location` of the 302).
pub async fn follow_authorize_url(url: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = http.get(url).send().await.expect("authorize answers");
    if response.status() != 302 {
        panic!("authorize did not redirect: {} {:?}", response.status(), response.text().await);
    }
    response.headers()["location"].to_str().unwrap().to_string()
}
