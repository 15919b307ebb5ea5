//! Guarding the operator's own API (PRODUCT.md §8): the same decisions through the gateway,
//! through real nginx (`auth_request`) and through real Caddy (`forward_auth`) pointed at
//! `/gate/check`, in front of an upstream that echoes what it receives. Grouped by outcome.

mod admitted;
mod bad_gateway;
mod bad_request;
mod not_found;
mod proxies;
mod rate_limited;
mod refused;
pub mod upstream;

use crate::helpers::{Browser, ClientCreds, TestApp};
use reqwest::{Method, StatusCode};
use std::net::{IpAddr, SocketAddr};
use store::Backend;

pub use upstream::Echoed;

/// Runs `$test(guarded)` on SQLite and on PostgreSQL (when reachable or required), with the
/// echo upstream behind every front.
#[macro_export]
macro_rules! guarded_on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(g) = $crate::guard::Guarded::spawn(store::Backend::Sqlite).await {
                    super::$name(g).await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(g) = $crate::guard::Guarded::spawn(store::Backend::Postgres).await {
                    super::$name(g).await;
                }
            }
        }
    )*};
}

/// The operator's API of these tests.
pub fn operator_file(upstream: SocketAddr, slow: SocketAddr) -> String {
    format!(
        r#"[api]
name = "Test Orders API"

[[api.scopes]]
name = "orders:read"
description = "Read orders"
default = true

[[api.scopes]]
name = "orders:write"
description = "Create and change orders"

[[api.routes]]
path = "/orders/{{id}}"
methods = ["GET"]
scopes = ["orders:read"]
restricted_tokens = true
upstream = "http://{upstream}"

[[api.routes]]
path = "/orders"
methods = ["POST"]
scopes = ["orders:write"]
upstream = "http://{upstream}"

[[api.routes]]
path = "/files/{{*rest}}"
methods = ["GET", "PUT"]
scopes = []
restricted_tokens = true
upstream = "http://{upstream}"

[[api.routes]]
path = "/slow"
methods = ["GET"]
scopes = []
upstream = "http://{slow}"
upstream_timeout_seconds = 1
"#
    )
}

/// A fresh, empty scratch folder named after `what`.
pub fn scratch(what: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("portcullis-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` as an operator file in a fresh scratch folder; answers its path.
pub fn write_operator_file(text: &str) -> std::path::PathBuf {
    let path = scratch("api").join("api.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Where a request enters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Front {
    Gateway,
    Nginx,
    Caddy,
}

pub const FRONTS: [Front; 3] = [Front::Gateway, Front::Nginx, Front::Caddy];

/// One instance with a gateway, nginx and Caddy in front of the same upstream, an Admin signed
/// in to its console.
pub struct Guarded {
    pub app: TestApp,
    pub admin: Browser,
    pub organization_id: String,
    nginx: proxies::Proxy,
    caddy: proxies::Proxy,
}

impl Guarded {
    /// The echo upstream behind every route.
    pub async fn spawn(backend: Backend) -> Option<Guarded> {
        Self::spawn_before(backend, upstream::echo_server().await).await
    }

    /// `upstream` behind every route (and behind the proxies).
    pub async fn spawn_before(backend: Backend, upstream: SocketAddr) -> Option<Guarded> {
        let slow = upstream::silent_server().await;
        let file = write_operator_file(&operator_file(upstream, slow));
        let app = TestApp::spawn_configured(backend, |config| {
            config.config_file = Some(file);
            config.gateway_addr = Some("127.0.0.1:0".parse().unwrap());
            config.trusted_proxies =
                server::client_ip::TrustedProxies::parse("127.0.0.1").expect("a proxy list");
        })
        .await?;
        let portcullis: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
        let nginx = proxies::nginx(portcullis, upstream);
        let caddy = proxies::caddy(portcullis, upstream);
        let admin = app.admin().await;
        let (_, me) = admin.rpc("me", &[]).await;
        let organization_id = me["organization"]["id"].as_str().unwrap().to_string();
        Some(Guarded {
            app,
            admin,
            organization_id,
            nginx,
            caddy,
        })
    }

    pub fn base(&self, front: Front) -> &str {
        match front {
            Front::Gateway => self.app.gateway.as_deref().expect("a gateway"),
            Front::Nginx => &self.nginx.base,
            Front::Caddy => &self.caddy.base,
        }
    }

    /// The proxies' own logs, for failure messages.
    pub fn logs(&self) -> String {
        format!("{}\n{}", self.nginx.log(), self.caddy.log())
    }

    /// An API Client with `scopes` and `origins`, and a token with all its scopes.
    pub async fn client_token(&self, scopes: &str, origins: &str) -> (ClientCreds, String) {
        let creds = self.app.api_client(&self.admin, scopes, origins).await;
        let token = self.app.access_token(&creds).await;
        (creds, token)
    }

    /// `method path` through `front`, from `from`, with a bearer value and extra headers.
    pub async fn send(&self, front: Front, ask: Ask<'_>) -> reqwest::Response {
        let client = reqwest::Client::builder()
            .local_address(ask.from)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut request = client.request(
            ask.method.clone(),
            format!("{}{}", self.base(front), ask.path),
        );
        if let Some(bearer) = ask.bearer {
            request = request.bearer_auth(bearer);
        }
        for (name, value) in ask.headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = ask.body {
            request = request.body(body.to_string());
        }
        request.send().await.unwrap()
    }
}

/// A request to send through a front.
#[derive(Clone)]
pub struct Ask<'a> {
    pub method: Method,
    pub path: &'a str,
    pub bearer: Option<&'a str>,
    pub from: IpAddr,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Option<&'a str>,
}

impl<'a> Ask<'a> {
    pub fn get(path: &'a str, bearer: &'a str) -> Ask<'a> {
        Ask {
            method: Method::GET,
            path,
            bearer: Some(bearer),
            from: [127, 0, 0, 1].into(),
            headers: &[],
            body: None,
        }
    }

    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    pub fn from(mut self, from: [u8; 4]) -> Self {
        self.from = from.into();
        self
    }

    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    pub fn body(mut self, body: &'a str) -> Self {
        self.body = Some(body);
        self
    }

    pub fn without_token(mut self) -> Self {
        self.bearer = None;
        self
    }
}

/// The refusal Portcullis sent, decoded into the server's own type, with its status.
pub async fn refusal(res: reqwest::Response) -> (StatusCode, server::ApiErrorBody) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: not an error body ({e}): {text}"));
    (status, body)
}
