//! The refreshing session: proactive and reactive refresh, single flight in a
//! process and across processes, saving before use, and recovery from lost
//! answers and rotated pairs.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use common::{expired, follow_authorize_url, fresh, oauth_client, token_set};
use fitbit_auth::{
    AccessToken, Action, Authorizer, ClientConfig, Error, FileStore, LockedStore, MemoryStore, Scope,
    Session, StoredCredentials, TokenStore, TokenStoreExt,
};
use fitbit_tests::mock_fitbit::{
    CONFIDENTIAL_CLIENT_ID, MockConfig, MockFitbit, PUBLIC_CLIENT_ID, REDIRECT_URI,
};
use futures::future::BoxFuture;

fn stored_refresh_token(store: &MemoryStore) -> String {
    store.snapshot().token.unwrap().refresh_token.unwrap().secret().to_string()
}

#[tokio::test]
async fn a_fresh_token_is_used_as_is() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let session = Session::new(oauth_client(&mock, true), MemoryStore::with_tokens(fresh(&issued)));
    assert_eq!(session.access_token().await.unwrap().secret(), issued.access_token);
    assert_eq!(session.access_token().await.unwrap().secret(), issued.access_token);
    assert_eq!(mock.counters().token_requests, 0);
}

#[tokio::test]
async fn the_ready_header_follows_the_cached_token_and_is_withheld_when_a_refresh_is_due() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let session = Session::new(oauth_client(&mock, true), MemoryStore::with_tokens(fresh(&issued)));
    assert!(session.ready_bearer().is_none(), "nothing is read before the first call");
    session.access_token().await.unwrap();
    let bearer = session.ready_bearer().expect("the cached token is ready");
    assert_eq!(bearer.to_str().unwrap(), format!("Bearer {}", issued.access_token));
    assert!(bearer.is_sensitive());
    assert!(!format!("{bearer:?}").contains(&issued.access_token));

    // Inside the skew window the header is withheld, so the caller awaits
    // `access_token`, which refreshes; the header then carries the new token.
    let due = token_set(&issued, Utc::now() + chrono::Duration::minutes(2));
    let session = Session::new(oauth_client(&mock, true), MemoryStore::with_tokens(due));
    session.tokens().await.unwrap();
    assert!(session.ready_bearer().is_none(), "a refresh is due");
    let refreshed = session.access_token().await.unwrap();
    assert_eq!(session.ready_bearer().unwrap().to_str().unwrap(), format!("Bearer {}", refreshed.secret()));
    assert_ne!(refreshed.secret(), issued.access_token);
}

