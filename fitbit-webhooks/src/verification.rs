//! Fitbit's subscriber verification: when a subscriber is added or its URL
//! changes, Fitbit sends `GET <subscriber URL>?verify=<code>` twice, once
//! with the right code and once with a wrong one. The subscriber must answer
//! 204 No Content to the right code and 404 Not Found to anything else.

use std::fmt;

use subtle::ConstantTimeEq as _;

/// The subscriber verification code shown for your subscriber on
/// dev.fitbit.com. `Debug` does not show it.
///
/// ```
/// use fitbit_webhooks::{VerificationAnswer, VerificationCode};
///
/// let code = VerificationCode::new("c0ffee");
/// assert_eq!(code.answer(Some("c0ffee")), VerificationAnswer::Verified);
/// assert_eq!(code.answer(Some("bad")).status(), 404);
/// assert_eq!(code.answer(None).status(), 404);
/// ```
#[derive(Clone)]
pub struct VerificationCode(String);

impl VerificationCode {
    /// The code, as shown on dev.fitbit.com.
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    /// The answer to `GET ?verify=<verify>`. The comparison takes the same
    /// time wherever the codes differ (only a length difference shows).
    pub fn answer(&self, verify: Option<&str>) -> VerificationAnswer {
        let matches = verify.is_some_and(|verify| bool::from(verify.as_bytes().ct_eq(self.0.as_bytes())));
        if matches && !self.0.is_empty() { VerificationAnswer::Verified } else { VerificationAnswer::Refused }
    }
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationCode(<redacted>)")
    }
}

/// How to answer a verification request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationAnswer {
    /// The code matched: answer 204 No Content.
    Verified,
    /// No code, or another one: answer 404 Not Found.
    Refused,
}

impl VerificationAnswer {
    /// The HTTP status to answer with.
    pub fn status(self) -> u16 {
        match self {
            Self::Verified => 204,
            Self::Refused => 404,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_code_is_verified() {
        let code = VerificationCode::new("8c0a4d1f");
        assert_eq!(code.answer(Some("8c0a4d1f")), VerificationAnswer::Verified);
        for wrong in ["8c0a4d1", "8c0a4d1f0", "8C0A4D1F", "", " 8c0a4d1f"] {
            assert_eq!(code.answer(Some(wrong)), VerificationAnswer::Refused, "{wrong:?}");
        }
        assert_eq!(code.answer(None), VerificationAnswer::Refused);
        // An empty configured code verifies nothing, not even an empty `verify`.
        assert_eq!(VerificationCode::new("").answer(Some("")), VerificationAnswer::Refused);
        assert_eq!(format!("{code:?}"), "VerificationCode(<redacted>)");
    }
}
