//! The authorization-code flow with PKCE and the other OAuth endpoints,
//! against the strict loopback stand-in for Fitbit.

mod common;

use base64::Engine as _;
use common::{follow_authorize_url, oauth_client};
use fitbit_auth::{Action, AuthorizationError, Error, OAuthClient, Prompt, Scope, Scopes};
use fitbit_tests::mock_fitbit::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, MockConfig, MockFitbit, PUBLIC_CLIENT_ID,
    REDIRECT_URI, USER_ID,
};

#[tokio::test]
async fn confidential_app_signs_in_with_basic_auth_pkce_and_the_exact_redirect_uri() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, true);
    let pending = client.authorization_request().scopes([Scope::Activity, Scope::Profile]).build().unwrap();

    let redirect = follow_authorize_url(pending.url().as_str()).await;
    assert!(redirect.starts_with(REDIRECT_URI) && redirect.ends_with("#_=_"), "{redirect}");
    let tokens = client.complete_authorization(&pending, &redirect).await.unwrap();

    assert_eq!(tokens.user_id.as_deref(), Some(USER_ID));
    assert_eq!(tokens.scopes, Scopes::from([Scope::Activity, Scope::Profile]));
    assert!(mock.is_access_token_valid(tokens.access_token.secret()));
    assert!(mock.is_refresh_token_live(tokens.refresh_token.as_ref().unwrap().secret()));
    assert_eq!(mock.counters().code_exchanges, 1);

    let exchange = mock.requests_to("/oauth2/token").pop().unwrap();
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{CONFIDENTIAL_CLIENT_ID}:{CONFIDENTIAL_CLIENT_SECRET}"));
    assert_eq!(exchange.header("authorization"), Some(format!("Basic {basic}").as_str()));
    assert_eq!(exchange.form_field("client_id"), None, "confidential apps authenticate with Basic only");
    assert_eq!(exchange.form_field("grant_type").as_deref(), Some("authorization_code"));
    assert_eq!(exchange.form_field("redirect_uri").as_deref(), Some(REDIRECT_URI));
    assert_eq!(exchange.form_field("code_verifier").as_deref(), Some(pending.code_verifier().secret()));
    assert_eq!(exchange.header("content-length"), Some(exchange.body.len().to_string().as_str()));
    assert_eq!(exchange.header("content-type"), Some("application/x-www-form-urlencoded"));
}

#[tokio::test]
async fn public_app_signs_in_with_client_id_in_the_body_and_no_authorization_header() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, false);
    let pending = client.authorization_request().scope(Scope::Sleep).prompt(Prompt::Consent).build().unwrap();

    let redirect = follow_authorize_url(pending.url().as_str()).await;
    let tokens = client.complete_authorization(&pending, &redirect).await.unwrap();
    assert!(mock.is_access_token_valid(tokens.access_token.secret()));

    let exchange = mock.requests_to("/oauth2/token").pop().unwrap();
    assert_eq!(exchange.header("authorization"), None);
    assert_eq!(exchange.form_field("client_id").as_deref(), Some(PUBLIC_CLIENT_ID));
    assert!(exchange.header("content-length").is_some());

    // The same goes for a refresh.
    let refreshed = client.refresh(tokens.refresh_token.as_ref().unwrap()).await.unwrap();
    assert_ne!(refreshed.access_token, tokens.access_token);
    let refresh = mock.requests_to("/oauth2/token").pop().unwrap();
    assert_eq!(refresh.header("authorization"), None);
    assert_eq!(refresh.form_field("client_id").as_deref(), Some(PUBLIC_CLIENT_ID));
    assert_eq!(refresh.form_field("grant_type").as_deref(), Some("refresh_token"));
}