#[tokio::test]
async fn a_token_inside_the_skew_window_is_refreshed_before_use_and_saved() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let two_minutes_left = token_set(&issued, Utc::now() + chrono::Duration::minutes(2));

    // A 1-minute skew leaves it alone…
    let relaxed =
        Session::builder(oauth_client(&mock, true), MemoryStore::with_tokens(two_minutes_left.clone()))
            .refresh_skew(Duration::from_secs(60))
            .build();
    assert_eq!(relaxed.access_token().await.unwrap().secret(), issued.access_token);
    assert_eq!(mock.counters().refresh_requests, 0);

    // …the default 5-minute skew refreshes it.
    let store = MemoryStore::with_tokens(two_minutes_left);
    let session = Session::new(oauth_client(&mock, true), store.clone());
    let mut updates = session.token_updates();
    let token = session.access_token().await.unwrap();
    assert_ne!(token.secret(), issued.access_token);
    assert!(mock.is_access_token_valid(token.secret()));
    assert_eq!(mock.counters().refresh_rotations, 1);

    let saved = store.snapshot().token.unwrap();
    assert_eq!(saved.access_token, token, "saved to the store");
    assert!(mock.is_refresh_token_live(saved.refresh_token.as_ref().unwrap().secret()));
    assert_eq!(saved.scopes.iter().collect::<Vec<_>>(), [Scope::Activity]);
    assert!(saved.expires_at > Utc::now() + chrono::Duration::hours(7));

    assert!(updates.has_changed().unwrap(), "observers hear about the refresh");
    assert_eq!(updates.borrow_and_update().as_ref().unwrap().access_token, token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_callers_with_an_expired_token_cause_exactly_one_refresh() {
    let mock = Arc::new(MockFitbit::start(MockConfig::default()).await);
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let session = Session::new(oauth_client(&mock, true), MemoryStore::with_tokens(expired(&issued)));

    // Hold the refresh at the server until every caller is in flight.
    mock.pause_refreshes();
    let started = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..50)
        .map(|_| {
            let session = session.clone();
            let started = started.clone();
            tokio::spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                session.access_token().await
            })
        })
        .collect();
    mock.wait_until(|c| c.refresh_requests >= 1).await;
    while started.load(Ordering::SeqCst) < 50 {
        tokio::task::yield_now().await;
    }
    mock.resume_refreshes();

    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.unwrap().expect("every caller gets a token"));
    }
    assert!(tokens.iter().all(|t| *t == tokens[0]), "everyone got the one new token");
    assert_ne!(tokens[0].secret(), issued.access_token);
    let counters = mock.counters();
    assert_eq!(counters.refresh_requests, 1, "{counters:?}");
    assert_eq!(counters.refresh_refusals, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sharing_a_file_refresh_once_and_never_spend_a_token_twice() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(PUBLIC_CLIENT_ID, &["activity", "sleep"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    FileStore::new(&path)
        .update(|record| {
            record.client = Some(ClientConfig::new(PUBLIC_CLIENT_ID));
            record.token = Some(expired(&issued));
        })
        .await
        .unwrap();

    // Two independent store instances (each opens its own lock file handle, as
    // two processes would) and two sessions with their own memory.
    let base = mock.base_url();
    let first = Session::from_store_with(FileStore::new(&path), |b| b.base_url(&base)).await.unwrap();
    let second = Session::from_store_with(FileStore::new(&path), |b| b.base_url(&base)).await.unwrap();

    mock.pause_refreshes();
    let (a, b) = (first.clone(), second.clone());
    let racer_a = tokio::spawn(async move { a.access_token().await });
    let racer_b = tokio::spawn(async move { b.access_token().await });
    mock.wait_until(|c| c.refresh_requests >= 1).await;
    mock.resume_refreshes();
    let (a, b) = (racer_a.await.unwrap().unwrap(), racer_b.await.unwrap().unwrap());

    assert_eq!(a, b, "the second process picked up the first one's pair from the file");
    let counters = mock.counters();
    assert_eq!(counters.refresh_requests, 1, "{counters:?}");
    assert_eq!(counters.refresh_refusals, 0);
    assert_eq!(counters.refresh_replays, 0);
    let on_disk = FileStore::new(&path).load().await.unwrap();
    assert_eq!(on_disk.token.as_ref().unwrap().access_token, a);
    assert!(mock.is_refresh_token_live(on_disk.token.unwrap().refresh_token.unwrap().secret()));
    assert_eq!(on_disk.client.unwrap().client_id, PUBLIC_CLIENT_ID, "client settings survive refreshes");
}

#[tokio::test]
async fn a_refresh_whose_answer_was_lost_is_repeated_once_and_gets_the_same_pair() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let store = MemoryStore::with_tokens(expired(&issued));
    let session = Session::new(oauth_client(&mock, true), store.clone());

    // Fitbit rotates the pair, then the connection drops before the answer.
    mock.drop_connection_after_next_refreshes(1);
    let token = session.access_token().await.expect("the replay recovers the pair");

    let counters = mock.counters();
    assert_eq!(counters.dropped_connections, 1);
    assert_eq!(counters.refresh_requests, 2);
    assert_eq!(counters.refresh_rotations, 1, "one rotation, answered twice");
    assert_eq!(counters.refresh_replays, 1);
    let spent: Vec<_> =
        mock.requests_to("/oauth2/token").iter().map(|r| r.form_field("refresh_token").unwrap()).collect();
    assert_eq!(spent, [issued.refresh_token.clone(), issued.refresh_token.clone()], "the identical request");
    assert!(mock.is_access_token_valid(token.secret()));
    assert!(mock.is_refresh_token_live(&stored_refresh_token(&store)));
}

#[tokio::test]
async fn a_lost_answer_twice_in_a_row_is_reported_as_transient_and_nothing_is_lost() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let store = MemoryStore::with_tokens(expired(&issued));
    let session = Session::new(oauth_client(&mock, true), store.clone());

    mock.drop_connection_after_next_refreshes(2);
    let err = session.access_token().await.unwrap_err();
    assert!(matches!(err, Error::Transient { status: None, .. }), "{err:?}");
    assert_eq!(mock.counters().refresh_requests, 2, "repeated once, not more");
    assert_eq!(stored_refresh_token(&store), issued.refresh_token, "nothing unsaved was used");

    // The next call, still inside the replay window, recovers the pair.
    session.access_token().await.unwrap();
    assert_eq!(mock.counters().refresh_rotations, 1);
    assert!(mock.is_refresh_token_live(&stored_refresh_token(&store)));
}

