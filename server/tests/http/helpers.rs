use reqwest::StatusCode;
use serde_json::Value;
use server::config::Config;
use store::Backend;

pub struct TestApp {
    pub base: String,
    pub store: store::Store,
    pub database_url: String,
    /// The instance's clock: tests move it instead of waiting.
    pub clock: services::ManualClock,
    /// The instance's own services (the same the handlers use).
    pub services: services::Services,
    /// `http://ADDR` of the gateway, when the test configured one.
    pub gateway: Option<String>,
}

/// Runs `$test(app)` once on SQLite and once on PostgreSQL (when reachable or required).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::TestApp::spawn(store::Backend::Sqlite, true).await {
                    super::$name(app).await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::spawn(store::Backend::Postgres, true).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

impl TestApp {
    pub async fn spawn(backend: Backend, open_signup: bool) -> Option<TestApp> {
        Self::spawn_with(backend, open_signup, None).await
    }

    /// Like `spawn`, with a public URL (`PORTCULLIS_ISSUER`).
    pub async fn spawn_with(
        backend: Backend,
        open_signup: bool,
        issuer: Option<&str>,
    ) -> Option<TestApp> {
        Self::spawn_configured(backend, |config| {
            config.open_signup = open_signup;
            config.issuer = issuer.map(str::to_string);
        })
        .await
    }

    /// A fresh database of `backend` and a server configured by `configure`.
    pub async fn spawn_configured(
        backend: Backend,
        configure: impl FnOnce(&mut Config),
    ) -> Option<TestApp> {
        let database_url = match backend {
            Backend::Sqlite => store::testing::fresh_sqlite_url(),
            Backend::Postgres => store::testing::fresh_postgres_url().await?,
        };
        Some(Self::spawn_on(&database_url, configure).await)
    }

    /// A second server on an existing database (as a second instance would run), with its own
    /// clock.
    pub async fn spawn_on(database_url: &str, configure: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_with_clock(
            database_url,
            services::ManualClock::starting_now(),
            configure,
        )
        .await
    }

    /// A server on an existing database whose time is `clock`.
    pub async fn spawn_with_clock(
        database_url: &str,
        clock: services::ManualClock,
        configure: impl FnOnce(&mut Config),
    ) -> TestApp {
        let store = store::Store::open(database_url).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = Config {
            database_url: database_url.into(),
            site_addr: addr,
            site_root: std::env::temp_dir().display().to_string(),
            issuer: None,
            audience: None,
            signing_alg: services::SigningAlg::Es256,
            trusted_proxies: Default::default(),
            allowed_hosts: Vec::new(),
            key_encryption_key: None,
            open_signup: true,
            test_hooks: false,
            config_file: None,
            gateway_addr: None,
            header_timeout: 10,
            max_connections: 10_000,
            audit_retention_days: 400,
        };
        configure(&mut config);
        let app = server::Application::build_on(
            &config,
            store.clone(),
            listener,
            std::sync::Arc::new(clock.clone()),
        )
        .await
        .unwrap();
        let services = app.services().clone();
        let gateway = app.gateway_addr().map(|addr| format!("http://{addr}"));
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        TestApp {
            base: format!("http://{addr}"),
            store,
            database_url: database_url.to_string(),
            clock,
            services,
            gateway,
        }
    }

    /// The services of another process on the same database (as the CLI would run), on this
    /// instance's clock.
    pub fn another_process(&self) -> services::Services {
        services::Services::new(
            self.store.clone(),
            false,
            services::TokenSettings::for_issuer(&self.base),
            std::sync::Arc::new(self.clock.clone()),
        )
    }

