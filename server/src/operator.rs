//! The operator's API description (`PORTCULLIS_CONFIG`, PRODUCT.md §8): its name, scopes,
//! application types, routes and OpenAPI file, read with the `toml` crate and checked. Every
//! problem names its line.

use crate::gate::{Access, PathPattern, Route, RouteTable, Upstream};
use axum::http::Method;
use domain::credentials::{Scope, ScopeInfo, check_operator_scope_name};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// The methods a route may name (`OPTIONS` is answered by Portcullis itself).
const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const DEFAULT_TIMEOUT_SECONDS: u64 = 30;
const MAX_TIMEOUT_SECONDS: u64 = 3600;
const MAX_DESCRIPTION: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    api: Spanned<ApiSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiSpec {
    name: Spanned<String>,
    openapi: Option<Spanned<String>>,
    #[serde(default)]
    scopes: Vec<Spanned<ScopeSpec>>,
    #[serde(default)]
    application_types: Vec<Spanned<ApplicationTypeSpec>>,
    #[serde(default)]
    routes: Vec<Spanned<RouteSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeSpec {
    name: Spanned<String>,
    description: Spanned<String>,
    #[serde(default)]
    default: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicationTypeSpec {
    id: Spanned<String>,
    label: Spanned<String>,
    guide_url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteSpec {
    path: Spanned<String>,
    methods: Spanned<Vec<Spanned<String>>>,
    scopes: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    restricted_tokens: bool,
    upstream: Option<Spanned<String>>,
    upstream_timeout_seconds: Option<Spanned<i64>>,
    #[serde(default)]
    forward_authorization: bool,
}

/// An application type (PRODUCT.md §10).
pub use domain::credentials::ApplicationType;

/// The operator's API, checked.
#[derive(Clone, Default)]
pub struct OperatorApi {
    pub name: String,
    pub scopes: Vec<ScopeInfo>,
    pub application_types: Vec<ApplicationType>,
    pub routes: RouteTable<Option<Upstream>>,
    /// The operator's OpenAPI description, parsed.
    pub openapi: Option<utoipa::openapi::OpenApi>,
    /// Lines of routes without an upstream (the gateway cannot serve them).
    pub routes_without_upstream: Vec<usize>,
}

impl fmt::Debug for OperatorApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperatorApi")
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("routes", &self.routes)
            .field("openapi", &self.openapi.is_some())
            .finish_non_exhaustive()
    }
}

/// A problem with the file, at a line (1-based; 0 when the file as a whole is wrong).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// Every problem found, in line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.line == 0 {
                write!(f, "{}: {}", self.file.display(), p.message)?;
            } else {
                write!(f, "{}:{}: {}", self.file.display(), p.line, p.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads and checks the file at `path`; the OpenAPI file it names is read relative to it.
pub fn load(path: &Path) -> Result<OperatorApi, ConfigError> {
    let fail = |message: String| ConfigError {
        file: path.to_path_buf(),
        problems: vec![Problem { line: 0, message }],
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base).map_err(|problems| ConfigError {
        file: path.to_path_buf(),
        problems,
    })
}

struct Checker<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }

    fn at<T>(&mut self, spanned: &Spanned<T>, message: impl Into<String>) {
        let line = self.line(spanned.span().start);
        self.problems.push(Problem {
            line,
            message: message.into(),
        });
    }
}

