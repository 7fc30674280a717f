//! The JSON file store: format, atomic replacement, permissions, lock.

use std::fs::File;

use chrono::{TimeZone as _, Utc};
use fitbit_auth::{
    AccessToken, ClientConfig, ClientSecret, Error, FileStore, RefreshToken, Scope, Scopes,
    StoredCredentials, TokenSet, TokenStore, TokenStoreExt,
};

fn tokens() -> TokenSet {
    TokenSet {
        access_token: AccessToken::new("file-test-access-token-0123456789"),
        refresh_token: Some(RefreshToken::new("file-test-refresh-token-0123456789")),
        user_id: Some("GGNJL9".into()),
        scopes: Scopes::from([Scope::Activity, Scope::Sleep]),
        token_type: "Bearer".into(),
        expires_at: Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap(),
        obtained_at: Some(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()),
        refresh_token_expires_at: None,
    }
}

fn credentials() -> StoredCredentials {
    StoredCredentials {
        client: Some(ClientConfig {
            client_id: "23ABCD".into(),
            client_secret: Some(ClientSecret::new("file-test-client-secret-0123456789")),
            redirect_uri: Some("http://127.0.0.1:8080/callback".into()),
        }),
        token: Some(tokens()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_missing_file_is_an_empty_store_and_a_saved_one_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("nested/dir/credentials.json"));
    assert!(store.load().await.unwrap().is_empty());

    store.update(|record| *record = credentials()).await.unwrap();
    assert_eq!(store.load().await.unwrap(), credentials());

    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["client"]["client_id"], "23ABCD");
    assert_eq!(json["client"]["client_secret"], "file-test-client-secret-0123456789");
    assert_eq!(json["token"]["scope"], "activity sleep");
    assert_eq!(json["token"]["expires_at"], "2026-03-01T20:00:00Z");

    // Only the file and its lock are left in the directory: no temp files.
    let mut names: Vec<_> = std::fs::read_dir(store.path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["credentials.json", "credentials.json.lock"]);
}

#[tokio::test]
async fn fields_written_by_other_tools_survive_a_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    std::fs::write(&path, r#"{"version":1,"client":{"client_id":"23ABCD"},"cli":{"default_units":"en_GB"}}"#)
        .unwrap();
    let store = FileStore::new(&path);
    store.update(|record| record.token = Some(tokens())).await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["cli"]["default_units"], "en_GB");
    assert_eq!(json["client"]["client_id"], "23ABCD");
    assert!(json["token"]["access_token"].is_string());
}

#[tokio::test]
async fn broken_or_newer_files_are_store_errors_that_do_not_echo_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    let store = FileStore::new(&path);

    std::fs::write(&path, r#"{"token":{"access_token":"SECRET-IN-BROKEN-FILE-123","expires_at":42}}"#)
        .unwrap();
    let err = store.load().await.unwrap_err();
    assert!(matches!(err, Error::Store(_)), "{err:?}");
    assert!(!err.to_string().contains("SECRET-IN-BROKEN-FILE-123"), "{err}");

    std::fs::write(&path, b" \n").unwrap();
    assert!(store.load().await.unwrap().is_empty(), "an empty (touched) file holds nothing yet");

    std::fs::write(&path, b"{\"token\": {\"access_tok").unwrap();
    assert!(matches!(store.load().await, Err(Error::Store(_))));

    std::fs::write(&path, r#"{"version":2}"#).unwrap();
    let err = store.load().await.unwrap_err();
    assert!(err.to_string().contains("version 2"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_file_is_created_0600_and_replacing_a_looser_file_tightens_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;

    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("new-dir/credentials.json"));
    store.update(|record| *record = credentials()).await.unwrap();
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(store.lock_path()), 0o600);
    assert_eq!(mode(store.path().parent().unwrap()), 0o700, "a directory we create is private too");

    // A file someone made world-readable is replaced by a 0600 one (a new
    // inode: the rename never exposes the new content under the old mode).
    let loose = dir.path().join("loose.json");
    std::fs::write(&loose, "{}").unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = FileStore::new(&loose);
    store.update(|record| *record = credentials()).await.unwrap();
    assert_eq!(mode(&loose), 0o600);
}

#[tokio::test]
async fn the_lock_excludes_other_handles_until_released() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("credentials.json"));
    let other_process = || File::options().read(true).write(true).open(store.lock_path()).unwrap();

    let held = store.lock().await.unwrap();
    // Another open file description (as in another process) cannot take it.
    assert!(matches!(other_process().try_lock(), Err(std::fs::TryLockError::WouldBlock)));
    drop(held);
    let other = other_process();
    other.try_lock().expect("free once released");

    // And while someone else holds it, our lock waits; it completes once they let go.
    let waiting = tokio::spawn({
        let store = store.clone();
        async move {
            let mut locked = store.lock().await.unwrap();
            locked.save(&credentials()).await.unwrap();
        }
    });
    assert!(store.load().await.unwrap().is_empty(), "the waiting save has not happened");
    other.unlock().unwrap();
    waiting.await.unwrap();
    assert_eq!(store.load().await.unwrap(), credentials());
}

