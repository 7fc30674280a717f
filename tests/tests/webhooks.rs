//! The subscriber side of webhooks: Fitbit's signature over the exact body
//! bytes (the published test vector), the notification body decoded without
//! loss, and the axum receiver answering real HTTP on loopback.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fitbit_tests::fixtures;
use fitbit_webhooks::receiver::{NotificationSink, Receiver, Refusal, SinkUnavailable};
use fitbit_webhooks::{
    CollectionType, Notification, SIGNATURE_HEADER, SignatureError, SignatureKey, Subscriber,
    VerificationCode, parse_notifications,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::mpsc;

const SECRET: &str = "123ab4567c890d123e4567f8abcdef9a";
const CODE: &str = "4bd3e1f0c2a94e5d";

/// The body of Fitbit's documented example notification, byte for byte.
fn body() -> Vec<u8> {
    std::fs::read(fixtures::dir("webhooks").join("notification.json")).unwrap()
}

fn subscriber() -> Subscriber {
    Subscriber::new(SignatureKey::from_client_secret(SECRET), VerificationCode::new(CODE))
}

#[test]
fn the_signature_matches_the_test_vector_and_only_for_the_exact_bytes() {
    let key = SignatureKey::from_client_secret(SECRET);
    let body = body();

    assert_eq!(key.sign(&body), "Oyv+HBziS4dH/fHJ735cToXX6vs=");
    assert_eq!(key.verify(&body, Some("Oyv+HBziS4dH/fHJ735cToXX6vs=")), Ok(()));

    let mut with_newline = body.clone();
    with_newline.push(b'\n');
    assert_eq!(key.sign(&with_newline), "Ju+yYmMbovX0NIe3VCIZeaeXDPA=");
    assert_eq!(
        key.verify(&with_newline, Some("Oyv+HBziS4dH/fHJ735cToXX6vs=")),
        Err(SignatureError::Mismatch)
    );

    // Re-serialised JSON does not carry the signature: it is over the raw bytes.
    let reencoded = serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&body).unwrap()).unwrap();
    assert_eq!(key.verify(&reencoded, Some("Oyv+HBziS4dH/fHJ735cToXX6vs=")), Err(SignatureError::Mismatch));
    // HMAC-SHA1 with the bare secret (no `&`) is a different signature.
    let without_ampersand = SignatureKey::from_client_secret(&SECRET[..SECRET.len() - 1]);
    assert_ne!(without_ampersand.sign(&body), "Oyv+HBziS4dH/fHJ735cToXX6vs=");
}

#[test]
fn notifications_decode_typed_and_reencode_without_loss() {
    let body = body();
    let notifications = parse_notifications(&body).expect("a notification array");

    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0].collection_type, CollectionType::Foods);
    assert_eq!(notifications[0].owner_id, "228S74");
    assert_eq!(notifications[0].subscription_id, "1234");
    assert_eq!(notifications[0].date.map(|d| d.to_string()).as_deref(), Some("2020-06-01"));
    assert_eq!(notifications[0].key().to_string(), "1234/228S74/foods/2020-06-01");
    let original: serde_json::Value = serde_json::from_slice(&body).unwrap();
    fixtures::assert_same_json("notification", &original, &serde_json::to_value(&notifications).unwrap());
}