/// Checks a file's text; `base` is the folder its relative paths start from.
pub fn parse(text: &str, base: &Path) -> Result<OperatorApi, Vec<Problem>> {
    let mut check = Checker {
        text,
        problems: Vec::new(),
    };
    let spec: FileSpec = match toml::from_str(text) {
        Ok(spec) => spec,
        Err(e) => {
            let line = e.span().map_or(0, |span| check.line(span.start));
            let message = e.message().trim().to_string();
            return Err(vec![Problem { line, message }]);
        }
    };
    let api = spec.api.into_inner();
    let name = api.name.get_ref().trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        check.at(&api.name, "api.name must hold 1 to 100 characters");
    }
    let scopes = check_scopes(&mut check, &api.scopes);
    let application_types = check_application_types(&mut check, &api.application_types);
    let (routes, routes_without_upstream) = check_routes(&mut check, &api.routes, &scopes);
    let openapi = api
        .openapi
        .as_ref()
        .and_then(|file| read_openapi(&mut check, file, base));
    if !check.problems.is_empty() {
        check.problems.sort_by_key(|p| p.line);
        return Err(check.problems);
    }
    Ok(OperatorApi {
        name,
        scopes,
        application_types,
        routes: RouteTable::new(routes),
        openapi,
        routes_without_upstream,
    })
}

fn check_scopes(check: &mut Checker<'_>, specs: &[Spanned<ScopeSpec>]) -> Vec<ScopeInfo> {
    let mut scopes: Vec<ScopeInfo> = Vec::new();
    for spec in specs.iter().map(Spanned::get_ref) {
        let name = spec.name.get_ref();
        if let Err(why) = check_operator_scope_name(name) {
            check.at(&spec.name, format!("scope {name:?}: {why}"));
            continue;
        }
        if scopes.iter().any(|s| &s.name == name) {
            check.at(&spec.name, format!("scope {name:?} is declared twice"));
            continue;
        }
        let description = spec.description.get_ref().trim();
        if description.is_empty() || description.chars().count() > MAX_DESCRIPTION {
            check.at(
                &spec.description,
                format!("the description of {name:?} must hold 1 to {MAX_DESCRIPTION} characters"),
            );
        }
        scopes.push(ScopeInfo {
            name: name.clone(),
            description: description.to_string(),
            default: spec.default,
        });
    }
    scopes
}

fn check_application_types(
    check: &mut Checker<'_>,
    specs: &[Spanned<ApplicationTypeSpec>],
) -> Vec<ApplicationType> {
    let mut types: Vec<ApplicationType> = Vec::new();
    for spec in specs.iter().map(Spanned::get_ref) {
        let id = spec.id.get_ref();
        let slug = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug {
            check.at(
                &spec.id,
                format!("application type id {id:?}: lower-case letters, digits and -, at most 64"),
            );
        } else if types.iter().any(|t| &t.id == id) || id == "custom" {
            check.at(
                &spec.id,
                format!("application type {id:?} is declared twice (custom is built in)"),
            );
        }
        let label = spec.label.get_ref().trim();
        if label.is_empty() || label.chars().count() > 100 {
            check.at(
                &spec.label,
                "an application type's label must hold 1 to 100 characters",
            );
        }
        if let Some(url) = &spec.guide_url
            && !(url.get_ref().starts_with("https://") || url.get_ref().starts_with("http://"))
        {
            check.at(url, "guide_url must be an http(s) URL");
        }
        types.push(ApplicationType {
            id: id.clone(),
            label: label.to_string(),
            guide_url: spec.guide_url.as_ref().map(|u| u.get_ref().clone()),
        });
    }
    types
}