/// A token file written before Google sign-in existed names no provider: it
/// is Fitbit's, its session signs in with Fitbit, and a Google session
/// refuses it rather than sending its refresh token to Google or
/// overwriting it. Saving through the Fitbit session records the provider.
#[tokio::test]
async fn existing_fitbit_files_keep_working_and_providers_never_mix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    // The exact shape of an existing file: no `provider`.
    let old = serde_json::json!({
        "version": 1,
        "client": { "client_id": "23ABCD", "redirect_uri": "http://127.0.0.1:8080/callback" },
        "token": {
            "access_token": "old-file-access-token-0123456789", "refresh_token": "old-file-refresh-token-0123",
            "user_id": "GGNJL9", "scope": "activity sleep", "token_type": "Bearer",
            "expires_at": "2099-03-01T20:00:00Z", "obtained_at": "2099-03-01T12:00:00Z"
        }
    });
    std::fs::write(&path, serde_json::to_vec_pretty(&old).unwrap()).unwrap();

    let store = FileStore::new(&path);
    let record = store.load().await.unwrap();
    assert_eq!(record.provider, None);
    assert_eq!(record.provider(), fitbit_auth::Provider::Fitbit);

    let fitbit = fitbit_auth::Session::from_store(store.clone()).await.unwrap();
    assert_eq!(fitbit.provider(), fitbit_auth::Provider::Fitbit);
    assert_eq!(fitbit.oauth_client().endpoints().token.as_str(), "https://api.fitbit.com/oauth2/token");
    assert_eq!(fitbit.access_token().await.unwrap().secret(), "old-file-access-token-0123456789");

    let google = fitbit_auth::OAuthClient::google("1234-abc.apps.googleusercontent.com").build().unwrap();
    let google = fitbit_auth::Session::new(google, store.clone());
    let refused = google.access_token().await.unwrap_err();
    assert!(matches!(&refused, Error::Config(m) if m.contains("holds Fitbit tokens")), "{refused}");
    let mut foreign = tokens();
    foreign.access_token = AccessToken::new("a-google-token-that-must-not-land-here");
    assert!(matches!(google.save_tokens(foreign).await, Err(Error::Config(_))));
    let unchanged: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(unchanged["token"], old["token"], "the Fitbit tokens are untouched");

    // Saving through the Fitbit session writes the provider down.
    fitbit.save_tokens(tokens()).await.unwrap();
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["provider"], "fitbit");
    let google_store = FileStore::new(dir.path().join("google.json"));
    let session = fitbit_auth::Session::new(
        fitbit_auth::OAuthClient::google("1234-abc.apps.googleusercontent.com").build().unwrap(),
        google_store.clone(),
    );
    session.save_tokens(tokens()).await.unwrap();
    let record = google_store.load().await.unwrap();
    assert_eq!(record.provider(), fitbit_auth::Provider::Google);
    assert!(matches!(
        fitbit_auth::Session::new(fitbit_auth::OAuthClient::builder("23ABCD").build().unwrap(), google_store)
            .access_token()
            .await,
        Err(Error::Config(m)) if m.contains("holds Google tokens")
    ));
}

