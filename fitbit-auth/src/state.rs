//! The anti-forgery `state` value of the authorization redirect.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

/// Random bytes in a generated state: 256 bits, well above the 128 needed.
const STATE_BYTES: usize = 32;

/// The `state` sent to the authorize endpoint and expected back on the
/// redirect, binding the callback to this sign-in attempt (CSRF protection).
///
/// `Debug` hides the value: whoever knows it can forge a callback for this
/// attempt.
///
/// ```
/// use fitbit_auth::CsrfState;
///
/// let state = CsrfState::new_random();
/// assert!(state.matches(state.as_str()));
/// assert!(!state.matches("forged"));
/// assert!(!format!("{state:?}").contains(state.as_str()));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CsrfState(String);

impl CsrfState {
    /// 256 random bits, base64url-encoded (43 characters).
    pub fn new_random() -> Self {
        let mut bytes = [0u8; STATE_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Uses a given value (for a web app that derives state from its session).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, as put in the authorize URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares with a received value in constant time, so that timing does
    /// not reveal how much of a guess was right.
    pub fn matches(&self, received: &str) -> bool {
        self.0.as_bytes().ct_eq(received.as_bytes()).into()
    }
}

impl fmt::Debug for CsrfState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfState([redacted])")
    }
}