/// A store whose first save fails, as if the process died between receiving
/// the refresh answer and writing it.
#[derive(Debug)]
struct SaveFailsOnce {
    inner: MemoryStore,
    failed: Arc<AtomicBool>,
}

struct SaveFailsOnceLock<'a> {
    inner: Box<dyn LockedStore + 'a>,
    failed: Arc<AtomicBool>,
}

impl TokenStore for SaveFailsOnce {
    fn load(&self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        self.inner.load()
    }

    fn lock(&self) -> BoxFuture<'_, Result<Box<dyn LockedStore + '_>, Error>> {
        Box::pin(async move {
            let inner = self.inner.lock().await?;
            Ok(Box::new(SaveFailsOnceLock { inner, failed: self.failed.clone() })
                as Box<dyn LockedStore + '_>)
        })
    }
}

impl LockedStore for SaveFailsOnceLock<'_> {
    fn load(&mut self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        self.inner.load()
    }

    fn save<'a>(&'a mut self, credentials: &'a StoredCredentials) -> BoxFuture<'a, Result<(), Error>> {
        if !self.failed.swap(true, Ordering::SeqCst) {
            return Box::pin(async { Err(Error::Store("disk full (injected)".into())) });
        }
        self.inner.save(credentials)
    }
}

#[tokio::test]
async fn a_crash_between_refresh_answer_and_save_is_recovered_by_the_replay() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let memory = MemoryStore::with_tokens(expired(&issued));
    let store = SaveFailsOnce { inner: memory.clone(), failed: Arc::new(AtomicBool::new(false)) };
    let session = Session::new(oauth_client(&mock, true), store);
    let updates = session.token_updates();

    let err = session.access_token().await.unwrap_err();
    assert!(matches!(err, Error::Store(_)), "{err:?}");
    assert_eq!(mock.counters().refresh_rotations, 1, "Fitbit rotated the pair…");
    assert!(!mock.is_refresh_token_live(&issued.refresh_token), "…so the stored refresh token is spent");
    assert_eq!(stored_refresh_token(&memory), issued.refresh_token);
    assert!(!updates.has_changed().unwrap(), "an unsaved pair is never handed out");

    // A new attempt (here or in a restarted process) repeats the refresh with
    // the stored token within the two-minute window and gets the same pair.
    let token = session.access_token().await.unwrap();
    let counters = mock.counters();
    assert_eq!((counters.refresh_rotations, counters.refresh_replays, counters.refresh_refusals), (1, 1, 0));
    assert!(mock.is_access_token_valid(token.secret()));
    assert!(mock.is_refresh_token_live(&stored_refresh_token(&memory)), "the saved pair works");
    assert!(updates.has_changed().unwrap());
}

/// A store on storage without a cross-process lock, whose first locked read
/// is stale: another process rotated the pair after this one read the file.
#[derive(Debug)]
struct StaleFirstRead {
    inner: MemoryStore,
    stale: Arc<std::sync::Mutex<Option<StoredCredentials>>>,
}

struct StaleLock {
    inner: MemoryStore,
    stale: Arc<std::sync::Mutex<Option<StoredCredentials>>>,
}

impl TokenStore for StaleFirstRead {
    fn load(&self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        let stale = self.stale.lock().unwrap().clone();
        Box::pin(async move { Ok(stale.unwrap_or_else(|| self.inner.snapshot())) })
    }

