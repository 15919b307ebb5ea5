//! `/api/v1`'s one route table: for each endpoint, its path and method (read from its OpenAPI
//! description, so the two cannot differ), who may call it, and its handler. The gate looks a
//! request up once, checks the caller against the route, then calls the route's handler: there
//! is no second router behind it.

use super::{audit, lifecycle, lists, usage};
use crate::AppState;
use crate::gate::{Access, PathPattern, Route, RouteTable};
use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use domain::credentials::Scope;
use futures::future::BoxFuture;
use services::{AuditReader, ClientManager, CredentialViewer, TokenManager};
use std::sync::LazyLock;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::Paths;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

/// What serves a route: an axum handler (its extractors and answer types as usual), called
/// without a router.
pub struct Endpoint {
    name: &'static str,
    call: Box<Call>,
}

type Call = dyn Fn(Request, AppState) -> BoxFuture<'static, Response> + Send + Sync;

impl Endpoint {
    /// axum boxes the future of a function handler already (`BoxFuture`): it is used as it is.
    fn new<H, X>(name: &'static str, handler: H) -> Endpoint
    where
        H: axum::handler::Handler<X, AppState, Future = BoxFuture<'static, Response>>,
    {
        Endpoint {
            name,
            call: Box::new(move |request, state| {
                axum::handler::Handler::call(handler.clone(), request, state)
            }),
        }
    }

    pub fn call(&self, request: Request, state: AppState) -> BoxFuture<'static, Response> {
        (self.call)(request, state)
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The table and the OpenAPI description of `/api/v1`, with each operation's `security`
/// written from the table (`docs::openapi::set_security`).
pub struct V1 {
    pub table: RouteTable<Endpoint>,
    pub description: OpenApi,
    /// Every method of the table (and `OPTIONS`), for preflights.
    pub methods: axum::http::HeaderValue,
}

/// Made once: the handlers capture nothing, and the gate hands each request a `'static`
/// reference to its route's pattern (`extract::Matched`).
pub static V1: LazyLock<V1> = LazyLock::new(build);

/// An endpoint: its description (`routes!`, from its `#[utoipa::path]`), its handler, and who
/// may call it.
macro_rules! endpoint {
    ($handler:path, $access:expr) => {
        (
            routes!($handler),
            Endpoint::new(stringify!($handler), $handler),
            $access,
        )
    };
}

fn needs(scopes: &[&Scope], restricted_tokens: bool) -> Access {
    Access {
        scopes: scopes.iter().map(|s| (*s).clone()).collect(),
        restricted_tokens,
    }
}

/// Who may call each endpoint (PRODUCT.md §6): `GET /me` any credential; reading a collection
/// needs the viewer's scope, changing it its manager's (the scopes the handlers' permission
/// handles ask for: `CredentialViewer::SCOPE`, ...); only `/me` takes Restricted Access Tokens.
fn build() -> V1 {
    let read = needs(&[&CredentialViewer::SCOPE], false);
    let clients = needs(&[&ClientManager::SCOPE], false);
    let tokens = needs(&[&TokenManager::SCOPE], false);
    let endpoints: Vec<(UtoipaMethodRouter<AppState>, Endpoint, Access)> = vec![
        endpoint!(super::me, needs(&[], true)),
        endpoint!(lists::list_api_clients, read.clone()),
        endpoint!(super::create_api_client, clients.clone()),
        endpoint!(super::update_api_client, clients.clone()),
        endpoint!(super::delete_api_client, clients.clone()),
        endpoint!(usage::api_client_usage, read.clone()),
        endpoint!(lifecycle::rotate_secret, clients),
        endpoint!(lists::list_restricted_tokens, read.clone()),
        endpoint!(super::create_restricted_token, tokens.clone()),
        endpoint!(super::update_restricted_token, tokens.clone()),
        endpoint!(super::delete_restricted_token, tokens.clone()),
        endpoint!(usage::restricted_token_usage, read),
        endpoint!(lifecycle::regenerate_token, tokens.clone()),
        endpoint!(lifecycle::revoke_token, tokens),
        endpoint!(
            audit::list_audit_events,
            needs(&[&AuditReader::SCOPE], false)
        ),
    ];
    let mut described = OpenApiRouter::new();
    let mut routes = Vec::with_capacity(endpoints.len());
    for (documented, target, access) in endpoints {
        let (path, method) = operation_of(&documented.1, target.name);
        routes.push(Route {
            pattern: PathPattern::parse(&path).expect("a documented path is a valid pattern"),
            methods: vec![method],
            access,
            target,
        });
        described = described.routes(documented);
    }
    let (_, mut description) = described.split_for_parts();
    let table = RouteTable::new(routes);
    crate::docs::openapi::set_security(&mut description, &table);
    let methods = crate::gate::methods_of(table.routes());
    V1 {
        table,
        description,
        methods,
    }
}

/// The one path and method a handler's `#[utoipa::path]` describes.
fn operation_of(paths: &Paths, name: &str) -> (String, Method) {
    let mut found = Vec::new();
    for (path, item) in &paths.paths {
        let operations = [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ];
        for (method, operation) in operations {
            if operation.is_some() {
                found.push((path.clone(), method));
            }
        }
    }
    match <[_; 1]>::try_from(found) {
        Ok([one]) => one,
        Err(found) => panic!("{name} must describe one operation, not {found:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_routes_can_take_the_same_request() {
        let routes = V1.table.routes();
        for (i, a) in routes.iter().enumerate() {
            for b in &routes[i + 1..] {
                let same_method = a.methods.iter().any(|m| b.methods.contains(m));
                assert!(
                    !(same_method && a.pattern.overlaps(&b.pattern)),
                    "{:?} and {:?} overlap",
                    a.target,
                    b.target
                );
            }
        }
    }

    #[test]
    fn preflights_name_the_tables_methods() {
        assert_eq!(V1.methods, "GET, POST, PATCH, DELETE, OPTIONS");
    }

    #[test]
    fn only_me_takes_restricted_access_tokens() {
        let taking: Vec<&str> = V1
            .table
            .routes()
            .iter()
            .filter(|r| r.access.restricted_tokens)
            .map(|r| r.pattern.as_str())
            .collect();
        assert_eq!(taking, ["/api/v1/me"]);
    }
}