#[tokio::test]
async fn the_mock_refuses_a_public_client_posing_as_confidential_and_vice_versa() {
    // Proves the strictness the tests above rely on.
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let refresh_token = fitbit_auth::RefreshToken::new(issued.refresh_token.clone());

    // The confidential app's id, but no secret: body client_id instead of Basic.
    let as_public = OAuthClient::builder(CONFIDENTIAL_CLIENT_ID).base_url(&mock.base_url()).build().unwrap();
    let err = as_public.refresh(&refresh_token).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");

    let wrong_secret = OAuthClient::builder(CONFIDENTIAL_CLIENT_ID)
        .client_secret("not-the-secret")
        .base_url(&mock.base_url())
        .build()
        .unwrap();
    assert_eq!(wrong_secret.refresh(&refresh_token).await.unwrap_err().status(), Some(401));
    assert!(mock.is_refresh_token_live(&issued.refresh_token), "refused requests spend nothing");
}

#[tokio::test]
async fn the_user_may_grant_fewer_scopes_and_answers_may_omit_scope() {
    let config = MockConfig { user_grants: Some(vec!["activity".into()]), ..MockConfig::default() };
    let mock = MockFitbit::start(config).await;
    let client = oauth_client(&mock, true);
    let pending = client.authorization_request().scopes([Scope::Activity, Scope::Heartrate]).build().unwrap();
    let tokens = client
        .complete_authorization(&pending, &follow_authorize_url(pending.url().as_str()).await)
        .await
        .unwrap();
    assert_eq!(tokens.scopes, Scopes::from(Scope::Activity));
    assert_eq!(tokens.scopes.missing(pending.requested_scopes()), vec![Scope::Heartrate]);

    let quiet =
        MockFitbit::start(MockConfig { omit_scope_in_token_answers: true, ..MockConfig::default() }).await;
    let client = oauth_client(&quiet, true);
    let pending = client.authorization_request().scope(Scope::Weight).build().unwrap();
    let tokens = client
        .complete_authorization(&pending, &follow_authorize_url(pending.url().as_str()).await)
        .await
        .unwrap();
    assert!(tokens.scopes.is_empty(), "unknown, not invented");
}

#[tokio::test]
async fn denied_consent_and_forged_callbacks_never_reach_the_token_endpoint() {
    let mock = MockFitbit::start(MockConfig { deny_consent: true, ..MockConfig::default() }).await;
    let client = oauth_client(&mock, true);
    let pending = client.authorization_request().scope(Scope::Activity).build().unwrap();
    let redirect = follow_authorize_url(pending.url().as_str()).await;
    let err = client.complete_authorization(&pending, &redirect).await.unwrap_err();
    assert!(matches!(err, Error::Authorization(AuthorizationError::AccessDenied)), "{err:?}");
    assert_eq!(err.action(), Action::SignInAgain);

    mock.set_deny_consent(false);
    let redirect = follow_authorize_url(pending.url().as_str()).await;
    let other_attempt = client.authorization_request().scope(Scope::Activity).build().unwrap();
    let err = client.complete_authorization(&other_attempt, &redirect).await.unwrap_err();
    assert!(matches!(err, Error::Authorization(AuthorizationError::StateMismatch)), "{err:?}");
    let without_state = redirect.replace("state=", "x=");
    let err = client.complete_authorization(&pending, &without_state).await.unwrap_err();
    assert!(matches!(err, Error::Authorization(AuthorizationError::MissingState)), "{err:?}");
    assert_eq!(mock.counters().token_requests, 0);
}

