//! Allowed Origins: `http` or `https`, a host and an optional port, nothing else.

use super::split_list;
use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_ORIGINS: usize = 50;

/// A normalized origin: lowercase host, no default port, no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AllowedOrigin(String);

impl AllowedOrigin {
    pub fn parse(entry: &str) -> Result<Self, String> {
        let entry = entry.trim();
        let refuse = |why: &str| Err(format!("not an origin ({why}): {entry}"));
        if entry.contains('*') {
            return refuse("wildcards are not allowed");
        }
        // Checked on the text: the two parsers below differ on an empty `?` or `#`.
        if entry.contains(['?', '#']) {
            return refuse("no query or fragment");
        }
        let Some(url) = whatwg::Parts::parse(entry) else {
            return refuse("expected scheme://host[:port]");
        };
        let (scheme, host) = (url.scheme(), url.host());
        if scheme != "http" && scheme != "https" {
            return refuse("only http and https");
        }
        if host.is_empty() {
            return refuse("no host");
        }
        if url.has_user_info() {
            return refuse("no user information");
        }
        if url.path() != "/" || entry.trim_end_matches('/').matches('/').count() > 2 {
            return refuse("no path");
        }
        let origin = match url.port() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
        Ok(AllowedOrigin(origin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Up to 50 origins, duplicates merged, in the order first given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<AllowedOrigin>);

impl AllowedOrigins {
    pub const FIELD: &'static str = "allowed_origins";

    /// Parses a comma-separated list as typed in the console.
    pub fn parse_list(input: &str) -> Result<Self, FieldError> {
        Self::parse_entries(split_list(input))
    }

    pub fn parse_entries<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, FieldError> {
        let mut origins: Vec<AllowedOrigin> = Vec::new();
        for entry in entries {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let origin =
                AllowedOrigin::parse(entry).map_err(|e| FieldError::new(Self::FIELD, e))?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
            if origins.len() > MAX_ORIGINS {
                return Err(FieldError::new(
                    Self::FIELD,
                    format!("at most {MAX_ORIGINS} origins"),
                ));
            }
        }
        Ok(AllowedOrigins(origins))
    }

    pub fn as_slice(&self) -> &[AllowedOrigin] {
        &self.0
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|o| o.0.clone()).collect()
    }
}

/// The parts of a URL the rules above look at, from the WHATWG URL parser: the `url` crate on
/// the server, the browser's own `URL` in the WASM build (which then carries no IDNA tables).
/// On the server the parts are borrowed from the parsed URL: the gate parses a request's
/// `Origin` this way on every browser call.
mod whatwg {
    #[cfg(not(target_arch = "wasm32"))]
    pub struct Parts(url::Url);

    #[cfg(not(target_arch = "wasm32"))]
    impl Parts {
        pub fn parse(entry: &str) -> Option<Parts> {
            url::Url::parse(entry).ok().map(Parts)
        }

        /// Without the `:`.
        pub fn scheme(&self) -> &str {
            self.0.scheme()
        }

        /// Lowercase, IDNA applied, IPv6 in brackets; empty when there is none.
        pub fn host(&self) -> &str {
            self.0.host_str().unwrap_or_default()
        }

        /// `None` for the scheme's default port.
        pub fn port(&self) -> Option<u16> {
            self.0.port()
        }

        pub fn has_user_info(&self) -> bool {
            !self.0.username().is_empty() || self.0.password().is_some()
        }

        pub fn path(&self) -> &str {
            self.0.path()
        }
    }

    #[cfg(target_arch = "wasm32")]
    pub struct Parts {
        scheme: String,
        host: String,
        port: Option<u16>,
        has_user_info: bool,
        path: String,
    }

    #[cfg(target_arch = "wasm32")]
    impl Parts {
        pub fn parse(entry: &str) -> Option<Parts> {
            let url = web_sys::Url::new(entry).ok()?;
            let protocol = url.protocol();
            let port = url.port();
            Some(Parts {
                scheme: protocol.strip_suffix(':').unwrap_or(&protocol).to_owned(),
                host: url.hostname(),
                port: if port.is_empty() {
                    None
                } else {
                    Some(port.parse().ok()?)
                },
                has_user_info: !url.username().is_empty() || !url.password().is_empty(),
                path: url.pathname(),
            })
        }

        pub fn scheme(&self) -> &str {
            &self.scheme
        }

        pub fn host(&self) -> &str {
            &self.host
        }

        pub fn port(&self) -> Option<u16> {
            self.port
        }

        pub fn has_user_info(&self) -> bool {
            self.has_user_info
        }

        pub fn path(&self) -> &str {
            &self.path
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized() {
        for (input, expected) in [
            ("https://Example.COM", "https://example.com"),
            ("https://example.com/", "https://example.com"),
            ("https://example.com:443", "https://example.com"),
            ("http://example.com:80/", "http://example.com"),
            ("http://localhost:3000", "http://localhost:3000"),
            (
                "https://app.example.com:8443",
                "https://app.example.com:8443",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:5173", "http://[::1]:5173"),
        ] {
            assert_eq!(
                AllowedOrigin::parse(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn non_origins_are_refused_by_name() {
        for bad in [
            "*",
            "https://*.example.com",
            "https://example.com/path",
            "https://example.com//",
            "https://example.com/?q=1",
            "https://example.com#top",
            "https://example.com?",
            "https://example.com/#",
            "ftp://example.com",
            "example.com",
            "https://user:pw@example.com",
            "javascript:alert(1)",
            "https://",
            "null",
        ] {
            let err = AllowedOrigin::parse(bad).unwrap_err();
            assert!(err.starts_with("not an origin"), "{bad}: {err}");
            assert!(err.ends_with(bad), "the message names the entry: {err}");
        }
    }

    #[test]
    fn lists_merge_duplicates_and_cap_at_50() {
        let list =
            AllowedOrigins::parse_list("https://a.com, https://A.com/, http://b.com,").unwrap();
        assert_eq!(list.to_strings(), ["https://a.com", "http://b.com"]);
        assert!(
            AllowedOrigins::parse_list("")
                .unwrap()
                .as_slice()
                .is_empty()
        );
        let fifty: Vec<String> = (0..50).map(|i| format!("https://h{i}.example")).collect();
        assert!(AllowedOrigins::parse_list(&fifty.join(",")).is_ok());
        let fifty_one: Vec<String> = (0..51).map(|i| format!("https://h{i}.example")).collect();
        let err = AllowedOrigins::parse_list(&fifty_one.join(",")).unwrap_err();
        assert_eq!(err.field, "allowed_origins");
        let err = AllowedOrigins::parse_list("https://ok.com, https://bad.com/x").unwrap_err();
        assert_eq!(err.message, "not an origin (no path): https://bad.com/x");
    }
}
