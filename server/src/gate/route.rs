//! The route table the gate enforces: path patterns (`{name}` one segment, `{*rest}` the rest),
//! methods, and who may call (scopes, Restricted Access Tokens). Portcullis's own `/api/v1`
//! and the operator's API are both tables of this kind.

use axum::http::Method;
use domain::credentials::Scope;
use std::time::Duration;

/// One segment of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: any one non-empty segment.
    Param(String),
    /// `{*name}`: one or more segments, only last.
    Rest(String),
}

/// A path pattern such as `/orders/{id}` or `/files/{*path}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    segments: Vec<Segment>,
}

/// Characters a literal segment may hold: RFC 3986 `pchar` without `%` (patterns are written
/// decoded, as the normalized paths they are matched against).
fn is_literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c)
}

impl PathPattern {
    pub fn parse(text: &str) -> Result<PathPattern, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("a path starts with /: {text:?}"));
        };
        let mut segments = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        if !rest.is_empty() {
            let parts: Vec<&str> = rest.split('/').collect();
            for (i, part) in parts.iter().enumerate() {
                let last = i + 1 == parts.len();
                if part.is_empty() {
                    return Err(format!("empty segment (//) in {text:?}"));
                }
                let segment = if let Some(inner) =
                    part.strip_prefix('{').and_then(|p| p.strip_suffix('}'))
                {
                    let (name, segment) = match inner.strip_prefix('*') {
                        Some(name) if last => (name, Segment::Rest(name.to_string())),
                        Some(_) => {
                            return Err(format!("{{*...}} must be the last segment: {text:?}"));
                        }
                        None => (inner, Segment::Param(inner.to_string())),
                    };
                    let valid = name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !valid {
                        return Err(format!("bad parameter name {{{inner}}} in {text:?}"));
                    }
                    if names.contains(&name) {
                        return Err(format!("parameter {{{name}}} appears twice in {text:?}"));
                    }
                    names.push(name);
                    segment
                } else if part.chars().all(is_literal_char) && *part != "." && *part != ".." {
                    Segment::Literal((*part).to_string())
                } else {
                    return Err(format!(
                        "bad segment {part:?} in {text:?} (letters, digits and -._~!$&'()*+,;=:@, or {{name}} / {{*name}})"
                    ));
                };
                segments.push(segment);
            }
        }
        Ok(PathPattern {
            text: text.to_string(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Does a normalized path (see `gate::path::normalize`) match?
    pub fn matches(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix('/') else {
            return false;
        };
        if rest.is_empty() {
            return self.segments.is_empty();
        }
        let mut parts = rest.split('/');
        for segment in &self.segments {
            match segment {
                Segment::Rest(_) => return parts.next().is_some_and(|p| !p.is_empty()),
                Segment::Param(_) => {
                    if parts.next().is_none_or(str::is_empty) {
                        return false;
                    }
                }
                Segment::Literal(literal) => {
                    if parts.next() != Some(literal.as_str()) {
                        return false;
                    }
                }
            }
        }
        parts.next().is_none()
    }

    /// The segment that `{name}` stands for in a path this pattern matches, as it is written
    /// in the path (still percent-encoded).
    pub fn param<'p>(&self, path: &'p str, name: &str) -> Option<&'p str> {
        let mut parts = path.strip_prefix('/')?.split('/');
        for segment in &self.segments {
            let part = parts.next()?;
            if matches!(segment, Segment::Param(n) if n == name) {
                return Some(part);
            }
        }
        None
    }

    /// Could one path match both patterns?
    pub fn overlaps(&self, other: &PathPattern) -> bool {
        fn go(a: &[Segment], b: &[Segment]) -> bool {
            match (a.first(), b.first()) {
                (None, None) => true,
                (Some(Segment::Rest(_)), Some(_)) | (Some(_), Some(Segment::Rest(_))) => true,
                (None, Some(_)) | (Some(_), None) => false,
                (Some(Segment::Literal(x)), Some(Segment::Literal(y))) if x != y => false,
                _ => go(&a[1..], &b[1..]),
            }
        }
        go(&self.segments, &other.segments)
    }
}

