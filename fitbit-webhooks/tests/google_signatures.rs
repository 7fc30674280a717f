//! Google Health signatures against keys made in the test: a P-256 key pair,
//! its Tink JSON keyset, and signatures in Tink's wire format. The keyset is
//! served by a loopback server (fetch counts) or read from a file.

use std::time::Duration;

use base64::Engine as _;
use fitbit_tests::mock_google::webhooks::{KeysetServer, WebhookKey, keyset_json, notification_body};
use fitbit_webhooks::google::{
    FetchError, HttpsKeyset, Keys, Keyset, KeysetFile, SignatureError, VerifyError, parse_notifications,
};

fn body() -> String {
    notification_body("4815162342", "steps", "UPSERT", "alice")
}

#[test]
fn a_good_signature_verifies_and_every_forgery_is_named() {
    let google = WebhookKey::generate(0x1234_5678);
    let raw = WebhookKey::generate_raw(99);
    let keyset = Keyset::from_json(keyset_json(&[&google, &raw]).as_bytes()).unwrap();
    assert_eq!(keyset.key_ids(), vec![0x1234_5678, 99]);
    let body = body();

    assert_eq!(keyset.verify(body.as_bytes(), Some(&google.sign(body.as_bytes()))), Ok(0x1234_5678));
    assert_eq!(keyset.verify(body.as_bytes(), Some(&raw.sign(body.as_bytes()))), Ok(99));

    // The same key id, another private key.
    let impostor = WebhookKey::generate(0x1234_5678);
    assert_eq!(
        keyset.verify(body.as_bytes(), Some(&impostor.sign(body.as_bytes()))),
        Err(SignatureError::Mismatch)
    );
    // One byte of the body changed; the body re-encoded.
    let signature = google.sign(body.as_bytes());
    let tampered = body.replace("UPSERT", "DELETE");
    assert_eq!(keyset.verify(tampered.as_bytes(), Some(&signature)), Err(SignatureError::Mismatch));
    let reencoded =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&body).unwrap()).unwrap();
    assert_eq!(keyset.verify(reencoded.as_bytes(), Some(&signature)), Err(SignatureError::Mismatch));
    // No header; not base64; a key id the keyset lacks.
    assert_eq!(keyset.verify(body.as_bytes(), None), Err(SignatureError::Missing));
    assert_eq!(keyset.verify(body.as_bytes(), Some("%%% not base64 %%%")), Err(SignatureError::Malformed));
    let stranger = WebhookKey::generate(7);
    assert_eq!(
        keyset.verify(body.as_bytes(), Some(&stranger.sign(body.as_bytes()))),
        Err(SignatureError::UnknownKey { key_id: 7 })
    );
    // The prefix of one key in front of the signature of another.
    let mut spliced =
        base64::engine::general_purpose::STANDARD.decode(stranger.sign(body.as_bytes())).unwrap();
    spliced[1..5].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    let spliced = base64::engine::general_purpose::STANDARD.encode(spliced);
    assert_eq!(keyset.verify(body.as_bytes(), Some(&spliced)), Err(SignatureError::Mismatch));
    // Only verified bodies are parsed, and this one is typed.
    assert_eq!(parse_notifications(body.as_bytes()).unwrap()[0].data_type, "steps");
}

#[tokio::test]
async fn an_unknown_key_id_fetches_the_keyset_once_more_then_is_refused() {
    let old = WebhookKey::generate(1);
    let server = KeysetServer::start(keyset_json(&[&old])).await;
    // A refetch at most once an hour: the second unknown id asks for nothing.
    let keys =
        Keys::new(HttpsKeyset::new(&server.url()).unwrap()).min_refetch_interval(Duration::from_secs(3600));
    let body = body();

    assert_eq!(keys.verify(body.as_bytes(), Some(&old.sign(body.as_bytes()))).await, Ok(1));
    assert_eq!(server.fetches(), 1);
    assert_eq!(keys.verify(body.as_bytes(), Some(&old.sign(body.as_bytes()))).await, Ok(1));
    assert_eq!(server.fetches(), 1, "cached");

    let unknown = WebhookKey::generate(2);
    let refused = keys.verify(body.as_bytes(), Some(&unknown.sign(body.as_bytes()))).await;
    assert_eq!(refused, Err(VerifyError::Signature(SignatureError::UnknownKey { key_id: 2 })));
    assert_eq!(refused.unwrap_err().status(), 403);
    assert_eq!(server.fetches(), 2, "one refetch for the unknown key id");
    let again = keys.verify(body.as_bytes(), Some(&unknown.sign(body.as_bytes()))).await;
    assert_eq!(again, Err(VerifyError::Signature(SignatureError::UnknownKey { key_id: 2 })));
    assert_eq!(server.fetches(), 2, "rate-limited: no second refetch");
    // A missing header never fetches.
    assert_eq!(keys.verify(body.as_bytes(), None).await, Err(SignatureError::Missing.into()));
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_by_the_refetch_and_concurrent_requests_share_it() {
    let old = WebhookKey::generate(10);
    let server = KeysetServer::start(keyset_json(&[&old])).await;
    let keys =
        Keys::new(HttpsKeyset::new(&server.url()).unwrap()).min_refetch_interval(Duration::from_secs(3600));
    let body = body();
    assert_eq!(keys.verify(body.as_bytes(), Some(&old.sign(body.as_bytes()))).await, Ok(10));

    let new = WebhookKey::generate(11);
    server.publish(keyset_json(&[&new, &old]));
    let signature = new.sign(body.as_bytes());
    let checks: Vec<_> = (0..32)
        .map(|_| {
            let (keys, body, signature) = (keys.clone(), body.clone(), signature.clone());
            tokio::spawn(async move { keys.verify(body.as_bytes(), Some(&signature)).await })
        })
        .collect();
    for check in checks {
        assert_eq!(check.await.unwrap(), Ok(11));
    }
    assert_eq!(server.fetches(), 2, "32 requests with the new key id, one refetch");
    assert_eq!(keys.fetch_count(), 2);
}

#[tokio::test]
async fn a_keyset_file_is_read_on_use_and_a_broken_source_is_unavailable() {
    let key = WebhookKey::generate(5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyset.json");
    std::fs::write(&path, keyset_json(&[&key])).unwrap();
    let keys = Keys::new(KeysetFile::new(&path));
    let body = body();
    assert_eq!(keys.verify(body.as_bytes(), Some(&key.sign(body.as_bytes()))).await, Ok(5));

    let missing = Keys::new(KeysetFile::new(dir.path().join("none.json")));
    let err = missing.verify(body.as_bytes(), Some(&key.sign(body.as_bytes()))).await.unwrap_err();
    assert!(matches!(err, VerifyError::Unavailable(FetchError::Io { .. })), "{err:?}");
    assert_eq!(err.status(), 503, "Google retries later");

    std::fs::write(&path, "<html>not a keyset</html>").unwrap();
    let broken = Keys::new(KeysetFile::new(&path));
    let err = broken.verify(body.as_bytes(), Some(&key.sign(body.as_bytes()))).await.unwrap_err();
    assert!(matches!(err, VerifyError::Unavailable(FetchError::Keyset { .. })), "{err:?}");

    // Plain http only for loopback hosts.
    assert!(matches!(HttpsKeyset::new("http://example.com/keyset.json"), Err(FetchError::NotHttps(_))));
    assert!(HttpsKeyset::new("https://www.gstatic.com/k.json").is_ok());
    assert!(HttpsKeyset::new("http://[::1]:9/k.json").is_ok());
}