fn check_routes(
    check: &mut Checker<'_>,
    specs: &[Spanned<RouteSpec>],
    scopes: &[ScopeInfo],
) -> (Vec<Route<Option<Upstream>>>, Vec<usize>) {
    let mut routes: Vec<(usize, Route<Option<Upstream>>)> = Vec::new();
    let mut without_upstream = Vec::new();
    for spanned in specs {
        let spec = spanned.get_ref();
        let line = check.line(spec.path.span().start);
        let pattern = match PathPattern::parse(spec.path.get_ref()) {
            Ok(pattern) => Some(pattern),
            Err(why) => {
                check.at(&spec.path, format!("bad path pattern: {why}"));
                None
            }
        };
        let mut methods = Vec::new();
        if spec.methods.get_ref().is_empty() {
            check.at(&spec.methods, "a route names at least one method");
        }
        for method in spec.methods.get_ref() {
            let name = method.get_ref();
            match Method::from_bytes(name.as_bytes()) {
                Ok(m) if METHODS.contains(&name.as_str()) => {
                    if !methods.contains(&m) {
                        methods.push(m);
                    }
                }
                _ => check.at(
                    method,
                    format!("unknown method {name:?} (one of {})", METHODS.join(", ")),
                ),
            }
        }
        let mut needed = Vec::new();
        for scope in spec.scopes.get_ref() {
            let name = scope.get_ref();
            if name.starts_with("credentials:") {
                check.at(
                    scope,
                    format!(
                        "{name:?}: credentials:* scopes open Portcullis's own API, not a route"
                    ),
                );
            } else if !scopes.iter().any(|s| &s.name == name) {
                check.at(
                    scope,
                    format!("unknown scope {name:?}: declare it under [[api.scopes]]"),
                );
            } else if let Some(s) = Scope::from_name(name) {
                needed.push(s);
            }
        }
        needed.sort();
        needed.dedup();
        let timeout = match &spec.upstream_timeout_seconds {
            None => DEFAULT_TIMEOUT_SECONDS,
            Some(t) if (1..=MAX_TIMEOUT_SECONDS as i64).contains(t.get_ref()) => {
                *t.get_ref() as u64
            }
            Some(t) => {
                check.at(
                    t,
                    format!("upstream_timeout_seconds must be 1 to {MAX_TIMEOUT_SECONDS}"),
                );
                DEFAULT_TIMEOUT_SECONDS
            }
        };
        let upstream = match &spec.upstream {
            None => {
                without_upstream.push(line);
                None
            }
            Some(text) => match parse_upstream(text.get_ref()) {
                Ok(base) => Some(Upstream {
                    base,
                    timeout: Duration::from_secs(timeout),
                    forward_authorization: spec.forward_authorization,
                }),
                Err(why) => {
                    check.at(text, why);
                    None
                }
            },
        };
        let Some(pattern) = pattern else { continue };
        let route = Route {
            pattern,
            methods,
            access: Access {
                scopes: needed,
                restricted_tokens: spec.restricted_tokens,
            },
            target: upstream,
        };
        if let Some((other_line, other)) = routes.iter().find(|(_, other)| {
            other.pattern.overlaps(&route.pattern)
                && other.methods.iter().any(|m| route.methods.contains(m))
        }) {
            check.at(
                &spec.path,
                format!(
                    "this route overlaps the route of line {other_line} ({} and {} can match the same request)",
                    route.pattern.as_str(),
                    other.pattern.as_str()
                ),
            );
            continue;
        }
        routes.push((line, route));
    }
    (
        routes.into_iter().map(|(_, r)| r).collect(),
        without_upstream,
    )
}

/// `http(s)://host[:port]`, nothing more.
fn parse_upstream(text: &str) -> Result<http::Uri, String> {
    let bad =
        || format!("upstream {text:?} must be http(s)://host[:port], with no path, query or user");
    let uri: http::Uri = text.parse().map_err(|_| bad())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http") | Some("https"));
    let Some(authority) = uri.authority() else {
        return Err(bad());
    };
    let path_ok = matches!(uri.path(), "" | "/") && uri.query().is_none();
    if !scheme_ok || !path_ok || authority.as_str().contains('@') || authority.host().is_empty() {
        return Err(bad());
    }
    if text.ends_with('/') || text.contains('?') || text.contains('#') {
        return Err(bad());
    }
    Ok(uri)
}

