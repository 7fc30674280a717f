//! Checking the redirect that brings the user back from Fitbit's consent page.

use url::Url;

use crate::error::AuthorizationError;
use crate::secret::AuthorizationCode;
use crate::state::CsrfState;

/// Extracts the authorization code from the redirect Fitbit sent the browser
/// to, after checking its `state`.
///
/// `redirect` may be the full URL (as pasted from the address bar), the
/// request target a local callback server saw (`/callback?code=…`), or just
/// the query (`code=…&state=…`, with or without `?`). The `#_=_` fragment
/// Fitbit appends is ignored.
///
/// The `state` is compared in constant time. A missing or different `state`
/// is refused; `error=access_denied` and other OAuth errors become
/// [`AuthorizationError`]s. Error messages never repeat the code.
///
/// ```
/// use fitbit_auth::{parse_callback, AuthorizationError, CsrfState};
///
/// let state = CsrfState::new("xyz");
/// let code = parse_callback("http://127.0.0.1:8080/cb?code=abc123&state=xyz#_=_", &state)?;
/// assert_eq!(code.secret(), "abc123");
///
/// assert_eq!(
///     parse_callback("?error=access_denied&state=xyz", &state),
///     Err(AuthorizationError::AccessDenied),
/// );
/// assert_eq!(parse_callback("code=abc123&state=forged", &state), Err(AuthorizationError::StateMismatch));
/// # Ok::<(), AuthorizationError>(())
/// ```
pub fn parse_callback(
    redirect: &str,
    expected_state: &CsrfState,
) -> Result<AuthorizationCode, AuthorizationError> {
    let params = CallbackParams::parse(redirect)?;

    if let Some(error) = params.error {
        // An error redirect is only refused for a *wrong* state: Fitbit may
        // omit state on errors, and reporting the error is harmless.
        if params.state.as_deref().is_some_and(|received| !expected_state.matches(received)) {
            return Err(AuthorizationError::StateMismatch);
        }
        return Err(if error == "access_denied" {
            AuthorizationError::AccessDenied
        } else {
            AuthorizationError::OAuth { code: error, description: params.error_description }
        });
    }

    let received = params.state.ok_or(AuthorizationError::MissingState)?;
    if !expected_state.matches(&received) {
        return Err(AuthorizationError::StateMismatch);
    }
    match params.code {
        Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
        _ => Err(AuthorizationError::MissingCode),
    }
}

/// The parameters of a redirect that matter here.
#[derive(Default)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl CallbackParams {
    fn parse(redirect: &str) -> Result<Self, AuthorizationError> {
        let query = query_of(redirect)?;
        let mut params = CallbackParams::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                _ => continue,
            };
            // RFC 6749 §3.1: parameters must not repeat. Two codes or two
            // states mean someone tampered with the URL.
            if slot.replace(value.into_owned()).is_some() {
                return Err(AuthorizationError::MalformedRedirect(format!(
                    "the parameter `{name}` appears twice"
                )));
            }
        }
        Ok(params)
    }
}