#[tokio::test]
async fn a_wrong_verifier_or_redirect_uri_or_reused_code_is_refused() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, true);
    let pending = client.authorization_request().scope(Scope::Activity).build().unwrap();
    let code = pending.parse_callback(&follow_authorize_url(pending.url().as_str()).await).unwrap();

    // Another attempt's verifier (same state so that only the verifier differs).
    let impostor =
        client.authorization_request().scope(Scope::Activity).state(pending.state().clone()).build().unwrap();
    let err = client.exchange_code(&impostor, &code).await.unwrap_err();
    assert!(matches!(err, Error::SignInRequired { .. }), "invalid_grant: {err:?}");

    // A different redirect URI than the one sent to authorize.
    let elsewhere = OAuthClient::builder(CONFIDENTIAL_CLIENT_ID)
        .client_secret(CONFIDENTIAL_CLIENT_SECRET)
        .redirect_uri(format!("{REDIRECT_URI}/"))
        .base_url(&mock.base_url())
        .build()
        .unwrap();
    let moved = elsewhere.authorization_request().scope(Scope::Activity).build().unwrap();
    // The mock refuses the unregistered URI at authorize already (a page, no redirect).
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(http.get(moved.url().as_str()).send().await.unwrap().status(), 400);

    // The token request must repeat the redirect URI byte for byte: the same
    // attempt with a trailing slash added is refused, and spends nothing.
    let mut altered = serde_json::to_value(&pending).unwrap();
    altered["redirect_uri"] = format!("{REDIRECT_URI}/").into();
    let altered: fitbit_auth::PendingAuthorization = serde_json::from_value(altered).unwrap();
    let err = client.exchange_code(&altered, &code).await.unwrap_err();
    assert!(matches!(err, Error::SignInRequired { .. }), "invalid_grant: {err:?}");
    let sent = mock.requests_to("/oauth2/token").pop().unwrap();
    assert_eq!(sent.form_field("redirect_uri"), Some(format!("{REDIRECT_URI}/")));

    // The right exchange works once, then the code is spent.
    client.exchange_code(&pending, &code).await.unwrap();
    let err = client.exchange_code(&pending, &code).await.unwrap_err();
    assert!(matches!(err, Error::SignInRequired { .. }), "{err:?}");
}

#[tokio::test]
async fn refresh_rotates_the_pair_and_a_spent_token_is_refused_with_a_scrubbed_message() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, true);
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity", "sleep"]);
    let old = fitbit_auth::RefreshToken::new(issued.refresh_token.clone());

    let before = chrono::Utc::now();
    let new = client.refresh(&old).await.unwrap();
    let new_refresh = new.refresh_token.clone().unwrap();
    assert_ne!(new_refresh, old);
    assert!(!mock.is_refresh_token_live(&issued.refresh_token));
    let lifetime = (new.expires_at - before).num_seconds();
    assert!((28795..=28805).contains(&lifetime), "absolute expiry from expires_in: {lifetime}");

    // Within two minutes, the identical request gets the identical pair.
    let again = client.refresh(&old).await.unwrap();
    assert_eq!(again.access_token, new.access_token);
    assert_eq!(again.refresh_token, new.refresh_token);

    // After the window it is refused: the user must sign in again.
    mock.advance_clock(std::time::Duration::from_secs(121));
    let err = client.refresh(&old).await.unwrap_err();
    assert!(matches!(err, Error::SignInRequired { .. }), "{err:?}");
    assert_eq!(err.action(), Action::SignInAgain);
    assert!(!err.to_string().contains(&issued.refresh_token), "Fitbit echoes the token; we must not: {err}");
    assert!(!format!("{err:?}").contains(&issued.refresh_token));
    assert_eq!(mock.counters().refresh_refusals, 1);
    assert_eq!(mock.counters().refresh_replays, 1);
}

