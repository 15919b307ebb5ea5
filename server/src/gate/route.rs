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
    Param,
    /// `{*rest}`: one or more segments, only last.
    Rest,
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
                        Some(name) if last => (name, Segment::Rest),
                        Some(_) => {
                            return Err(format!("{{*...}} must be the last segment: {text:?}"));
                        }
                        None => (inner, Segment::Param),
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
                Segment::Rest => return parts.next().is_some_and(|p| !p.is_empty()),
                Segment::Param => {
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

    /// Could one path match both patterns?
    pub fn overlaps(&self, other: &PathPattern) -> bool {
        fn go(a: &[Segment], b: &[Segment]) -> bool {
            match (a.first(), b.first()) {
                (None, None) => true,
                (Some(Segment::Rest), Some(_)) | (Some(_), Some(Segment::Rest)) => true,
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub pattern: PathPattern,
    pub methods: Vec<Method>,
    pub access: Access,
    pub upstream: Option<Upstream>,
}

impl Route {
    /// `HEAD` is answered by a `GET` route.
    pub fn allows(&self, method: &Method) -> bool {
        self.methods.contains(method)
            || (*method == Method::HEAD && self.methods.contains(&Method::GET))
    }
}

/// What a table says of a request.
pub enum Lookup<'a> {
    Found(&'a Route),
    /// The path is known, not for this method (preflight still answers).
    OtherMethods(Vec<&'a Route>),
    NoRoute,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// Routes that do not overlap (the config's check makes sure; Portcullis's own are fixed).
    pub fn new(routes: Vec<Route>) -> RouteTable {
        RouteTable { routes }
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    pub fn lookup(&self, method: &Method, path: &str) -> Lookup<'_> {
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
}
