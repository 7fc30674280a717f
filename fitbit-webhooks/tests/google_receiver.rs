//! The Google Health receiver answering real HTTP on loopback, served by
//! `receiver::serve`: the two-step endpoint verification, every refusal with
//! its status, both signature header names, 500 concurrent notifications,
//! and slow clients cut off (for the Fitbit receiver too) while valid
//! notifications get through.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fitbit_tests::mock_google::webhooks::{
    KeysetServer, LEGACY_SIGNATURE_HEADER, SIGNATURE_HEADER, WebhookKey, keyset_json, notification_body,
};
use fitbit_webhooks::google::receiver::{NotificationSink, Receiver, Refusal};
use fitbit_webhooks::google::{Endpoint, EndpointAuthorization, HttpsKeyset, Keys, Notification, Operation};
use fitbit_webhooks::receiver::{ServeLimits, SinkUnavailable, serve};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

const SECRET: &str = "Bearer whsec-4f1c9e2b7a";
/// A guard against a hung test; never an assertion about speed.
const HANG_GUARD: Duration = Duration::from_secs(60);

#[derive(Clone, Default)]
struct Log {
    refusals: Arc<Mutex<Vec<(u16, String)>>>,
    verifications: Arc<AtomicUsize>,
}

struct Recorder {
    channel: mpsc::UnboundedSender<Notification>,
    log: Log,
}

impl NotificationSink for Recorder {
    fn deliver(&self, notifications: Vec<Notification>) -> Result<(), SinkUnavailable> {
        self.channel.deliver(notifications)
    }

    fn verified(&self) {
        self.log.verifications.fetch_add(1, Ordering::SeqCst);
    }

    fn refused(&self, refusal: &Refusal) {
        self.log.refusals.lock().unwrap().push((refusal.status(), refusal.to_string()));
    }
}

struct Running {
    addr: SocketAddr,
    delivered: mpsc::UnboundedReceiver<Notification>,
    log: Log,
    http: reqwest::Client,
}

impl Running {
    async fn start(keys: Keys, limits: ServeLimits, body_timeout: Duration) -> Self {
        let (channel, delivered) = mpsc::unbounded_channel();
        let log = Log::default();
        let endpoint = Endpoint::new(EndpointAuthorization::new(SECRET), keys);
        let router = Receiver::new(endpoint, Recorder { channel, log: log.clone() })
            .max_body_bytes(4096)
            .body_timeout(body_timeout)
            .router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, router, limits, std::future::pending()));
        // No kept-alive connections: each request closes its own, so the
        // connection cap is exercised rather than hidden by reuse.
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        Self { addr, delivered, log, http }
    }

    async fn post(&self, authorization: Option<&str>, headers: &[(&str, &str)], body: &str) -> u16 {
        let mut request =
            self.http.post(format!("http://{}/google/webhook", self.addr)).body(body.to_owned());
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
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
        self.log.refusals.lock().unwrap().iter().map(|(status, _)| *status).collect()
    }
}

#[tokio::test]
async fn the_endpoint_verification_is_answered_201_then_401_and_403() {
    let key = WebhookKey::generate(1);
    let running =
        Running::start(Keys::fixed(keyset_json(&[&key])), ServeLimits::default(), Duration::from_secs(10))
            .await;
    let verification = r#"{"type":"verification"}"#;

    assert_eq!(running.post(Some(SECRET), &[], verification).await, 201, "with the configured Authorization");
    assert_eq!(running.post(None, &[], verification).await, 401, "without it");
    assert_eq!(running.post(Some("Bearer whsec-4f1c9e2b7b"), &[], verification).await, 403, "another value");
    assert_eq!(running.log.verifications.load(Ordering::SeqCst), 1);
    assert_eq!(running.refusal_statuses(), vec![401, 403]);
}

/// What is sent (Authorization, signature headers, body) and the status expected.
type Case<'a> = (&'a str, Option<&'a str>, Vec<(&'a str, String)>, &'a str, u16);

