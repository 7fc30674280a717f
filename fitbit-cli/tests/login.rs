//! `fitbit login --no-browser` end to end: the test reads the printed URL,
//! plays the browser against the mock's consent page, and follows the
//! redirect to the CLI's loopback listener.

mod common;

use common::{LoginRun, Scratch, consent, free_port, get, mock_for};
use fitbit_tests::mock_fitbit::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, PUBLIC_CLIENT_ID, USER_ID,
};

const ALL_SCOPES: &str = "activity cardio_fitness electrocardiogram heartrate irregular_rhythm_notifications \
                          location nutrition oxygen_saturation profile respiratory_rate settings sleep social \
                          temperature weight";

#[tokio::test]
async fn a_confidential_app_signs_in_and_only_the_token_file_learns_the_secrets() {
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let mock = mock_for(&redirect, |_| {}).await;
    let scratch = Scratch::new();

    let login = LoginRun::start(
        &scratch,
        &mock,
        &[
            "--client-id",
            CONFIDENTIAL_CLIENT_ID,
            "--client-secret",
            CONFIDENTIAL_CLIENT_SECRET,
            "--redirect-uri",
            &redirect,
        ],
    )
    .await;
    // The URL is the whole first line: the mock's consent page with PKCE.
    assert!(login.url.starts_with(&mock.url("/oauth2/authorize?client_id=23CONF&")), "{}", login.url);
    assert!(login.url.contains("&code_challenge_method=S256"), "{}", login.url);
    assert!(!login.url.contains(' '));

    // The listener serves only its path, and a request there without an
    // answer from Fitbit is not taken for the callback.
    assert_eq!(get(&format!("http://127.0.0.1:{port}/favicon.ico")).await.0, 404);
    assert_eq!(get(&format!("http://127.0.0.1:{port}/")).await.0, 404);
    assert_eq!(get(&format!("http://127.0.0.1:{port}/callback")).await.0, 400);

    let location = consent(&login.url).await;
    assert!(location.starts_with(&redirect) && location.ends_with("#_=_"), "{location}");
    let (status, page) = get(&location).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Signed in") && page.contains(USER_ID), "{page}");

    let run = login.finish().await;
    run.assert_code(0);
    assert_eq!(run.stdout, "", "nothing but the URL on stdout");
    assert!(run.stderr.contains(USER_ID), "{}", run.stderr);

    // The token file: client settings, working tokens, all scopes, mode 0600.
    let file = scratch.token_json();
    assert_eq!(file["client"]["client_id"], CONFIDENTIAL_CLIENT_ID);
    assert_eq!(file["client"]["client_secret"], CONFIDENTIAL_CLIENT_SECRET);
    assert_eq!(file["client"]["redirect_uri"], redirect.as_str());
    assert_eq!(file["token"]["user_id"], USER_ID);
    assert_eq!(file["token"]["scope"], ALL_SCOPES);
    let access = file["token"]["access_token"].as_str().unwrap();
    let refresh = file["token"]["refresh_token"].as_str().unwrap();
    assert!(mock.is_access_token_valid(access));
    assert!(mock.is_refresh_token_live(refresh));
    #[cfg(unix)]
    assert_eq!(common::mode(&scratch.token_file()), 0o600);
    run.assert_hides(&[CONFIDENTIAL_CLIENT_SECRET, access, refresh]);

    // Basic auth with the secret, the exact redirect URI and the PKCE verifier.
    assert_eq!(mock.counters().code_exchanges, 1);
    let exchange = mock.requests_to("/oauth2/token").pop().unwrap();
    assert!(exchange.header("authorization").is_some_and(|h| h.starts_with("Basic ")));
    assert_eq!(exchange.form_field("redirect_uri").as_deref(), Some(redirect.as_str()));
    assert!(exchange.form_field("code_verifier").is_some());

    // The tokens work for the API commands.
    let profile = scratch.run(&mock, &["profile"]).await;
    profile.assert_code(0).assert_hides(&[CONFIDENTIAL_CLIENT_SECRET, access, refresh]);
    let json: serde_json::Value = serde_json::from_str(&profile.stdout).unwrap();
    assert_eq!(json["user"]["encodedId"], USER_ID);
}

