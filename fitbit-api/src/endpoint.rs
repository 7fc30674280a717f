//! Operation URLs: the base URL is parsed once, when the client is built, and
//! each operation's path is joined to it.
//!
//! progenitor formats `"{baseurl}/1/user/…"` and reqwest parses that whole
//! text again for every request, scheme and host included (an IP address
//! or a domain name goes through the IDNA mapping each time). The generated
//! code calls [`Client::endpoint_url`] with the path relative to the base
//! instead (xtask, `OperationUrlsFromParsedBase`): joining parses only the
//! path, with the same rules, so the URL is the same.

use url::Url;

use crate::generated_client::Client;

/// The client's base URL as it was given, and parsed with its path ending in
/// `/`, so that a relative path joins below it rather than replacing its last
/// segment.
#[derive(Debug)]
pub(crate) struct BaseUrl {
    text: String,
    url: Url,
}

impl BaseUrl {
    /// Accepts an absolute `http` or `https` URL without query or fragment
    /// (operation paths go after it, so neither would survive).
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut url = Url::parse(text).map_err(|err| err.to_string())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("the scheme must be http or https, not `{}`", url.scheme()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("a base URL cannot have a query or a fragment".into());
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self { text: text.to_owned(), url })
    }
}

impl Client {
    /// The URL of an operation. `relative` is its path without the leading
    /// `/`, path parameters already percent-encoded; it always starts with a
    /// fixed segment (`1`, `1.1`, `1.2`), so it cannot read as a scheme or a
    /// host.
    ///
    /// An error only when the base URL itself is invalid, which the builder
    /// rules out; a client made with `Client::new` from another client's
    /// middleware has a base of its own, which is parsed here as progenitor
    /// would.
    pub(crate) fn endpoint_url(&self, relative: &str) -> Result<Url, String> {
        let base = self.middleware().base_url();
        let joined = if base.text == self.baseurl() {
            base.url.join(relative)
        } else {
            Url::parse(&format!("{}/{relative}", self.baseurl()))
        };
        joined.map_err(|err| format!("the URL of `/{relative}` below `{}`: {err}", self.baseurl()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What progenitor's code builds: the base's text, `/`, the path, parsed.
    fn progenitor_url(base: &str, relative: &str) -> Url {
        Url::parse(&format!("{base}/{relative}")).expect("a valid URL")
    }

    #[test]
    fn joins_to_the_url_progenitor_would_build() {
        let bases = [
            "https://api.fitbit.com",
            "http://127.0.0.1:43123",
            "http://[::1]:8080",
            "http://localhost:9000/fitbit",
            "https://proxy.example.org/a%20b/api",
            "HTTPS://API.Fitbit.COM",
            "https://bücher.example",
        ];
        let paths = [
            "1/user/-/profile.json",
            "1.2/user/GGNJL9/sleep/date/2026-03-01.json",
            "1/user/-/activities/heart/date/today/1d/1sec/time/00:00/23:59.json",
            "1/user/a%20b%2Fc%3Fd%25%C3%A9/profile.json",
            "1/user/-/foods/log/favorite/{x}|^[].json",
            "1/user/-/./../profile.json",
            "1/user/-/body/log/weight/date/2026-01-01.json?",
            "",
        ];
        for base in bases {
            let parsed = BaseUrl::parse(base).unwrap();
            for path in paths {
                assert_eq!(parsed.url.join(path).unwrap(), progenitor_url(base, path), "{base} + {path}");
            }
        }
    }

    #[test]
    fn the_base_path_always_ends_in_a_slash() {
        assert_eq!(BaseUrl::parse("http://h:1").unwrap().url.as_str(), "http://h:1/");
        assert_eq!(BaseUrl::parse("http://h:1/prefix").unwrap().url.as_str(), "http://h:1/prefix/");
        assert_eq!(BaseUrl::parse("http://h:1/prefix/").unwrap().url.as_str(), "http://h:1/prefix/");
    }

    #[test]
    fn refuses_what_a_path_cannot_follow() {
        for (base, expected) in [
            ("api.fitbit.com", "relative URL without a base"),
            ("ftp://api.fitbit.com", "http or https, not `ftp`"),
            ("mailto:someone@example.org", "http or https"),
            ("https://api.fitbit.com/?key=1", "query or a fragment"),
            ("https://api.fitbit.com/#top", "query or a fragment"),
            ("http://[::1", "invalid IPv6"),
        ] {
            let err = BaseUrl::parse(base).expect_err(base);
            assert!(err.contains(expected), "{base}: {err}");
        }
    }
}