    /// Waits until this instance's follower has read the change log after now.
    pub async fn caught_up(&self) {
        let stepped = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            self.services.follower_steps(),
        )
        .await;
        assert!(stepped.is_ok(), "the follower took no step in 10 s");
    }

    /// A new browser: its own cookies, the anti-forgery token of its first page.
    pub async fn browser(&self) -> Browser {
        self.browser_from(None).await
    }

    /// A new browser whose connections come from `address` (any of 127.0.0.0/8 works on
    /// loopback), as people on different machines would.
    pub async fn browser_from(&self, address: Option<std::net::IpAddr>) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(address)
            .build()
            .unwrap();
        // The first console page a browser loads sets the anti-forgery cookie; the page repeats its
        // value in a <meta> tag, which is where the console reads it.
        let res = client
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap();
        let csrf = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.strip_prefix("portcullis_csrf=")
                    .or_else(|| c.strip_prefix("__Host-portcullis_csrf="))
            })
            .and_then(|c| c.split(';').next())
            .unwrap_or_default()
            .to_string();
        Browser {
            client,
            base: self.base.clone(),
            csrf,
        }
    }

    /// Sets the instance up; answers the Admin's browser.
    pub async fn admin(&self) -> Browser {
        let browser = self.browser().await;
        let (status, body) = browser
            .rpc(
                "setup",
                &[
                    ("name", "Ada Lovelace"),
                    ("email", "ada@example.com"),
                    ("password", "correct horse battery"),
                    ("organization_name", "Analytical"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        browser
    }

    /// A new browser signed in with `email` and `password`.
    pub async fn browser_signed_in_as(&self, email: &str, password: &str) -> Browser {
        let browser = self.browser().await;
        let (status, body) = browser
            .rpc("login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        browser
    }

    /// Invites `email` with `role` through `admin` and joins with a new browser.
    pub async fn member(&self, admin: &Browser, email: &str, role: &str) -> Browser {
        self.member_with(admin, email, role, false).await
    }

    /// Like `member`, choosing the **Manage API credentials** flag.
    pub async fn member_with(
        &self,
        admin: &Browser,
        email: &str,
        role: &str,
        manage: bool,
    ) -> Browser {
        let mut form = vec![("email", email), ("role", role)];
        if manage {
            form.push(("manage_credentials", "on"));
        }
        let (status, link) = admin.rpc("members/invite", &form).await;
        assert_eq!(status, StatusCode::OK, "{link}");
        let link = link.as_str().unwrap().to_string();
        let token = link.rsplit('/').next().unwrap().to_string();
        let browser = self.browser().await;
        let (status, body) = browser
            .rpc(
                "invite/accept",
                &[
                    ("token", &token),
                    ("name", "Grace Hopper"),
                    ("password", "another long password"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        browser
    }
}

pub fn meta_csrf(html: &str) -> Option<String> {
    let start =
        html.find("name=\"csrf-token\" content=\"")? + "name=\"csrf-token\" content=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

impl Browser {
    /// Calls a server function as the console does: form-encoded, with the anti-forgery header.
    pub async fn rpc(&self, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}/rpc/{endpoint}", self.base))
            .header("x-csrf-token", &self.csrf)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn members(&self) -> Value {
        let (status, page) = self.rpc("members/list", &[]).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page
    }
}

/// `(email, role, manage_credentials)` of each member, sorted.
pub fn roles(page: &Value) -> Vec<(String, String, bool)> {
    let mut out: Vec<_> = page["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
                m["manage_credentials"].as_bool().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

pub fn user_id(page: &Value, email: &str) -> String {
    page["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .map(|m| m["user_id"].as_str().unwrap().to_string())
        .unwrap()
}

/// An API Client as its creator got it.
#[derive(Clone, Debug)]
pub struct ClientCreds {
    pub id: String,
    pub client_id: String,
    pub secret: String,
}

impl TestApp {
    /// Creates an API Client in the console with `scopes` (space-separated) and `origins`.
    pub async fn api_client(&self, admin: &Browser, scopes: &str, origins: &str) -> ClientCreds {
        self.create_client(admin, "Backend", scopes, origins, ("", ""), ("", ""))
            .await
    }

    /// Like `api_client`, with a rate limit and a quota as the console's inputs give them
    /// (`("5", "minute")`; `("", "")` for none).
    pub async fn limited_api_client(
        &self,
        admin: &Browser,
        scopes: &str,
        rate: (&str, &str),
        quota: (&str, &str),
    ) -> ClientCreds {
        self.create_client(admin, "Limited", scopes, "", rate, quota)
            .await
    }

    async fn create_client(
        &self,
        admin: &Browser,
        name: &str,
        scopes: &str,
        origins: &str,
        rate: (&str, &str),
        quota: (&str, &str),
    ) -> ClientCreds {
        let (status, body) = admin
            .rpc(
                "api-clients/create",
                &[
                    ("name", name),
                    ("description", ""),
                    ("allowed_origins", origins),
                    ("scopes", scopes),
                    ("expiration_date", ""),
                    ("rate_limit_requests", rate.0),
                    ("rate_limit_per", rate.1),
                    ("quota_requests", quota.0),
                    ("quota_per", quota.1),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ClientCreds {
            id: body["client"]["id"].as_str().unwrap().to_string(),
            client_id: body["client"]["client_id"].as_str().unwrap().to_string(),
            secret: body["client_secret"].as_str().unwrap().to_string(),
        }
    }

    /// Creates a Restricted Access Token for `ips`; answers `(id, token)`.
    pub async fn restricted_token(&self, admin: &Browser, ips: &str) -> (String, String) {
        let (status, body) = admin
            .rpc(
                "restricted-tokens/create",
                &[
                    ("name", "Browser app"),
                    ("allowed_ips", ips),
                    ("expiration_date", ""),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            body["token"]["id"].as_str().unwrap().to_string(),
            body["secret"].as_str().unwrap().to_string(),
        )
    }

    /// `POST /oauth/token` with the credentials in the body; answers status and JSON.
    pub async fn request_token(
        &self,
        creds: &ClientCreds,
        scope: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", creds.secret.as_str()),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        let res = reqwest::Client::new()
            .post(format!("{}/oauth/token", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// An access token for `creds` (all its scopes).
    pub async fn access_token(&self, creds: &ClientCreds) -> String {
        let (status, body) = self.request_token(creds, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    /// `METHOD /api/v1/PATH` with a bearer value and an optional JSON body; answers status and
    /// JSON (`null` when the body is not JSON).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}/api/v1/{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let res = request.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// `GET /api/v1/me` with a bearer value.
    pub async fn me(&self, bearer: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("{}/api/v1/me", self.base))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
    }
}

/// The `WWW-Authenticate` header of a response, or "".
pub fn challenge(res: &reqwest::Response) -> String {
    res.headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}