#[tokio::test]
async fn every_refusal_has_its_status_and_only_verified_notifications_arrive() {
    let google = WebhookKey::generate(0x0a0b_0c0d);
    let server = KeysetServer::start(keyset_json(&[&google])).await;
    let keys =
        Keys::new(HttpsKeyset::new(&server.url()).unwrap()).min_refetch_interval(Duration::from_secs(3600));
    let mut running = Running::start(keys, ServeLimits::default(), Duration::from_secs(10)).await;
    let body = notification_body("4815162342", "sleep", "DELETE", "alice");
    let good = google.sign(body.as_bytes());

    // Both header names carry a good signature.
    assert_eq!(running.post(Some(SECRET), &[(SIGNATURE_HEADER, &good)], &body).await, 204);
    assert_eq!(running.post(Some(SECRET), &[(LEGACY_SIGNATURE_HEADER, &good)], &body).await, 204);
    let delivered = running.drain();
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered[0].operation, Operation::Delete);
    assert_eq!(delivered[0].subscription_name.as_deref(), Some("alice"));

    let impostor = WebhookKey::generate(0x0a0b_0c0d);
    let stranger = WebhookKey::generate(77);
    let tampered = body.replace("sleep", "steps");
    let cases: [Case<'_>; 8] = [
        ("wrong key", Some(SECRET), vec![(SIGNATURE_HEADER, impostor.sign(body.as_bytes()))], &body, 403),
        ("tampered body", Some(SECRET), vec![(SIGNATURE_HEADER, good.clone())], &tampered, 403),
        ("no signature header", Some(SECRET), vec![], &body, 401),
        ("malformed base64", Some(SECRET), vec![(SIGNATURE_HEADER, "@@not-base64@@".into())], &body, 403),
        (
            "unknown key id",
            Some(SECRET),
            vec![(SIGNATURE_HEADER, stranger.sign(body.as_bytes()))],
            &body,
            403,
        ),
        ("no Authorization", None, vec![(SIGNATURE_HEADER, good.clone())], &body, 401),
        ("wrong Authorization", Some("Bearer nope"), vec![(SIGNATURE_HEADER, good.clone())], &body, 403),
        ("too large", Some(SECRET), vec![(SIGNATURE_HEADER, good.clone())], &"x".repeat(5000), 413),
    ];
    for (what, authorization, headers, body, status) in &cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_eq!(running.post(*authorization, &headers, body).await, *status, "{what}");
    }
    assert_eq!(server.fetches(), 2, "the unknown key id fetched the keyset once more");
    // Signed, but not notifications.
    let signed_garbage = r#"{"hello":"world"}"#;
    let signature = google.sign(signed_garbage.as_bytes());
    assert_eq!(running.post(Some(SECRET), &[(SIGNATURE_HEADER, &signature)], signed_garbage).await, 400);
    let get = running.http.get(format!("http://{}/google/webhook", running.addr)).send().await.unwrap();
    assert_eq!(get.status(), 405);

    assert!(running.drain().is_empty(), "nothing refused reached the application");
    assert_eq!(running.refusal_statuses(), vec![403, 403, 401, 403, 403, 401, 403, 413, 400, 405]);
    for (_, line) in running.log.refusals.lock().unwrap().iter() {
        assert!(!line.contains("whsec") && !line.contains(&good), "a refusal shows a secret: {line}");
    }
}

#[tokio::test]
async fn without_a_keyset_notifications_get_503_so_that_google_retries() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(fitbit_webhooks::google::KeysetFile::new(dir.path().join("missing.json")));
    let running = Running::start(keys, ServeLimits::default(), Duration::from_secs(10)).await;
    let key = WebhookKey::generate(3);
    let body = notification_body("1", "steps", "UPSERT", "s");
    assert_eq!(
        running.post(Some(SECRET), &[(SIGNATURE_HEADER, &key.sign(body.as_bytes()))], &body).await,
        503
    );
    // The verification needs no keyset.
    assert_eq!(running.post(Some(SECRET), &[], r#"{"type":"verification"}"#).await, 201);
}

#[tokio::test]
async fn five_hundred_concurrent_notifications_are_each_delivered_exactly_once() {
    let google = WebhookKey::generate(42);
    let server = KeysetServer::start(keyset_json(&[&google])).await;
    let keys = Keys::new(HttpsKeyset::new(&server.url()).unwrap());
    let mut running = Running::start(keys, ServeLimits::default(), Duration::from_secs(10)).await;
    let running_ref = Arc::new((running.http.clone(), running.addr));

    let posts: Vec<_> = (0..500)
        .map(|i| {
            let body = notification_body("4815162342", "steps", "UPSERT", &format!("sub-{i}"));
            let signature = google.sign(body.as_bytes());
            let shared = running_ref.clone();
            tokio::spawn(async move {
                let (http, addr) = &*shared;
                let response = http
                    .post(format!("http://{addr}/hook"))
                    .header("authorization", SECRET)
                    .header(SIGNATURE_HEADER, signature)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            })
        })
        .collect();
    for post in posts {
        assert_eq!(tokio::time::timeout(HANG_GUARD, post).await.unwrap().unwrap(), 204);
    }
    let delivered = running.drain();
    assert_eq!(delivered.len(), 500);
    let mut names: Vec<String> = delivered.iter().map(|n| n.subscription_name.clone().unwrap()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 500, "each notification once");
    assert_eq!(server.fetches(), 1, "500 requests, one keyset fetch");
}

/// Opens a connection and sends `bytes`, then stalls.
async fn stall(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    stream
}

/// Everything the server sends until it closes the connection.
async fn read_until_closed(mut stream: TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut answer))
        .await
        .expect("the server closed it");
    String::from_utf8_lossy(&answer).into_owned()
}

fn tight_limits() -> ServeLimits {
    ServeLimits::default()
        .max_connections(2)
        .header_read_timeout(Duration::from_millis(300))
        .idle_timeout(Duration::from_millis(600))
}