#[tokio::test]
async fn introspect_and_revoke() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, false);
    let pending = client.authorization_request().scopes([Scope::Activity, Scope::Heartrate]).build().unwrap();
    let tokens = client
        .complete_authorization(&pending, &follow_authorize_url(pending.url().as_str()).await)
        .await
        .unwrap();

    let info = client.introspect(&tokens.access_token, &tokens.access_token).await.unwrap();
    assert!(info.active);
    assert_eq!(info.user_id.as_deref(), Some(USER_ID));
    assert_eq!(info.client_id.as_deref(), Some(PUBLIC_CLIENT_ID));
    assert_eq!(info.granted_scopes(), Scopes::from([Scope::Activity, Scope::Heartrate]));
    assert!(info.scopes.iter().all(|s| s.access == "READ_WRITE"));
    let expires_at = info.expires_at.unwrap();
    assert!(
        (expires_at - tokens.expires_at).num_seconds().abs() <= 5,
        "{expires_at} vs {}",
        tokens.expires_at
    );
    let introspect = mock.requests_to("/1.1/oauth2/introspect").pop().unwrap();
    assert_eq!(
        introspect.header("authorization"),
        Some(format!("Bearer {}", tokens.access_token.secret()).as_str())
    );

    let refresh_token = tokens.refresh_token.clone().unwrap();
    client.revoke(&refresh_token).await.unwrap();
    let revoke = mock.requests_to("/oauth2/revoke").pop().unwrap();
    assert_eq!(revoke.form_field("token").as_deref(), Some(refresh_token.secret()));
    assert_eq!(revoke.form_field("client_id").as_deref(), Some(PUBLIC_CLIENT_ID));
    assert!(!mock.is_access_token_valid(tokens.access_token.secret()), "revoking ends the whole grant");

    // The revoked token cannot authenticate an introspection any more.
    let err = client.introspect(&tokens.access_token, &tokens.access_token).await.unwrap_err();
    assert!(matches!(err, Error::SignInRequired { .. }), "{err:?}");
    let other = mock.issue_tokens(PUBLIC_CLIENT_ID, &["sleep"]);
    let bearer = fitbit_auth::AccessToken::new(other.access_token);
    assert!(!client.introspect(&bearer, &tokens.access_token).await.unwrap().active);
}

#[tokio::test]
async fn client_credentials_needs_a_secret_and_carries_no_user() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let token = oauth_client(&mock, true)
        .client_credentials(Some(std::time::Duration::from_secs(3600)))
        .await
        .unwrap();
    assert!(token.refresh_token.is_none());
    assert!(token.user_id.is_none());
    let lifetime = token.expires_at - token.obtained_at.unwrap();
    assert_eq!(lifetime.num_seconds(), 3600);
    let request = mock.requests_to("/oauth2/token").pop().unwrap();
    assert_eq!(request.form_field("grant_type").as_deref(), Some("client_credentials"));
    assert_eq!(request.form_field("expires_in").as_deref(), Some("3600"));

    let err = oauth_client(&mock, false).client_credentials(None).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert_eq!(mock.counters().client_credentials, 1);
}

#[tokio::test]
async fn odd_token_answers_become_typed_errors() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, true);
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let refresh_token = fitbit_auth::RefreshToken::new(issued.refresh_token.clone());

    mock.script_token_answer(200, "text/html", "<html><body>Welcome to the captive portal</body></html>");
    let err = client.refresh(&refresh_token).await.unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { status: Some(200), .. }), "{err:?}");

    mock.script_token_answer(200, "application/json", r#"{"access_token":"abc","expires_in":288"#);
    assert!(matches!(client.refresh(&refresh_token).await.unwrap_err(), Error::InvalidResponse { .. }));

    mock.script_token_answer(502, "text/html", "<html>Bad Gateway</html>");
    let err = client.refresh(&refresh_token).await.unwrap_err();
    assert!(matches!(err, Error::Transient { status: Some(502), .. }), "{err:?}");
    assert_eq!(err.action(), Action::RetryLater);

    mock.script_token_answer(410, "text/html", "<html>Gone</html>");
    let err = client.refresh(&refresh_token).await.unwrap_err();
    assert!(matches!(err, Error::Retired { .. }), "{err:?}");

    mock.script_token_answer(
        429,
        "application/json",
        r#"{"errors":[{"errorType":"system","fieldName":"n/a","message":"Too Many Requests"}],"success":false}"#,
    );
    assert!(matches!(client.refresh(&refresh_token).await.unwrap_err(), Error::RateLimited { .. }));

    // None of those spent the refresh token.
    assert!(mock.is_refresh_token_live(&issued.refresh_token));
    client.refresh(&refresh_token).await.unwrap();
}

