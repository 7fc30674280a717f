//! The mock's memory: clients, grants, codes, tokens, faults, stored data, and its clock.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rand::RngExt as _;
use serde_json::Value;

use super::points::StoredPoint;
use super::seed::{self, Store};
use super::{Counters, MockGoogleApp, MockGoogleConfig, RecordedRequest};

pub(crate) struct State {
    pub config: MockGoogleConfig,
    /// Added to the wall clock; tests move time forward with it.
    pub clock_offset: Duration,
    pub codes: HashMap<String, CodeGrant>,
    pub access: HashMap<String, AccessRecord>,
    pub refresh: HashMap<String, RefreshRecord>,
    /// What the user has granted each client so far.
    pub grants: HashMap<String, Grant>,
    pub counters: Counters,
    pub faults: Faults,
    pub requests: Vec<RecordedRequest>,
    /// API requests in the current (mock) minute: (minute, count).
    pub rate: (u64, u32),
    pub data: Store,
    /// Signs page tokens, so that they stay opaque.
    pub page_secret: String,
    pub next_id: u64,
}

#[derive(Default)]
pub(crate) struct Grant {
    pub scopes: BTreeSet<String>,
}

pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    /// The scopes the tokens will carry.
    pub scopes: Vec<String>,
    /// Whether the exchange issues a refresh token.
    pub offline: bool,
    pub issued_at: SystemTime,
    pub used: bool,
    /// Tokens issued from this code (revoked if the code is replayed).
    pub issued: Vec<String>,
}

pub(crate) struct AccessRecord {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: SystemTime,
    pub revoked: bool,
}

pub(crate) struct RefreshRecord {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub issued_at: SystemTime,
    pub last_used: SystemTime,
    /// Set for clients in "Testing".
    pub expires_at: Option<SystemTime>,
    pub revoked: bool,
}

#[derive(Default)]
pub(crate) struct Faults {
    pub grant_only: Option<Vec<String>>,
    pub deny_consent: bool,
    pub account_not_linked: bool,
    pub service_disabled: bool,
    pub api_failures: VecDeque<u16>,
    pub scripted_token_answers: VecDeque<ScriptedAnswer>,
    pub drop_token_connections: usize,
}

pub(crate) struct ScriptedAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

/// Tokens handed out by one grant.
pub(crate) struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scopes: Vec<String>,
    pub expires_in: u64,
    pub refresh_token_expires_in: Option<u64>,
}

/// Why an access token is refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AccessProblem {
    Unknown,
    Expired,
    Revoked,
}

