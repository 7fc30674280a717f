//! Newtypes for values that must never reach logs, `Debug` output or error messages.

use std::fmt;

use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// `Debug` and `Display` print `[redacted]`; read the value with
        /// [`secret`](Self::secret) where it must be sent.
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value itself. Send it; never log it.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_string())
            }
        }
    };
}

secret_string!(
    /// An OAuth access token (sent as `Authorization: Bearer …`).
    AccessToken
);
impl AccessToken {
    /// The `Authorization: Bearer …` header value for this token, marked
    /// sensitive (its `Debug` output is redacted). A token that cannot be a
    /// header value (a control character) gives a bare `Bearer`, which Fitbit
    /// refuses as unauthorized rather than the request failing here.
    pub fn bearer_header(&self) -> HeaderValue {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        value.set_sensitive(true);
        value
    }
}

secret_string!(
    /// An OAuth refresh token. Fitbit's are single-use: each refresh returns a new one.
    RefreshToken
);
secret_string!(
    /// The client secret of a confidential (server or personal) app.
    ClientSecret
);
secret_string!(
    /// A PKCE code verifier (RFC 7636), kept until the code exchange.
    PkceVerifier
);
secret_string!(
    /// An authorization code from the redirect; valid for ten minutes, once.
    AuthorizationCode
);