#[tokio::test]
async fn a_connection_refused_is_transient() {
    // A port nobody listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = OAuthClient::builder(CONFIDENTIAL_CLIENT_ID)
        .client_secret(CONFIDENTIAL_CLIENT_SECRET)
        .base_url(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let err = client.refresh(&fitbit_auth::RefreshToken::new("mock-rt-0123456789abcdef")).await.unwrap_err();
    assert!(matches!(err, Error::Transient { status: None, .. }), "{err:?}");
    assert_eq!(err.action(), Action::RetryLater);
}

#[tokio::test]
async fn a_token_endpoint_redirect_is_never_followed_and_the_other_server_gets_nothing() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let elsewhere = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, true);
    let location = elsewhere.url("/oauth2/token");

    // A refresh: the refresh token must not travel on.
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let refresh_token = fitbit_auth::RefreshToken::new(issued.refresh_token.clone());
    for status in [307, 308, 302] {
        mock.script_token_answer_with_headers(status, "text/plain", "", &[("location", &location)]);
        let err = client.refresh(&refresh_token).await.unwrap_err();
        assert!(matches!(err, Error::InvalidResponse { status: Some(s), .. } if s == status), "{err:?}");
        assert_eq!(err.action(), Action::RetryLater);
        assert!(err.to_string().contains("a redirect, which is not followed"), "{err}");
        assert!(!err.to_string().contains(&issued.refresh_token), "{err}");
    }

    // A code exchange: neither the code nor the verifier travels on.
    let pending = client.authorization_request().scope(Scope::Activity).build().unwrap();
    let redirect = follow_authorize_url(pending.url().as_str()).await;
    mock.script_token_answer_with_headers(307, "text/plain", "", &[("location", &location)]);
    let err = client.complete_authorization(&pending, &redirect).await.unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { status: Some(307), .. }), "{err:?}");

    assert!(elsewhere.requests().is_empty(), "the second server received {:?}", elsewhere.requests());
    assert_eq!(mock.counters().token_requests, 4);
    assert!(mock.is_refresh_token_live(&issued.refresh_token));
}

#[tokio::test]
async fn a_refused_sign_in_code_says_the_code_was_refused_not_the_refresh_token() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, true);
    let pending = client.authorization_request().scope(Scope::Activity).build().unwrap();
    let code = pending.parse_callback(&follow_authorize_url(pending.url().as_str()).await).unwrap();
    client.exchange_code(&pending, &code).await.unwrap();

    let err = client.exchange_code(&pending, &code).await.unwrap_err();

    let Error::SignInRequired { reason, api: Some(api) } = &err else { panic!("{err:?}") };
    assert!(reason.starts_with("the sign-in code was refused"), "{reason}");
    assert!(reason.ends_with("sign in again"), "{reason}");
    assert!(!err.to_string().contains("refresh token"), "{err}");
    assert!(api.envelope.has_error_type("invalid_grant"));
    assert_eq!(err.action(), Action::SignInAgain);
}

#[tokio::test]
async fn a_garbage_success_answer_to_a_refresh_is_a_bad_answer_to_retry_later() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let client = oauth_client(&mock, true);
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let refresh_token = fitbit_auth::RefreshToken::new(issued.refresh_token.clone());
    mock.script_token_answer(200, "text/html", "<html>\u{1b}[2J captive portal</html>");

    let err = client.refresh(&refresh_token).await.unwrap_err();

    assert!(matches!(err, Error::InvalidResponse { status: Some(200), .. }), "{err:?}");
    assert_eq!(err.action(), Action::RetryLater);
    assert!(
        err.to_string().starts_with("bad answer from the server (HTTP 200): the token answer is not JSON"),
        "{err}"
    );
}