fn read_openapi(
    check: &mut Checker<'_>,
    file: &Spanned<String>,
    base: &Path,
) -> Option<utoipa::openapi::OpenApi> {
    let path = base.join(file.get_ref());
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            check.at(
                file,
                format!("cannot read the OpenAPI file {}: {e}", path.display()),
            );
            return None;
        }
    };
    match serde_json::from_str::<utoipa::openapi::OpenApi>(&text) {
        Ok(doc) => Some(doc),
        Err(e) => {
            check.at(
                file,
                format!("the OpenAPI file is not an OpenAPI 3 description in JSON: {e}"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[api]
name = "Acme Orders API"

[[api.scopes]]
name = "orders:read"
description = "Read orders"
default = true

[[api.scopes]]
name = "orders:write"
description = "Create and change orders"

[[api.routes]]
path = "/orders/{id}"
methods = ["GET"]
scopes = ["orders:read"]
restricted_tokens = true
upstream = "http://127.0.0.1:9000"

[[api.routes]]
path = "/orders"
methods = ["POST"]
scopes = ["orders:write"]
upstream = "https://orders.internal:8443"
upstream_timeout_seconds = 5
"#;

    fn problems(text: &str) -> Vec<Problem> {
        parse(text, Path::new(".")).unwrap_err()
    }

    #[test]
    fn a_good_file_gives_its_routes() {
        let api = parse(GOOD, Path::new(".")).unwrap();
        assert_eq!(api.name, "Acme Orders API");
        assert_eq!(api.scopes.len(), 2);
        let routes = api.routes.routes();
        assert_eq!(routes.len(), 2);
        assert!(routes[0].access.restricted_tokens);
        assert_eq!(
            routes[1].target.as_ref().unwrap().timeout,
            Duration::from_secs(5)
        );
    }

    #[test]
    fn each_problem_names_its_line() {
        let unknown_key = GOOD.replace("restricted_tokens = true", "restricted = true");
        let p = problems(&unknown_key);
        assert_eq!(p[0].line, 18, "{p:?}");
        assert!(p[0].message.contains("restricted"), "{p:?}");

        let bad_scope = GOOD.replace(
            "scopes = [\"orders:write\"]",
            "scopes = [\"orders:delete\"]",
        );
        let p = problems(&bad_scope);
        assert_eq!((p[0].line, p.len()), (24, 1), "{p:?}");
        assert!(p[0].message.contains("unknown scope"), "{p:?}");

        let own = GOOD.replace(
            "scopes = [\"orders:write\"]",
            "scopes = [\"credentials:write\"]",
        );
        assert!(problems(&own)[0].message.contains("credentials:*"));

        let pattern = GOOD.replace("/orders/{id}", "/orders/{*rest}/x");
        assert_eq!(problems(&pattern)[0].line, 15);

        let overlap = GOOD
            .replace("path = \"/orders\"", "path = \"/orders/new\"")
            .replace("methods = [\"POST\"]", "methods = [\"GET\", \"POST\"]");
        let p = problems(&overlap);
        assert_eq!(p[0].line, 22, "{p:?}");
        assert!(p[0].message.contains("line 15"), "{p:?}");

        for upstream in [
            "ftp://x",
            "http://x/path",
            "http://u@x",
            "http://x?q",
            "x:80",
        ] {
            let text = GOOD.replace("http://127.0.0.1:9000", upstream);
            let p = problems(&text);
            assert_eq!(p[0].line, 19, "{upstream}: {p:?}");
        }

        let syntax = GOOD.replace("methods = [\"GET\"]", "methods = [\"GET\"");
        assert!([16, 17].contains(&problems(&syntax)[0].line));

        let scope_name = GOOD.replace("name = \"orders:read\"", "name = \"orders read\"");
        assert_eq!(problems(&scope_name)[0].line, 6);

        let method = GOOD.replace("methods = [\"GET\"]", "methods = [\"FETCH\"]");
        assert_eq!(problems(&method)[0].line, 16);

        let timeout = GOOD.replace(
            "upstream_timeout_seconds = 5",
            "upstream_timeout_seconds = 0",
        );
        assert_eq!(problems(&timeout)[0].line, 26);
    }
}