    fn lock(&self) -> BoxFuture<'_, Result<Box<dyn LockedStore + '_>, Error>> {
        let lock = StaleLock { inner: self.inner.clone(), stale: self.stale.clone() };
        Box::pin(async move { Ok(Box::new(lock) as Box<dyn LockedStore + '_>) })
    }
}

impl LockedStore for StaleLock {
    fn load(&mut self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        let stale = self.stale.lock().unwrap().take();
        Box::pin(async move { Ok(stale.unwrap_or_else(|| self.inner.snapshot())) })
    }

    fn save<'a>(&'a mut self, credentials: &'a StoredCredentials) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.inner.update(|record| *record = credentials.clone()).await.map(drop) })
    }
}

#[tokio::test]
async fn invalid_grant_after_another_process_rotated_the_pair_rereads_the_store() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let shared = MemoryStore::with_tokens(expired(&issued));
    let before_rotation = shared.snapshot();

    // Process B refreshes and saves the new pair.
    let other_process = Session::new(oauth_client(&mock, true), shared.clone());
    let rotated = other_process.access_token().await.unwrap();
    // Long enough ago that Fitbit no longer replays the old token's answer.
    mock.advance_clock(Duration::from_secs(3 * 60));

    // Process A read the file before B's write.
    let store = StaleFirstRead {
        inner: shared.clone(),
        stale: Arc::new(std::sync::Mutex::new(Some(before_rotation))),
    };
    let session = Session::new(oauth_client(&mock, true), store);
    let token = session.access_token().await.expect("the re-read finds B's pair");

    assert_eq!(token, rotated);
    let counters = mock.counters();
    assert_eq!(counters.refresh_refusals, 1, "A's stale token was refused once: {counters:?}");
    assert_eq!(counters.refresh_rotations, 1, "and A did not refresh again");
}

#[tokio::test]
async fn invalid_grant_with_nothing_newer_in_the_store_means_sign_in_again() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let client = oauth_client(&mock, true);
    client.refresh(&fitbit_auth::RefreshToken::new(issued.refresh_token.clone())).await.unwrap();
    mock.advance_clock(Duration::from_secs(3 * 60));

    let session = Session::new(client, MemoryStore::with_tokens(expired(&issued)));
    let err = session.access_token().await.unwrap_err();
    assert!(matches!(err, Error::SignInRequired { .. }), "{err:?}");
    assert_eq!(err.action(), Action::SignInAgain);
    assert!(!err.to_string().contains(&issued.refresh_token));
}

#[tokio::test]
async fn reactive_refresh_after_expired_token_and_no_second_refresh_for_late_callers() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["profile"]);
    let session = Session::new(oauth_client(&mock, true), MemoryStore::with_tokens(fresh(&issued)));
    let http = reqwest::Client::new();
    let profile = mock.url("/1/user/-/profile.json");

    // Fitbit considers the token expired although our clock does not.
    mock.expire_access_tokens();
    let token = session.access_token().await.unwrap();
    let response = http.get(&profile).bearer_auth(token.secret()).send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let err = Error::from_response(status, &headers, &response.bytes().await.unwrap());
    assert!(matches!(err, Error::TokenExpired(_)), "{err:?}");
    assert!(!err.to_string().contains(token.secret()), "the echoed token is scrubbed");

    // What fitbit-api's middleware does next:
    let retry_with = Authorizer::refresh_after_rejection(&session, &token).await.unwrap();
    assert_ne!(retry_with, token);
    let response = http.get(&profile).bearer_auth(retry_with.secret()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("fitbit-rate-limit-remaining"));

    // Another caller that had sent the old token gets the new one, no refresh.
    assert_eq!(session.refresh_after_rejection(&token).await.unwrap(), retry_with);
    assert_eq!(mock.counters().refresh_requests, 1);
}

#[tokio::test]
async fn a_rejected_token_is_not_refreshed_when_another_process_already_stored_a_newer_one() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let shared = MemoryStore::with_tokens(fresh(&issued));
    let session = Session::new(oauth_client(&mock, true), shared.clone());
    let old = session.access_token().await.unwrap();

    let other_process = Session::new(oauth_client(&mock, true), shared.clone());
    let newer = other_process.refresh_now().await.unwrap().access_token;
    assert_eq!(mock.counters().refresh_requests, 1);

    assert_eq!(session.refresh_after_rejection(&old).await.unwrap(), newer);
    assert_eq!(mock.counters().refresh_requests, 1, "taken from the store, not refreshed");
}

