//! Google's side of Google Health webhooks, for tests: P-256 signing keys
//! generated on the spot, the Tink JSON keyset that publishes them (the
//! `EcdsaPublicKey` protobuf written by hand), signatures in Tink's wire
//! format, and a loopback server that hands out the keyset and counts the
//! fetches.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The header Google's current documentation names.
pub const SIGNATURE_HEADER: &str = "GOOGLE-HEALTH-API-SIGNATURE";
/// The older header name.
pub const LEGACY_SIGNATURE_HEADER: &str = "X-HEALTHAPI-SIGNATURE";

/// How a key's signatures begin (Tink's `OutputPrefixType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// `0x01` + key id.
    Tink,
    /// No prefix.
    Raw,
}

/// One P-256 signing key of "Google", with its Tink key id.
#[derive(Clone)]
pub struct WebhookKey {
    /// The Tink key id.
    pub id: u32,
    /// How its signatures begin.
    pub prefix: Prefix,
    signing: SigningKey,
}

impl std::fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookKey")
            .field("id", &self.id)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl WebhookKey {
    /// A fresh random key with a TINK prefix.
    pub fn generate(id: u32) -> Self {
        Self { id, prefix: Prefix::Tink, signing: SigningKey::generate_from_rng(&mut rand::rng()) }
    }

    /// A fresh random key without a prefix.
    pub fn generate_raw(id: u32) -> Self {
        Self { prefix: Prefix::Raw, ..Self::generate(id) }
    }

    /// The signature header's value for `body`: base64 of the prefix and
    /// the DER signature (ECDSA P-256, SHA-256).
    pub fn sign(&self, body: &[u8]) -> String {
        let der: DerSignature = self.signing.sign(body);
        let mut wire = Vec::new();
        if self.prefix == Prefix::Tink {
            wire.push(0x01);
            wire.extend_from_slice(&self.id.to_be_bytes());
        }
        wire.extend_from_slice(der.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(wire)
    }

    /// The Tink `EcdsaPublicKey` message of this key, serialized: version 0,
    /// params {SHA256 (3), NIST_P256 (2), DER (2)}, x, y.
    pub fn public_key_proto(&self) -> Vec<u8> {
        // SEC1 uncompressed: 0x04, then x and y, 32 bytes each.
        let point = self.signing.verifying_key().to_sec1_point(false);
        let (x, y) = point.as_bytes()[1..].split_at(32);
        let params = [0x08, 3, 0x10, 2, 0x18, 2];
        let mut out = vec![0x08, 0x00];
        out.push(0x12);
        out.push(params.len() as u8);
        out.extend_from_slice(&params);
        // Tink writes coordinates as signed big integers: a leading zero byte.
        for (tag, coordinate) in [(0x1a, x), (0x22, y)] {
            out.push(tag);
            out.push(coordinate.len() as u8 + 1);
            out.push(0);
            out.extend_from_slice(coordinate);
        }
        out
    }

    /// The key's entry in a Tink JSON keyset.
    pub fn keyset_entry(&self) -> Value {
        json!({
            "keyData": {
                "typeUrl": "type.googleapis.com/google.crypto.tink.EcdsaPublicKey",
                "value": base64::engine::general_purpose::STANDARD.encode(self.public_key_proto()),
                "keyMaterialType": "ASYMMETRIC_PUBLIC",
            },
            "status": "ENABLED",
            "keyId": self.id,
            "outputPrefixType": match self.prefix { Prefix::Tink => "TINK", Prefix::Raw => "RAW" },
        })
    }
}

/// A Tink JSON keyset publishing `keys` (the first is the primary).
pub fn keyset_json(keys: &[&WebhookKey]) -> String {
    let entries: Vec<Value> = keys.iter().map(|key| key.keyset_entry()).collect();
    json!({ "primaryKeyId": keys.first().map(|key| key.id), "key": entries }).to_string()
}

/// A notification body as third-party receivers report Google sends it.
pub fn notification_body(
    health_user_id: &str,
    data_type: &str,
    operation: &str,
    subscription: &str,
) -> String {
    json!([{
        "data": {
            "clientProvidedSubscriptionName": subscription,
            "healthUserId": health_user_id,
            "dataType": data_type,
            "operation": operation,
            "civilIso8601TimeInterval": {"startTime": "2026-03-01T08:00:00", "endTime": "2026-03-01T09:00:00"},
        }
    }])
    .to_string()
}

/// A loopback server handing out a keyset (`GET /keyset.json`), whose
/// content can change, counting the fetches.
pub struct KeysetServer {
    addr: SocketAddr,
    keyset: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
    server: JoinHandle<()>,
}

impl KeysetServer {
    /// Serves `keyset` on `127.0.0.1:<free port>`.
    pub async fn start(keyset: String) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("an address");
        let keyset = Arc::new(Mutex::new(keyset));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (keyset.clone(), fetches.clone());
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let (served, counted) = (served.clone(), counted.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        let (served, counted) = (served.clone(), counted.clone());
                        async move {
                            let mut response = hyper::Response::new(Full::new(Bytes::new()));
                            if request.uri().path() == "/keyset.json" {
                                counted.fetch_add(1, Ordering::SeqCst);
                                let body = served.lock().unwrap_or_else(PoisonError::into_inner).clone();
                                *response.body_mut() = Full::new(Bytes::from(body));
                            } else {
                                *response.status_mut() = hyper::StatusCode::NOT_FOUND;
                            }
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Self { addr, keyset, fetches, server }
    }

    /// `http://127.0.0.1:<port>/keyset.json`.
    pub fn url(&self) -> String {
        format!("http://{}/keyset.json", self.addr)
    }

    /// Serves another keyset from now on (Google rotated its keys).
    pub fn publish(&self, keyset: String) {
        *self.keyset.lock().unwrap_or_else(PoisonError::into_inner) = keyset;
    }

    /// How many times the keyset was fetched.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl Drop for KeysetServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}
