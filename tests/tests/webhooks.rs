//! The subscriber side of webhooks: Fitbit's signature over the exact body
//! bytes (checked against the published test vector), and the notification
//! body decoded without loss.

use fitbit_api::webhooks::{parse_notifications, sign, verification_status, verify_signature};
use fitbit_auth::ClientSecret;
use fitbit_tests::fixtures;

const SECRET: &str = "123ab4567c890d123e4567f8abcdef9a";

fn body() -> Vec<u8> {
    std::fs::read(fixtures::dir("webhooks").join("notification.json")).unwrap()
}

#[test]
fn the_signature_matches_the_test_vector_and_only_for_the_exact_bytes() {
    let secret = ClientSecret::new(SECRET);
    let body = body();

    assert_eq!(sign(&secret, &body), "Oyv+HBziS4dH/fHJ735cToXX6vs=");
    assert!(verify_signature(&secret, &body, "Oyv+HBziS4dH/fHJ735cToXX6vs="));

    let mut with_newline = body.clone();
    with_newline.push(b'\n');
    assert_eq!(sign(&secret, &with_newline), "Ju+yYmMbovX0NIe3VCIZeaeXDPA=");
    assert!(!verify_signature(&secret, &with_newline, "Oyv+HBziS4dH/fHJ735cToXX6vs="));
    assert!(!verify_signature(&ClientSecret::new("another-secret"), &body, "Oyv+HBziS4dH/fHJ735cToXX6vs="));
    assert!(!verify_signature(&secret, &body, ""));
}

#[test]
fn notifications_decode_and_reencode_without_loss() {
    let body = body();
    let notifications = parse_notifications(&body).expect("a notification array");

    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0].collection_type.as_deref(), Some("foods"));
    assert_eq!(notifications[0].owner_id.as_deref(), Some("228S74"));
    assert_eq!(notifications[0].date.map(|d| d.to_string()).as_deref(), Some("2020-06-01"));
    let original: serde_json::Value = serde_json::from_slice(&body).unwrap();
    fixtures::assert_same_json("notification", &original, &serde_json::to_value(&notifications).unwrap());
}

#[test]
fn malformed_bodies_are_typed_errors() {
    for body in [&b"{\"collectionType\":\"foods\"}"[..], b"<html>", b""] {
        let err = parse_notifications(body).expect_err("not an array");
        assert!(matches!(err, fitbit_api::Error::InvalidResponse { .. }), "{err:?}");
    }
}

#[test]
fn verification_answers_204_only_for_the_right_code() {
    assert_eq!(verification_status("c0ffee", "c0ffee"), 204);
    assert_eq!(verification_status("c0ffe", "c0ffee"), 404);
    assert_eq!(verification_status("", "c0ffee"), 404);
}
