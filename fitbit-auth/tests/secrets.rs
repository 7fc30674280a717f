//! Secrets (client secret, tokens, PKCE verifier, authorization code) never
//! appear in `Debug`/`Display` output, error messages or tracing output.

mod common;

use common::{expired, follow_authorize_url, oauth_client};
use fitbit_auth::{
    AccessToken, AuthorizationCode, ClientConfig, ClientSecret, CsrfState, Error, MemoryStore, OAuthClient,
    PkceChallenge, PkceVerifier, RefreshToken, Scope, Session, StoredCredentials, TokenStore, TokenStoreExt,
};
use fitbit_tests::mock_fitbit::{CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, MockConfig, MockFitbit};
use fitbit_tests::tracing_capture::CapturedTracing;

/// Asserts that none of `secrets` occurs in `text`.
fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!text.contains(secret), "{what} leaks a secret:\n{text}");
    }
}

/// Debug, pretty Debug.
fn debug_forms(value: &impl std::fmt::Debug) -> String {
    format!("{value:?}\n{value:#?}")
}

#[test]
fn secret_newtypes_and_the_types_holding_them_redact_debug_and_display() {
    let secrets = [
        "client-secret-7d41e9a3b2c8",
        "access-token-9f0e2d4c6b8a",
        "refresh-token-1a3c5e7g9i0k",
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "auth-code-5b7d9f1h3j5l",
    ];
    let [client_secret, access, refresh, verifier, code] = secrets;

    let newtypes: Vec<(&str, String)> = vec![
        (
            "ClientSecret",
            format!(
                "{} {}",
                debug_forms(&ClientSecret::new(client_secret)),
                ClientSecret::new(client_secret)
            ),
        ),
        ("AccessToken", format!("{} {}", debug_forms(&AccessToken::new(access)), AccessToken::new(access))),
        (
            "RefreshToken",
            format!("{} {}", debug_forms(&RefreshToken::new(refresh)), RefreshToken::new(refresh)),
        ),
        (
            "PkceVerifier",
            format!("{} {}", debug_forms(&PkceVerifier::new(verifier)), PkceVerifier::new(verifier)),
        ),
        (
            "AuthorizationCode",
            format!("{} {}", debug_forms(&AuthorizationCode::new(code)), AuthorizationCode::new(code)),
        ),
    ];
    for (what, text) in &newtypes {
        assert_clean(what, text, &secrets);
        assert!(text.contains("[redacted]"), "{what}: {text}");
    }

    let pkce = PkceChallenge::from_verifier(PkceVerifier::new(verifier)).unwrap();
    assert_clean("PkceChallenge", &debug_forms(&pkce), &secrets);

    let builder =
        OAuthClient::builder("23ABCD").client_secret(client_secret).redirect_uri("http://localhost/cb");
    assert_clean("OAuthClientBuilder", &debug_forms(&builder), &secrets);
    let client = builder.build().unwrap();
    assert_clean("OAuthClient", &debug_forms(&client), &secrets);

    let request = client.authorization_request().scope(Scope::Sleep).pkce(pkce.clone());
    assert_clean("AuthorizationRequest", &debug_forms(&request), &secrets);
    let pending = request.build().unwrap();
    assert_clean("PendingAuthorization", &debug_forms(&pending), &secrets);
    let state = CsrfState::new("state-value-2468");
    assert_clean("CsrfState", &debug_forms(&state), &["state-value-2468"]);

    let body = format!(
        r#"{{"access_token":"{access}","refresh_token":"{refresh}","expires_in":28800,"user_id":"U1"}}"#
    );
    let tokens = fitbit_auth::TokenSet::from_token_response(body.as_bytes(), chrono::Utc::now()).unwrap();
    assert_clean("TokenSet", &debug_forms(&tokens), &secrets);

    let config = ClientConfig {
        client_id: "23ABCD".into(),
        client_secret: Some(ClientSecret::new(client_secret)),
        redirect_uri: None,
    };
    let mut record =
        StoredCredentials { client: Some(config.clone()), token: Some(tokens.clone()), ..Default::default() };
    record.extra.insert("other_tool".into(), serde_json::json!({ "api_key": client_secret }));
    assert_clean("ClientConfig", &debug_forms(&config), &secrets);
    assert_clean("StoredCredentials", &debug_forms(&record), &secrets);

    let store = MemoryStore::with_credentials(record);
    assert_clean("MemoryStore", &debug_forms(&store), &secrets);
    let builder = Session::builder(client.clone(), store.clone());
    assert_clean("SessionBuilder", &debug_forms(&builder), &secrets);
    let session = builder.build();
    assert_clean("Session", &debug_forms(&session), &secrets);
}