#[tokio::test]
async fn sign_in_through_the_session_and_sign_out() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let store = MemoryStore::new();
    let mut app = ClientConfig::new(PUBLIC_CLIENT_ID);
    app.redirect_uri = Some(REDIRECT_URI.into());
    store.update(|record| record.client = Some(app)).await.unwrap();

    let base = mock.base_url();
    let session = Session::from_store_with(store.clone(), |b| b.base_url(&base)).await.unwrap();
    assert!(matches!(session.access_token().await, Err(Error::SignInRequired { .. })), "nothing stored yet");

    let pending = session.oauth_client().authorization_request().scope(Scope::Profile).build().unwrap();
    let redirect = follow_authorize_url(pending.url().as_str()).await;
    let tokens = session.sign_in(&pending, &redirect).await.unwrap();
    assert_eq!(store.snapshot().token.as_ref(), Some(&tokens));
    assert_eq!(session.access_token().await.unwrap(), tokens.access_token);

    let mut updates = session.token_updates();
    session.sign_out().await.unwrap();
    assert!(!mock.is_access_token_valid(tokens.access_token.secret()), "revoked at Fitbit");
    assert!(store.snapshot().token.is_none());
    assert_eq!(store.snapshot().client.unwrap().client_id, PUBLIC_CLIENT_ID);
    assert!(updates.has_changed().unwrap() && updates.borrow_and_update().is_none());
    assert!(matches!(session.access_token().await, Err(Error::SignInRequired { .. })));
}

#[tokio::test]
async fn a_session_needs_client_settings_and_a_refresh_token() {
    let err = Session::from_store(MemoryStore::new()).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");

    let mock = MockFitbit::start(MockConfig::default()).await;
    let token = oauth_client(&mock, true).client_credentials(None).await.unwrap();
    let mut expired_app_token = token.clone();
    expired_app_token.expires_at = Utc::now() - chrono::Duration::minutes(1);
    let session = Session::new(oauth_client(&mock, true), MemoryStore::with_tokens(expired_app_token));
    assert!(matches!(session.access_token().await, Err(Error::SignInRequired { .. })));
    let static_token = AccessToken::new("x");
    assert!(session.refresh_after_rejection(&static_token).await.is_err());
}

/// A store that can be read but not written (a read-only directory).
#[derive(Debug)]
struct ReadOnly(MemoryStore);

struct ReadOnlyLock<'a>(Box<dyn LockedStore + 'a>);

impl TokenStore for ReadOnly {
    fn load(&self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        self.0.load()
    }

    fn lock(&self) -> BoxFuture<'_, Result<Box<dyn LockedStore + '_>, Error>> {
        Box::pin(async move { Ok(Box::new(ReadOnlyLock(self.0.lock().await?)) as Box<dyn LockedStore + '_>) })
    }
}

impl LockedStore for ReadOnlyLock<'_> {
    fn load(&mut self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        self.0.load()
    }

    fn save<'a>(&'a mut self, _credentials: &'a StoredCredentials) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Err(Error::Store("read-only (injected)".into())) })
    }

    fn ensure_writable(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async { Err(Error::Store("cannot write (injected)".into())) })
    }
}

#[tokio::test]
async fn a_store_that_cannot_be_written_keeps_the_refresh_token_unspent() {
    let mock = MockFitbit::start(MockConfig::default()).await;
    let issued = mock.issue_tokens(CONFIDENTIAL_CLIENT_ID, &["activity"]);
    let memory = MemoryStore::with_tokens(expired(&issued));
    let session = Session::new(oauth_client(&mock, true), ReadOnly(memory.clone()));

    let err = session.access_token().await.unwrap_err();

    assert!(matches!(&err, Error::Store(message) if message.contains("cannot write")), "{err:?}");
    assert_eq!(mock.counters().refresh_requests, 0, "nothing was sent");
    assert!(mock.is_refresh_token_live(&issued.refresh_token), "the sign-in is intact");
    // Once the store can be written again, the same refresh token works.
    let session = Session::new(oauth_client(&mock, true), memory.clone());
    session.access_token().await.unwrap();
    assert_eq!(mock.counters().refresh_rotations, 1);
}