impl State {
    pub fn new(config: MockGoogleConfig) -> Self {
        let data = seed::load(&config);
        Self {
            config,
            clock_offset: Duration::ZERO,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            grants: HashMap::new(),
            counters: Counters::default(),
            faults: Faults::default(),
            requests: Vec::new(),
            rate: (0, 0),
            data,
            page_secret: random_hex(16),
            next_id: 1,
        }
    }

    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.clock_offset
    }

    pub fn app(&self, client_id: &str) -> Option<&MockGoogleApp> {
        self.config.apps.iter().find(|app| app.client_id == client_id)
    }

    /// Adds scopes to what the user has granted the client.
    pub fn record_grant(&mut self, client_id: &str, scopes: &[String]) {
        self.grants.entry(client_id.to_string()).or_default().scopes.extend(scopes.iter().cloned());
    }

    /// Whether the client holds a refresh token that still works.
    pub fn has_live_refresh_token(&self, client_id: &str) -> bool {
        self.refresh
            .iter()
            .any(|(token, r)| r.client_id == client_id && self.refresh_problem(token).is_none())
    }

    /// Issues an access token, and a refresh token when `offline`.
    pub fn issue_tokens(&mut self, client_id: &str, scopes: Vec<String>, offline: bool) -> Issued {
        let now = self.now();
        let access_token = format!("ya29.mock-{}", random_hex(24));
        self.access.insert(
            access_token.clone(),
            AccessRecord {
                client_id: client_id.into(),
                scopes: scopes.clone(),
                expires_at: now + self.config.access_token_lifetime,
                revoked: false,
            },
        );
        let testing = self.app(client_id).is_some_and(|app| app.testing);
        let mut refresh_token = None;
        let mut refresh_token_expires_in = None;
        if offline {
            let token = format!("1//mock-{}", random_hex(24));
            let expires_at = testing.then(|| now + self.config.testing_refresh_token_lifetime);
            if testing {
                refresh_token_expires_in = Some(self.config.testing_refresh_token_lifetime.as_secs() - 1);
            }
            self.refresh.insert(
                token.clone(),
                RefreshRecord {
                    client_id: client_id.into(),
                    scopes: scopes.clone(),
                    issued_at: now,
                    last_used: now,
                    expires_at,
                    revoked: false,
                },
            );
            self.counters.refresh_tokens_issued += 1;
            self.enforce_refresh_token_limit(client_id);
            refresh_token = Some(token);
        }
        Issued {
            access_token,
            refresh_token,
            scopes,
            expires_in: self.config.access_token_lifetime.as_secs().saturating_sub(1),
            refresh_token_expires_in,
        }
    }

    /// Google keeps a limited number of refresh tokens per client and user:
    /// issuing one more invalidates the oldest.
    fn enforce_refresh_token_limit(&mut self, client_id: &str) {
        let mut live: Vec<(SystemTime, String)> = self
            .refresh
            .iter()
            .filter(|(_, r)| r.client_id == client_id && !r.revoked)
            .map(|(token, r)| (r.issued_at, token.clone()))
            .collect();
        live.sort();
        let excess = live.len().saturating_sub(self.config.refresh_tokens_per_grant);
        for (_, token) in live.into_iter().take(excess) {
            if let Some(record) = self.refresh.get_mut(&token) {
                record.revoked = true;
            }
        }
    }

    /// The record of an access token the API accepts now.
    pub fn check_access(&self, token: &str) -> Result<&AccessRecord, AccessProblem> {
        let record = self.access.get(token).ok_or(AccessProblem::Unknown)?;
        if record.revoked {
            Err(AccessProblem::Revoked)
        } else if self.now() >= record.expires_at {
            Err(AccessProblem::Expired)
        } else {
            Ok(record)
        }
    }

    /// Why a refresh token no longer works, if it does not.
    pub fn refresh_problem(&self, token: &str) -> Option<&'static str> {
        let Some(record) = self.refresh.get(token) else { return Some("unknown") };
        let now = self.now();
        if record.revoked {
            Some("revoked")
        } else if record.expires_at.is_some_and(|at| now >= at) {
            Some("expired")
        } else if now.duration_since(record.last_used).unwrap_or_default()
            >= self.config.refresh_token_idle_limit
        {
            Some("idle")
        } else {
            None
        }
    }

    /// Revokes every token of the client and forgets what the user granted it.
    pub fn revoke_grant(&mut self, client_id: &str) {
        for record in self.access.values_mut().filter(|r| r.client_id == client_id) {
            record.revoked = true;
        }
        for record in self.refresh.values_mut().filter(|r| r.client_id == client_id) {
            record.revoked = true;
        }
        self.grants.remove(client_id);
    }

    /// Revokes the given tokens (those issued from a replayed code).
    pub fn revoke_tokens(&mut self, tokens: &[String]) {
        for token in tokens {
            if let Some(record) = self.access.get_mut(token) {
                record.revoked = true;
            }
            if let Some(record) = self.refresh.get_mut(token) {
                record.revoked = true;
            }
        }
    }

    /// A new server-assigned data point id (numeric, like Google's).
    pub fn new_point_id(&mut self) -> String {
        self.next_id += 1;
        format!("{}", 9_100_000_000_000_000_000u64 + self.next_id * 104_729)
    }

    /// Validates and stores a point for the user; returns its name.
    pub fn insert_point(
        &mut self,
        data_type: &str,
        point: Value,
        owner: Option<String>,
    ) -> Result<String, String> {
        let id = self.new_point_id();
        let user = self.config.health_user_id.clone();
        let point = super::points::prepare_inserted(data_type, point, &user, &id)?;
        let name = point["name"].as_str().unwrap_or_default().to_string();
        let id = name.rsplit('/').next().unwrap_or_default().to_string();
        let list = self.data.points.entry(data_type.to_string()).or_default();
        if list.iter().any(|p| p.id == id) {
            return Err(format!("{name} already exists"));
        }
        list.push(StoredPoint { id, data: point, owner });
        Ok(name)
    }

    /// Counts an API request against the per-user quota; `false` past it.
    pub fn take_rate_limit(&mut self) -> bool {
        let Some(limit) = self.config.rate_limit_per_minute else { return true };
        let minute = self.now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs() / 60;
        if self.rate.0 != minute {
            self.rate = (minute, 0);
        }
        if self.rate.1 >= limit {
            return false;
        }
        self.rate.1 += 1;
        true
    }
}

/// Random lowercase hex of `bytes` bytes.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes).map(|_| format!("{:02x}", rng.random::<u8>())).collect()
}