#[cfg(unix)]
#[tokio::test]
async fn a_token_file_open_to_others_is_made_0600_when_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;

    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("credentials.json"));
    store.update(|record| *record = credentials()).await.unwrap();
    for loose in [0o644, 0o604, 0o640, 0o666] {
        std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(loose)).unwrap();
        // Reading alone (no save) tightens it; the content is untouched.
        assert_eq!(store.load().await.unwrap(), credentials());
        assert_eq!(mode(store.path()), 0o600, "from {loose:o}");
    }
    // A private file stays as it is.
    std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o400)).unwrap();
    store.load().await.unwrap();
    assert_eq!(mode(store.path()), 0o400);
}

#[cfg(unix)]
#[tokio::test]
async fn a_fifo_or_a_directory_in_the_token_files_place_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("credentials.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let store = FileStore::new(&fifo);
    // A hang guard: opening a FIFO for reading would wait for a writer forever.
    let err = tokio::time::timeout(std::time::Duration::from_secs(60), store.load())
        .await
        .expect("refused at once, not waited on")
        .unwrap_err();
    assert!(matches!(err, Error::Store(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("a FIFO (named pipe), not a regular file"), "{text}");
    // Nor is it locked and written through.
    let err = tokio::time::timeout(std::time::Duration::from_secs(60), store.update(|r| *r = credentials()))
        .await
        .expect("no hang")
        .unwrap_err();
    assert!(matches!(err, Error::Store(_)), "{err:?}");

    let as_dir = dir.path().join("a-directory");
    std::fs::create_dir(&as_dir).unwrap();
    let err = FileStore::new(&as_dir).load().await.unwrap_err();
    assert!(err.to_string().contains("a directory, not a regular file"), "{err}");

    // A link to a regular file is a regular file.
    let real = dir.path().join("real.json");
    FileStore::new(&real).update(|record| *record = credentials()).await.unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert_eq!(FileStore::new(&link).load().await.unwrap(), credentials());
}

#[tokio::test]
async fn a_save_removes_the_temporary_files_of_saves_killed_midway() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("credentials.json"));
    store.update(|record| *record = credentials()).await.unwrap();
    // What `kill -9` between writing and renaming leaves: tokens in `.tmp` files.
    let dead_pid = {
        let mut child = std::process::Command::new("true").spawn().expect("`true` runs");
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let leftovers: Vec<_> =
        (0..7).map(|i| dir.path().join(format!(".credentials.json.{dead_pid}.{i:016x}.tmp"))).collect();
    for path in &leftovers {
        std::fs::write(path, "{\"token\":{\"access_token\":\"live-token\"}}").unwrap();
    }
    // Files that only look alike are not ours and stay.
    let others = [
        dir.path().join(".credentials.json.notes.tmp"),
        dir.path().join(".other.json.1.0123456789abcdef.tmp"),
        dir.path().join("credentials.json.bak"),
    ];
    for path in &others {
        std::fs::write(path, "keep").unwrap();
    }

    store.update(|record| record.token = Some(tokens())).await.unwrap();

    for path in &leftovers {
        assert!(!path.exists(), "{} was left", path.display());
    }
    for path in &others {
        assert!(path.exists(), "{} was removed", path.display());
    }
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".credentials.json.notes.tmp",
            ".other.json.1.0123456789abcdef.tmp",
            "credentials.json",
            "credentials.json.bak",
            "credentials.json.lock"
        ]
    );
}