/// Who may call a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// Every one is needed; empty means any valid credential.
    pub scopes: Vec<Scope>,
    /// May Restricted Access Tokens call it?
    pub restricted_tokens: bool,
}

/// Where the gateway sends a route's requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// `http(s)://host[:port]`.
    pub base: http::uri::Uri,
    pub timeout: Duration,
    /// Keep the client's `Authorization` header.
    pub forward_authorization: bool,
}

/// A route: where, for which methods, who may call, and what serves it (`T`): for the
/// operator's API its upstream (none: only forward-auth guards it), for `/api/v1` its handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route<T> {
    pub pattern: PathPattern,
    pub methods: Vec<Method>,
    pub access: Access,
    pub target: T,
}

impl<T> Route<T> {
    /// `HEAD` is answered by a `GET` route.
    pub fn allows(&self, method: &Method) -> bool {
        self.methods.contains(method)
            || (*method == Method::HEAD && self.methods.contains(&Method::GET))
    }
}

/// What a table says of a request.
pub enum Lookup<'a, T> {
    Found(&'a Route<T>),
    /// The path is known, not for this method (preflight still answers).
    OtherMethods(Vec<&'a Route<T>>),
    NoRoute,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTable<T> {
    routes: Vec<Route<T>>,
}

impl<T> Default for RouteTable<T> {
    fn default() -> Self {
        RouteTable { routes: Vec::new() }
    }
}

impl<T> RouteTable<T> {
    /// Routes that do not overlap (the config's check makes sure for the operator's; for
    /// `/api/v1`'s, a test).
    pub fn new(routes: Vec<Route<T>>) -> RouteTable<T> {
        RouteTable { routes }
    }

    pub fn routes(&self) -> &[Route<T>] {
        &self.routes
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    pub fn lookup(&self, method: &Method, path: &str) -> Lookup<'_, T> {
        let mut same_path = Vec::new();
        for route in &self.routes {
            if route.pattern.matches(path) {
                if route.allows(method) {
                    return Lookup::Found(route);
                }
                same_path.push(route);
            }
        }
        if same_path.is_empty() {
            Lookup::NoRoute
        } else {
            Lookup::OtherMethods(same_path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> PathPattern {
        PathPattern::parse(text).unwrap()
    }

    #[test]
    fn patterns_match_segments() {
        assert!(p("/orders/{id}").matches("/orders/42"));
        assert!(!p("/orders/{id}").matches("/orders"));
        assert!(!p("/orders/{id}").matches("/orders/"));
        assert!(!p("/orders/{id}").matches("/orders/42/items"));
        assert!(p("/files/{*rest}").matches("/files/a/b/c"));
        assert!(!p("/files/{*rest}").matches("/files"));
        assert!(!p("/files/{*rest}").matches("/files/"));
        assert!(p("/").matches("/"));
        assert!(!p("/").matches("/x"));
        assert!(!p("/orders").matches("orders"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "orders",
            "/a//b",
            "/{*rest}/x",
            "/{1x}",
            "/{id}/{id}",
            "/a b",
            "/%2e",
            "/..",
            "/{}",
        ] {
            assert!(PathPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overlaps_are_found() {
        assert!(p("/orders/{id}").overlaps(&p("/orders/new")));
        assert!(p("/orders/{*rest}").overlaps(&p("/orders/{id}")));
        assert!(!p("/orders/{id}").overlaps(&p("/orders")));
        assert!(!p("/orders/{id}").overlaps(&p("/items/{id}")));
        assert!(p("/{*rest}").overlaps(&p("/a/b/c")));
    }

    #[test]
    fn parameters_are_read_from_the_path() {
        let pattern = p("/api/v1/api-clients/{id}/rotate-secret");
        let path = "/api/v1/api-clients/cl_42/rotate-secret";
        assert!(pattern.matches(path));
        assert_eq!(pattern.param(path, "id"), Some("cl_42"));
        assert_eq!(pattern.param(path, "other"), None);
        assert_eq!(p("/a/{x}/{y}").param("/a/1/2", "y"), Some("2"));
    }
}