/// The query part of whatever form the redirect was given in, fragment removed.
fn query_of(redirect: &str) -> Result<String, AuthorizationError> {
    let trimmed = redirect.trim();
    // Fitbit appends `#_=_`; a fragment never carries the code in this flow.
    let without_fragment = trimmed.split_once('#').map_or(trimmed, |(before, _)| before);
    if without_fragment.is_empty() {
        return Err(AuthorizationError::MalformedRedirect("the redirect is empty".into()));
    }
    if without_fragment.contains("://") {
        // The message names the problem, not the URL: it carries the code.
        let url = Url::parse(without_fragment)
            .map_err(|err| AuthorizationError::MalformedRedirect(format!("not a valid URL ({err})")))?;
        return Ok(url.query().unwrap_or_default().to_owned());
    }
    Ok(match without_fragment.split_once('?') {
        Some((_path, query)) => query.to_owned(),
        None => without_fragment.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> CsrfState {
        CsrfState::new("s-123")
    }

    #[test]
    fn accepts_url_path_and_bare_query_and_strips_the_fragment() {
        for redirect in [
            "http://127.0.0.1:8080/callback?code=the-code&state=s-123#_=_",
            "https://example.com/cb?code=the-code&state=s-123",
            "/callback?state=s-123&code=the-code#_=_",
            "?code=the-code&state=s-123",
            "code=the-code&state=s-123#_=_",
            "  code=the-code&state=s-123\n",
        ] {
            let code = parse_callback(redirect, &state()).unwrap_or_else(|e| panic!("{redirect}: {e}"));
            assert_eq!(code.secret(), "the-code", "{redirect}");
        }
    }

    #[test]
    fn the_fragment_is_not_part_of_the_state() {
        // Without stripping, the state would read `s-123#_=_` and mismatch;
        // with a naive split on `=`, the code could swallow the fragment.
        let code = parse_callback("code=c0de&state=s-123#_=_", &state()).unwrap();
        assert_eq!(code.secret(), "c0de");
    }

    #[test]
    fn percent_encoded_values_are_decoded() {
        let state = CsrfState::new("a b/c");
        let code = parse_callback("code=x%2By&state=a%20b%2Fc", &state).unwrap();
        assert_eq!(code.secret(), "x+y");
    }

    #[test]
    fn forged_or_missing_state_is_refused() {
        assert_eq!(parse_callback("code=c&state=s-124", &state()), Err(AuthorizationError::StateMismatch));
        assert_eq!(parse_callback("code=c&state=", &state()), Err(AuthorizationError::StateMismatch));
        assert_eq!(parse_callback("code=c&state=s-123x", &state()), Err(AuthorizationError::StateMismatch));
        assert_eq!(parse_callback("code=c", &state()), Err(AuthorizationError::MissingState));
    }

    #[test]
    fn repeated_parameters_are_refused() {
        let err = parse_callback("code=a&code=b&state=s-123", &state()).unwrap_err();
        assert!(matches!(err, AuthorizationError::MalformedRedirect(_)));
        let err = parse_callback("code=a&state=forged&state=s-123", &state()).unwrap_err();
        assert!(matches!(err, AuthorizationError::MalformedRedirect(_)));
    }

    #[test]
    fn oauth_errors_are_classified() {
        assert_eq!(
            parse_callback("http://localhost/cb?error=access_denied&state=s-123#_=_", &state()),
            Err(AuthorizationError::AccessDenied)
        );
        assert_eq!(parse_callback("error=access_denied", &state()), Err(AuthorizationError::AccessDenied));
        assert_eq!(
            parse_callback("error=invalid_scope&error_description=Unknown+scope&state=s-123", &state()),
            Err(AuthorizationError::OAuth {
                code: "invalid_scope".into(),
                description: Some("Unknown scope".into())
            })
        );
        // A forged error redirect is refused like a forged code.
        assert_eq!(
            parse_callback("error=access_denied&state=other", &state()),
            Err(AuthorizationError::StateMismatch)
        );
    }

    #[test]
    fn missing_code_and_garbage_are_errors_not_panics() {
        assert_eq!(parse_callback("state=s-123", &state()), Err(AuthorizationError::MissingCode));
        assert_eq!(parse_callback("code=&state=s-123", &state()), Err(AuthorizationError::MissingCode));
        for garbage in ["", "#_=_", "   ", "http://[::1", "%%%&&&==="] {
            assert!(parse_callback(garbage, &state()).is_err(), "{garbage:?}");
        }
    }

    #[test]
    fn errors_never_repeat_the_code() {
        let err = parse_callback("http://[bad/cb?code=SECRETCODE123&state=s-123", &state()).unwrap_err();
        assert!(!err.to_string().contains("SECRETCODE123"));
        assert!(!format!("{err:?}").contains("SECRETCODE123"));
    }
}
