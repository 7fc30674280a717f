//! PKCE (RFC 7636) with the S256 method, the only one this crate sends.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt as _;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::secret::PkceVerifier;

/// The RFC 7636 "unreserved" characters a verifier is made of.
const VERIFIER_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// Shortest verifier RFC 7636 allows.
pub const MIN_VERIFIER_LEN: usize = 43;
/// Longest verifier RFC 7636 allows.
pub const MAX_VERIFIER_LEN: usize = 128;
/// Length of generated verifiers: 64 characters of a 66-letter alphabet carry
/// about 386 bits of entropy.
const GENERATED_VERIFIER_LEN: usize = 64;

/// A PKCE verifier and its S256 challenge.
///
/// The challenge goes into the authorize URL; the verifier stays secret until
/// the code exchange. `Debug` shows the challenge only.
///
/// ```
/// use fitbit_auth::{PkceChallenge, PkceVerifier};
///
/// // The example of RFC 7636, Appendix B.
/// let pkce = PkceChallenge::from_verifier(PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))?;
/// assert_eq!(pkce.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// assert_eq!(pkce.method(), "S256");
///
/// let random = PkceChallenge::new_random();
/// assert!((43..=128).contains(&random.verifier().secret().len()));
/// # Ok::<(), fitbit_auth::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkceChallenge {
    verifier: PkceVerifier,
    challenge: String,
}

impl PkceChallenge {
    /// A fresh random verifier (64 characters from the RFC 7636 alphabet,
    /// drawn from the operating system's CSPRNG-seeded generator).
    pub fn new_random() -> Self {
        let mut rng = rand::rng();
        let verifier: String = (0..GENERATED_VERIFIER_LEN)
            .map(|_| char::from(VERIFIER_ALPHABET[rng.random_range(0..VERIFIER_ALPHABET.len())]))
            .collect();
        let challenge = s256_challenge(&verifier);
        Self { verifier: PkceVerifier::new(verifier), challenge }
    }

    /// Uses a verifier chosen elsewhere, after checking its length (43–128)
    /// and alphabet (`A-Z a-z 0-9 - . _ ~`).
    pub fn from_verifier(verifier: PkceVerifier) -> Result<Self, Error> {
        validate_verifier(verifier.secret())?;
        let challenge = s256_challenge(verifier.secret());
        Ok(Self { verifier, challenge })
    }

    /// The secret verifier, sent as `code_verifier` on the token request.
    pub fn verifier(&self) -> &PkceVerifier {
        &self.verifier
    }

    /// The challenge, sent as `code_challenge` to the authorize endpoint.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The challenge method, always `S256`.
    pub fn method(&self) -> &'static str {
        "S256"
    }

    /// Gives up the verifier (to keep it until the code exchange).
    pub fn into_verifier(self) -> PkceVerifier {
        self.verifier
    }
}

/// `base64url-no-pad(SHA-256(verifier))`, the S256 challenge of a verifier.
///
/// ```
/// assert_eq!(
///     fitbit_auth::s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
///     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
/// );
/// ```
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Checks a verifier against RFC 7636 §4.1. The message never repeats it.
fn validate_verifier(verifier: &str) -> Result<(), Error> {
    let len = verifier.len();
    if !(MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&len) {
        return Err(Error::InvalidRequest(format!(
            "a PKCE verifier must be {MIN_VERIFIER_LEN} to {MAX_VERIFIER_LEN} characters long, not {len}"
        )));
    }
    if !verifier.bytes().all(|b| VERIFIER_ALPHABET.contains(&b)) {
        return Err(Error::InvalidRequest(
            "a PKCE verifier may only contain A-Z, a-z, 0-9 and `-._~`".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b_vector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(s256_challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let pkce = PkceChallenge::from_verifier(PkceVerifier::new(verifier)).unwrap();
        assert_eq!(pkce.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn random_verifiers_are_valid_distinct_and_match_their_challenge() {
        let a = PkceChallenge::new_random();
        let b = PkceChallenge::new_random();
        assert_ne!(a.verifier(), b.verifier());
        for pkce in [&a, &b] {
            validate_verifier(pkce.verifier().secret()).unwrap();
            assert_eq!(pkce.challenge(), s256_challenge(pkce.verifier().secret()));
            assert_eq!(pkce.challenge().len(), 43, "32 bytes in unpadded base64url");
            assert!(!pkce.challenge().contains('='));
        }
    }

    #[test]
    fn bad_verifiers_are_refused_without_echoing_them() {
        let short = "a".repeat(42);
        let long = "a".repeat(129);
        let bad_char = format!("{}+", "a".repeat(42));
        for bad in [short, long, bad_char] {
            let err = PkceChallenge::from_verifier(PkceVerifier::new(bad.clone())).unwrap_err();
            assert!(matches!(err, Error::InvalidRequest(_)));
            assert!(!err.to_string().contains(&bad));
        }
        assert!(PkceChallenge::from_verifier(PkceVerifier::new("a".repeat(43))).is_ok());
        assert!(PkceChallenge::from_verifier(PkceVerifier::new("~".repeat(128))).is_ok());
    }
}