#[tokio::test]
async fn errors_from_fitbit_that_echo_tokens_are_scrubbed() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["profile"]);
    let client = oauth_client(&mock, true);
    let refresh_token = RefreshToken::new(issued.refresh_token.clone());
    client.refresh(&refresh_token).await.unwrap();
    // Past the replay window and the access token's 8 hours.
    mock.advance_clock(std::time::Duration::from_secs(9 * 3600));

    // invalid_grant: Fitbit's message repeats the refresh token.
    let err = client.refresh(&refresh_token).await.unwrap_err();
    let request = mock.requests_to("/oauth2/token").pop().unwrap();
    assert_eq!(request.form_field("refresh_token").as_deref(), Some(issued.refresh_token.as_str()));
    let secrets = [issued.refresh_token.as_str(), issued.access_token.as_str(), CONFIDENTIAL_CLIENT_SECRET];
    assert_clean("invalid_grant error", &format!("{err}\n{}", debug_forms(&err)), &secrets);
    assert_clean("hook message", &err.to_hook_message(), &secrets);

    // expired_token: Fitbit's message repeats the access token.
    let response = reqwest::Client::new()
        .get(mock.url("/1/user/-/profile.json"))
        .bearer_auth(&issued.access_token)
        .send()
        .await
        .unwrap();
    let body = response.bytes().await.unwrap();
    assert!(String::from_utf8_lossy(&body).contains(&issued.access_token), "the mock echoes it, like Fitbit");
    let err = Error::from_response(401, &Default::default(), &body);
    assert!(matches!(err, Error::TokenExpired(_)));
    assert_clean("expired_token error", &format!("{err}"), &secrets);
}

#[tokio::test(flavor = "current_thread")]
async fn tracing_output_of_a_whole_sign_in_refresh_and_sign_out_holds_no_secret() {
    let capture = CapturedTracing::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let mock = MockFitbit::start(MockConfig::default()).await;
    let store = MemoryStore::new();
    let base = mock.base_url();
    store
        .update(|record| {
            let mut app = ClientConfig::new(CONFIDENTIAL_CLIENT_ID);
            app.client_secret = Some(ClientSecret::new(CONFIDENTIAL_CLIENT_SECRET));
            app.redirect_uri = Some(fitbit_tests::mock_fitbit::REDIRECT_URI.into());
            record.client = Some(app);
        })
        .await
        .unwrap();
    let session = Session::from_store_with(store.clone(), |b| b.base_url(&base)).await.unwrap();

    // Sign in (code + verifier), refresh after a lost answer, refresh refused, sign out.
    let pending = session.oauth_client().authorization_request().scope(Scope::Profile).build().unwrap();
    let redirect = follow_authorize_url(pending.url().as_str()).await;
    let code = pending.parse_callback(&redirect).unwrap();
    let signed_in = session.sign_in(&pending, &redirect).await.unwrap();
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["profile"]);
    session.save_tokens(expired(&issued)).await.unwrap();
    mock.drop_connection_after_next_refreshes(1);
    let refreshed = session.access_token().await.unwrap();
    let spent = fitbit_auth::RefreshToken::new(issued.refresh_token.clone());
    mock.advance_clock(std::time::Duration::from_secs(600));
    let _ = session.oauth_client().refresh(&spent).await.unwrap_err();
    session.sign_out().await.unwrap();

    let text = capture.text();
    assert!(text.contains("refreshed the access token"), "the capture works:\n{text}");
    assert!(text.contains("the refresh answer was lost"), "{text}");
    let stored_refresh = store.snapshot();
    let secrets = [
        CONFIDENTIAL_CLIENT_SECRET,
        pending.code_verifier().secret(),
        code.secret(),
        signed_in.access_token.secret(),
        signed_in.refresh_token.as_ref().unwrap().secret(),
        issued.access_token.as_str(),
        issued.refresh_token.as_str(),
        refreshed.secret(),
    ];
    assert_clean("tracing output", &text, &secrets);
    assert!(stored_refresh.token.is_none());
    assert!(matches!(store.load().await, Ok(record) if record.token.is_none()));
}