#[test]
fn debug_output_shows_neither_the_secret_nor_the_code() {
    let shown = format!("{:?}", subscriber());
    assert!(!shown.contains(SECRET) && !shown.contains(CODE), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[test]
fn the_client_crate_reexports_the_toolkit_and_its_notification_type() {
    let key = fitbit_api::webhooks::SignatureKey::from_client_secret(SECRET);
    assert_eq!(key.sign(&body()), "Oyv+HBziS4dH/fHJ735cToXX6vs=");
    // The spec's notification body decodes into the receiver's type: one type in the SDK.
    let list: fitbit_api::types::SubscriptionNotificationList = serde_json::from_slice(&body()).unwrap();
    let first: &Notification = &list.0[0];
    assert_eq!(first.collection_type, CollectionType::Foods);
}

/// A sink that records what reached it, with a bounded channel behind it.
struct Recorder {
    channel: mpsc::Sender<Notification>,
    refusals: Arc<Mutex<Vec<(u16, String)>>>,
}

impl NotificationSink for Recorder {
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable> {
        self.channel.deliver(notifications)
    }

    fn refused(&self, refusal: &Refusal) {
        self.refusals.lock().unwrap().push((refusal.status(), refusal.to_string()));
    }
}

struct Running {
    addr: SocketAddr,
    delivered: mpsc::Receiver<Notification>,
    refusals: Arc<Mutex<Vec<(u16, String)>>>,
    http: reqwest::Client,
}

impl Running {
    async fn start(capacity: usize, max_body_bytes: usize) -> Self {
        let (channel, delivered) = mpsc::channel(capacity);
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let sink = Recorder { channel, refusals: refusals.clone() };
        let router = Receiver::new(subscriber(), sink).max_body_bytes(max_body_bytes).router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, delivered, refusals, http: reqwest::Client::new() }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    async fn get(&self, path_and_query: &str) -> u16 {
        self.http.get(self.url(path_and_query)).send().await.unwrap().status().as_u16()
    }

    async fn post(&self, body: &[u8], signature: Option<&str>) -> u16 {
        let mut request = self
            .http
            .post(self.url("/fitbit/webhook"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header(SIGNATURE_HEADER, signature);
        }
        request.send().await.unwrap().status().as_u16()
    }

    fn drain(&mut self) -> Vec<Notification> {
        let mut received = Vec::new();
        while let Ok(notification) = self.delivered.try_recv() {
            received.push(notification);
        }
        received
    }

    fn refusal_statuses(&self) -> Vec<u16> {
        self.refusals.lock().unwrap().iter().map(|(status, _)| *status).collect()
    }
}

#[tokio::test]
async fn verification_gets_204_for_the_code_and_404_otherwise() {
    let receiver = Running::start(8, 64 * 1024).await;

    assert_eq!(receiver.get(&format!("/fitbit/webhook?verify={CODE}")).await, 204);
    assert_eq!(receiver.get("/fitbit/webhook?verify=wrong-code").await, 404);
    assert_eq!(receiver.get("/fitbit/webhook").await, 404);
    assert_eq!(receiver.get(&format!("/?verify={CODE}")).await, 204, "any path answers");
    assert_eq!(receiver.refusal_statuses(), [404, 404]);
}

#[tokio::test]
async fn only_correctly_signed_notifications_reach_the_application() {
    let mut receiver = Running::start(8, 64 * 1024).await;
    let body = body();
    let right = SignatureKey::from_client_secret(SECRET).sign(&body);

    assert_eq!(receiver.post(&body, Some(&right)).await, 204);
    let delivered = receiver.drain();
    assert_eq!(delivered, parse_notifications(&body).unwrap());

    let wrong_key = SignatureKey::from_client_secret("0000000000000000000000000000000f").sign(&body);
    let mut one_byte_changed = body.clone();
    let position = one_byte_changed.iter().position(|&b| b == b'S').unwrap(); // in "228S74"
    one_byte_changed[position] = b'T';

    assert_eq!(receiver.post(&body, Some(&wrong_key)).await, 404);
    assert_eq!(receiver.post(&one_byte_changed, Some(&right)).await, 404);
    assert_eq!(receiver.post(&body, None).await, 404);
    assert_eq!(receiver.post(&body, Some("not a signature")).await, 404);
    assert!(receiver.drain().is_empty(), "a refused POST reaches nothing");

    let refusals = receiver.refusals.lock().unwrap().clone();
    assert_eq!(refusals.len(), 4);
    assert!(refusals[0].1.contains("does not sign this body"), "{refusals:?}");
    assert!(refusals[2].1.contains("no X-Fitbit-Signature header"), "{refusals:?}");
    assert!(refusals.iter().all(|(_, text)| !text.contains(SECRET)), "{refusals:?}");
}

#[tokio::test]
async fn a_duplicate_delivery_is_recognised_by_its_key() {
    let mut receiver = Running::start(8, 64 * 1024).await;
    let body = body();
    let signature = SignatureKey::from_client_secret(SECRET).sign(&body);

    assert_eq!(receiver.post(&body, Some(&signature)).await, 204);
    assert_eq!(receiver.post(&body, Some(&signature)).await, 204);
    let delivered = receiver.drain();
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered[0].key(), delivered[1].key());
}

#[tokio::test]
async fn malformed_json_with_a_valid_signature_gets_400_and_no_delivery() {
    let mut receiver = Running::start(8, 64 * 1024).await;
    let key = SignatureKey::from_client_secret(SECRET);

    for body in [
        &b"{\"collectionType\":\"foods\"}"[..],
        b"[{\"collectionType\":\"foods\",",
        b"<html>oops</html>",
        b"",
    ] {
        assert_eq!(
            receiver.post(body, Some(&key.sign(body))).await,
            400,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(receiver.drain().is_empty());
    assert_eq!(receiver.refusal_statuses(), [400, 400, 400, 400]);

    // The receiver is still up and answering.
    let body = body();
    assert_eq!(receiver.post(&body, Some(&key.sign(&body))).await, 204);
    assert_eq!(receiver.drain().len(), 1);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_or_without_a_declared_length() {
    let mut receiver = Running::start(8, 1024).await;
    let key = SignatureKey::from_client_secret(SECRET);
    let one = String::from_utf8(body()).unwrap();
    let many = format!("[{}]", vec![one.trim().trim_start_matches('[').trim_end_matches(']'); 20].join(","));
    assert!(many.len() > 1024);

    // Declared in Content-Length: refused before reading.
    assert_eq!(receiver.post(many.as_bytes(), Some(&key.sign(many.as_bytes()))).await, 413);

    // Chunked, without a length: refused once the limit is passed.
    let mut stream = tokio::net::TcpStream::connect(receiver.addr).await.unwrap();
    let mut request = format!(
        "POST /fitbit/webhook HTTP/1.1\r\nHost: {}\r\n{SIGNATURE_HEADER}: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        receiver.addr,
        key.sign(many.as_bytes())
    );
    for chunk in many.as_bytes().chunks(256) {
        request.push_str(&format!("{:x}\r\n{}\r\n", chunk.len(), std::str::from_utf8(chunk).unwrap()));
    }
    request.push_str("0\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let read =
        tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    assert!(receiver.drain().is_empty());
    assert_eq!(receiver.refusal_statuses(), [413, 413]);
}

#[tokio::test]
async fn a_full_channel_gets_503_and_takes_nothing_of_the_batch() {
    let mut receiver = Running::start(1, 64 * 1024).await;
    let key = SignatureKey::from_client_secret(SECRET);
    let one = String::from_utf8(body()).unwrap();
    let item = one.trim().trim_start_matches('[').trim_end_matches(']').to_owned();
    let two = format!("[{item},{item}]");

    assert_eq!(receiver.post(two.as_bytes(), Some(&key.sign(two.as_bytes()))).await, 503);
    assert!(receiver.drain().is_empty(), "all or none");
    assert_eq!(receiver.refusal_statuses(), [503]);
}

#[tokio::test]
async fn other_methods_get_405() {
    let receiver = Running::start(8, 64 * 1024).await;
    let status = receiver.http.put(receiver.url("/fitbit/webhook")).body("[]").send().await.unwrap().status();
    assert_eq!(status.as_u16(), 405);
}