#[tokio::test]
async fn a_public_app_signs_in_with_chosen_scopes_on_a_redirect_uri_without_a_path() {
    // Registered without a trailing slash: the browser asks for `/`, which
    // is the same path.
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}");
    let mock = mock_for(&redirect, |_| {}).await;
    let scratch = Scratch::new();

    let login = {
        // The client id comes from the environment here.
        let mut command = scratch.fitbit(
            &mock,
            &[
                "login",
                "--no-browser",
                "--scope",
                "activity",
                "--scope",
                "heartrate,profile",
                "--redirect-uri",
                &redirect,
            ],
        );
        command.env("FITBIT_CLIENT_ID", PUBLIC_CLIENT_ID);
        LoginRun::spawn(command).await
    };
    assert!(login.url.contains("client_id=23PUBL&"), "{}", login.url);
    assert!(login.url.contains("&scope=activity%20heartrate%20profile&"), "{}", login.url);

    let location = consent(&login.url).await;
    assert!(location.starts_with(&format!("{redirect}?code=")), "{location}");
    let (status, _) = get(&location).await;
    assert_eq!(status, 200);
    let run = login.finish().await;
    run.assert_code(0);
    assert_eq!(run.stdout, "");

    let file = scratch.token_json();
    assert_eq!(file["client"]["client_id"], PUBLIC_CLIENT_ID);
    assert!(file["client"].get("client_secret").is_none(), "a public client has no secret");
    assert_eq!(file["client"]["redirect_uri"], redirect.as_str());
    assert_eq!(file["token"]["scope"], "activity heartrate profile");
    let access = file["token"]["access_token"].as_str().unwrap();
    let refresh = file["token"]["refresh_token"].as_str().unwrap();
    assert!(mock.is_access_token_valid(access));
    run.assert_hides(&[access, refresh]);
    #[cfg(unix)]
    assert_eq!(common::mode(&scratch.token_file()), 0o600);

    // A public client sends its id in the body and no Authorization header.
    let exchange = mock.requests_to("/oauth2/token").pop().unwrap();
    assert_eq!(exchange.header("authorization"), None);
    assert_eq!(exchange.form_field("client_id").as_deref(), Some(PUBLIC_CLIENT_ID));
}

#[tokio::test]
async fn a_busy_port_fails_before_printing_a_url_and_writes_nothing() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect = format!("http://127.0.0.1:{}/callback", taken.local_addr().unwrap().port());
    let mock = mock_for(&redirect, |_| {}).await;
    let scratch = Scratch::new();

    let run = scratch
        .run(&mock, &["login", "--no-browser", "--client-id", PUBLIC_CLIENT_ID, "--redirect-uri", &redirect])
        .await;
    run.assert_code(1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("in use"), "{}", run.stderr);
    assert!(run.stderr.contains("--redirect-uri"), "says what to do: {}", run.stderr);
    assert!(!scratch.token_file_exists());
    assert_eq!(mock.counters().authorize_requests, 0);
    drop(taken);
}

#[tokio::test]
async fn nobody_coming_back_times_out_and_writes_nothing() {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mock = mock_for(&redirect, |_| {}).await;
    let scratch = Scratch::new();

    let login = LoginRun::start(
        &scratch,
        &mock,
        &["--client-id", PUBLIC_CLIENT_ID, "--redirect-uri", &redirect, "--timeout", "1"],
    )
    .await;
    assert!(login.url.starts_with(&mock.url("/oauth2/authorize?")));
    let run = login.finish().await;
    run.assert_code(1);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(!scratch.token_file_exists());
}

#[tokio::test]
async fn denied_consent_ends_with_exit_3_and_writes_nothing() {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mock = mock_for(&redirect, |config| config.deny_consent = true).await;
    let scratch = Scratch::new();

    let login = LoginRun::start(
        &scratch,
        &mock,
        &[
            "--client-id",
            CONFIDENTIAL_CLIENT_ID,
            "--client-secret",
            CONFIDENTIAL_CLIENT_SECRET,
            "--redirect-uri",
            &redirect,
        ],
    )
    .await;
    let location = consent(&login.url).await;
    assert!(location.contains("error=access_denied"), "{location}");
    let (status, page) = get(&location).await;
    assert_eq!(status, 400);
    assert!(page.contains("denied"), "{page}");

    let run = login.finish().await;
    run.assert_code(3).assert_hides(&[CONFIDENTIAL_CLIENT_SECRET]);
    assert!(run.stderr.contains("denied access"), "{}", run.stderr);
    assert!(run.stderr.contains("fitbit login"), "says what to do: {}", run.stderr);
    assert!(!scratch.token_file_exists());
    assert_eq!(mock.counters().token_requests, 0);
}

#[tokio::test]
async fn a_forged_state_is_refused_and_nothing_is_exchanged_or_written() {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let mock = mock_for(&redirect, |_| {}).await;
    let scratch = Scratch::new();

    let login =
        LoginRun::start(&scratch, &mock, &["--client-id", PUBLIC_CLIENT_ID, "--redirect-uri", &redirect])
            .await;
    // A callback that did not come from this sign-in.
    let (status, page) = get(&format!("{redirect}?code=stolen-code&state=forged-state")).await;
    assert_eq!(status, 400);
    assert!(page.contains("state"), "{page}");

    let run = login.finish().await;
    run.assert_code(3);
    assert!(run.stderr.contains("`state` does not match"), "{}", run.stderr);
    assert!(!scratch.token_file_exists());
    assert_eq!(mock.counters().token_requests, 0, "a forged code is never exchanged");
}

#[tokio::test]
async fn a_redirect_uri_off_this_machine_is_a_usage_error() {
    let mock = mock_for("http://127.0.0.1:1/", |_| {}).await;
    let scratch = Scratch::new();
    let run = scratch
        .run(
            &mock,
            &[
                "login",
                "--no-browser",
                "--client-id",
                PUBLIC_CLIENT_ID,
                "--redirect-uri",
                "https://example.com/cb",
            ],
        )
        .await;
    run.assert_code(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("127.0.0.1"), "{}", run.stderr);

    let run = scratch.run(&mock, &["login", "--no-browser", "--client-id", "X", "--scope", "irn"]).await;
    run.assert_code(2);
    assert!(run.stderr.contains("irregular_rhythm_notifications"), "{}", run.stderr);
    assert!(!scratch.token_file_exists());
}