#[tokio::test]
async fn slow_clients_are_cut_off_while_valid_notifications_get_through() {
    let google = WebhookKey::generate(8);
    let mut running =
        Running::start(Keys::fixed(keyset_json(&[&google])), tight_limits(), Duration::from_millis(300))
            .await;

    // Two clients take both connections and never finish their headers.
    let first = stall(running.addr, b"POST /hook HTTP/1.1\r\nHost: x\r\n").await;
    let second = stall(running.addr, b"POST /hook HTTP/1.1\r\n").await;
    // A valid notification waits for a connection, and gets through.
    let body = notification_body("4815162342", "weight", "UPSERT", "bob");
    let status =
        running.post(Some(SECRET), &[(SIGNATURE_HEADER, &google.sign(body.as_bytes()))], &body).await;
    assert_eq!(status, 204);
    assert_eq!(running.drain().len(), 1);
    assert_eq!(read_until_closed(first).await, "", "cut off without an answer");
    assert_eq!(read_until_closed(second).await, "");

    // A body that stops halfway gets 408.
    let slow_body = stall(
        running.addr,
        format!(
            "POST /hook HTTP/1.1\r\nHost: x\r\nAuthorization: {SECRET}\r\nContent-Length: 100\r\n\r\n[{{"
        )
        .as_bytes(),
    )
    .await;
    let answer = read_until_closed(slow_body).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(running.refusal_statuses().contains(&408));
    // A client that connects and says nothing is closed too.
    assert_eq!(read_until_closed(stall(running.addr, b"").await).await, "");
    let status =
        running.post(Some(SECRET), &[(SIGNATURE_HEADER, &google.sign(body.as_bytes()))], &body).await;
    assert_eq!(status, 204, "still serving");
}

#[tokio::test]
async fn the_fitbit_receiver_gets_the_same_limits() {
    use fitbit_webhooks::{SIGNATURE_HEADER as FITBIT_SIGNATURE, SignatureKey, Subscriber, VerificationCode};

    let key = SignatureKey::from_client_secret("fitbit-client-secret");
    let (channel, mut delivered) = mpsc::unbounded_channel();
    let router = fitbit_webhooks::receiver::Receiver::new(
        Subscriber::new(key.clone(), VerificationCode::new("c0de")),
        channel,
    )
    .body_timeout(Duration::from_millis(300))
    .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, router, tight_limits(), std::future::pending()));

    let first = stall(addr, b"POST / HTTP/1.1\r\n").await;
    let second = stall(addr, b"GET /?verify=c0").await;
    let body = br#"[{"collectionType":"sleep","date":"2026-03-01","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"1"}]"#;
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let response = http
        .post(format!("http://{addr}/"))
        .header(FITBIT_SIGNATURE, key.sign(body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(delivered.try_recv().unwrap().owner_id, "GGNJL9");
    assert_eq!(read_until_closed(first).await, "");
    assert_eq!(read_until_closed(second).await, "");
    let slow_body = stall(addr, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n[").await;
    assert!(read_until_closed(slow_body).await.starts_with("HTTP/1.1 408"));
}

/// Sends `head` one byte at a time, a pause after each, until the server
/// closes the connection; returns what the server sent.
async fn trickle_until_closed(addr: SocketAddr, head: &'static [u8]) -> String {
    let (mut reader, mut writer) = TcpStream::connect(addr).await.unwrap().into_split();
    let trickle = tokio::spawn(async move {
        for byte in head.iter().cycle() {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG_GUARD, reader.read_to_end(&mut answer)).await;
    trickle.abort();
    read.expect("the server closed the connection").ok();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_and_a_crowd_of_idle_connections_are_cut_off() {
    use fitbit_webhooks::{SIGNATURE_HEADER as FITBIT_SIGNATURE, SignatureKey, Subscriber, VerificationCode};

    let key = SignatureKey::from_client_secret("fitbit-client-secret");
    let (channel, mut delivered) = mpsc::unbounded_channel();
    let router = fitbit_webhooks::receiver::Receiver::new(
        Subscriber::new(key.clone(), VerificationCode::new("c0de")),
        channel,
    )
    .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ServeLimits::default()
        .max_connections(8)
        .header_read_timeout(Duration::from_millis(300))
        .idle_timeout(Duration::from_millis(300));
    tokio::spawn(serve(listener, router, limits, std::future::pending()));

    // Every byte keeps the connection busy, but the headers never end: the
    // header time limit counts from the first byte, not the last.
    let answer = trickle_until_closed(
        addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    )
    .await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");

    // 200 connections that never send a byte, eight times the cap: each is
    // closed in turn, and a notification queued behind them gets through.
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let body = br#"[{"collectionType":"sleep","date":"2026-03-01","ownerId":"GGNJL9","ownerType":"user","subscriptionId":"1"}]"#;
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let response = tokio::time::timeout(
        HANG_GUARD,
        http.post(format!("http://{addr}/"))
            .header(FITBIT_SIGNATURE, key.sign(body))
            .body(body.to_vec())
            .send(),
    )
    .await
    .expect("answered")
    .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(delivered.try_recv().unwrap().owner_id, "GGNJL9");
    for stream in idle {
        assert_eq!(read_until_closed(stream).await, "", "an idle connection is closed without an answer");
    }
}
