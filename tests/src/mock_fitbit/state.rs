//! The mock's memory: apps, codes, tokens, counters, faults, and its clock.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rand::RngExt as _;
use serde_json::{Value, json};

use super::{Counters, IssuedTokens, MockApp, MockConfig, RecordedRequest};

pub(crate) struct State {
    pub config: MockConfig,
    /// Added to the wall clock; tests move time forward with it.
    pub clock_offset: Duration,
    pub codes: HashMap<String, CodeGrant>,
    pub access: HashMap<String, AccessRecord>,
    pub refresh: HashMap<String, RefreshRecord>,
    pub counters: Counters,
    pub faults: Faults,
    pub requests: Vec<RecordedRequest>,
    /// API requests per user in the current clock hour.
    pub rate: HashMap<String, (u64, u32)>,
    /// Answers registered with [`super::MockFitbit::serve_json`].
    pub answers: Vec<super::api::RecordedAnswer>,
}

pub(crate) struct CodeGrant {
    pub client_id: String,
    /// The redirect URI sent to authorize, if one was sent.
    pub redirect_uri: Option<String>,
    pub code_challenge: Option<String>,
    pub scopes: Vec<String>,
    pub issued_at: SystemTime,
    pub used: bool,
}

pub(crate) struct AccessRecord {
    pub client_id: String,
    /// `None` for client-credentials tokens.
    pub user_id: Option<String>,
    pub scopes: Vec<String>,
    pub issued_at: SystemTime,
    pub expires_at: SystemTime,
    pub revoked: bool,
}

pub(crate) struct RefreshRecord {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    /// When it was spent, and the answer given then (replayed within the window).
    pub spent: Option<(SystemTime, TokenAnswer)>,
    pub revoked: bool,
}

#[derive(Default)]
pub(crate) struct Faults {
    pub drop_after_refresh: usize,
    pub scripted_token_answers: VecDeque<ScriptedAnswer>,
}

pub(crate) struct ScriptedAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
    pub headers: Vec<(String, String)>,
}

/// A token endpoint answer.
#[derive(Clone)]
pub(crate) struct TokenAnswer {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub user_id: Option<String>,
    pub scopes: Vec<String>,
    pub expires_in: u64,
    pub include_scope: bool,
}

impl TokenAnswer {
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        });
        if let Some(refresh_token) = &self.refresh_token {
            body["refresh_token"] = json!(refresh_token);
        }
        if let Some(user_id) = &self.user_id {
            body["user_id"] = json!(user_id);
        }
        if self.include_scope {
            body["scope"] = json!(self.scopes.join(" "));
        }
        body
    }

    pub fn issued(&self) -> IssuedTokens {
        IssuedTokens {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone().unwrap_or_default(),
            user_id: self.user_id.clone().unwrap_or_default(),
            scope: self.scopes.join(" "),
            expires_in: self.expires_in,
        }
    }
}

/// Why a bearer token was not accepted.
pub(crate) enum BearerProblem {
    Unknown,
    Expired,
    Revoked,
}

impl State {
    pub fn new(config: MockConfig) -> Self {
        Self {
            config,
            clock_offset: Duration::ZERO,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            counters: Counters::default(),
            faults: Faults::default(),
            requests: Vec::new(),
            rate: HashMap::new(),
            answers: Vec::new(),
        }
    }

    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.clock_offset
    }

    pub fn app(&self, client_id: &str) -> Option<&MockApp> {
        self.config.apps.iter().find(|app| app.client_id == client_id)
    }

    /// Issues an access + refresh token pair.
    pub fn issue_pair(&mut self, client_id: &str, user_id: &str, scopes: Vec<String>) -> TokenAnswer {
        let access_token =
            self.issue_access(client_id, Some(user_id), scopes.clone(), self.config.access_token_lifetime);
        let refresh_token = random_token("rt", 32);
        self.refresh.insert(
            refresh_token.clone(),
            RefreshRecord {
                client_id: client_id.into(),
                user_id: user_id.into(),
                scopes: scopes.clone(),
                spent: None,
                revoked: false,
            },
        );
        TokenAnswer {
            access_token,
            refresh_token: Some(refresh_token),
            user_id: Some(user_id.into()),
            scopes,
            expires_in: self.config.access_token_lifetime.as_secs(),
            include_scope: !self.config.omit_scope_in_token_answers,
        }
    }

    pub fn issue_access(
        &mut self,
        client_id: &str,
        user_id: Option<&str>,
        scopes: Vec<String>,
        lifetime: Duration,
    ) -> String {
        let token = random_token("at", 24);
        let now = self.now();
        self.access.insert(
            token.clone(),
            AccessRecord {
                client_id: client_id.into(),
                user_id: user_id.map(Into::into),
                scopes,
                issued_at: now,
                expires_at: now + lifetime,
                revoked: false,
            },
        );
        token
    }

    /// The record of a bearer token the API accepts now.
    pub fn check_bearer(&self, token: &str) -> Result<&AccessRecord, BearerProblem> {
        let record = self.access.get(token).ok_or(BearerProblem::Unknown)?;
        if record.revoked {
            Err(BearerProblem::Revoked)
        } else if self.now() >= record.expires_at {
            Err(BearerProblem::Expired)
        } else {
            Ok(record)
        }
    }

    /// Revokes every token of this user for this app.
    pub fn revoke_grant(&mut self, client_id: &str, user_id: &str) {
        for record in self.access.values_mut() {
            if record.client_id == client_id && record.user_id.as_deref() == Some(user_id) {
                record.revoked = true;
            }
        }
        for record in self.refresh.values_mut() {
            if record.client_id == client_id && record.user_id == user_id {
                record.revoked = true;
            }
        }
    }
}

/// Seconds since the epoch on the mock clock.
pub(crate) fn epoch_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

pub(crate) fn epoch_millis(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()
}

/// A random token: a recognisable prefix, then hex (so it always has digits,
/// like Fitbit's, and error scrubbing can be tested against it).
pub(crate) fn random_token(prefix: &str, bytes: usize) -> String {
    let mut rng = rand::rng();
    let hex: String = (0..bytes).map(|_| format!("{:02x}", rng.random::<u8>())).collect();
    format!("mock-{prefix}-{hex}")
}
