//! The `portcullis` binary's subcommands, run as a person would, on the test's database.

use crate::helpers::TestApp;
use crate::on_both_backends;
use std::process::Command;

on_both_backends!(
    api_access_is_switched_by_name_or_id,
    keys_rotate_switches_the_running_server_to_a_new_key,
    keys_revoke_refuses_every_token_of_a_stolen_key,
);

pub(crate) fn portcullis(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run portcullis")
}

async fn api_access_is_switched_by_name_or_id(app: TestApp) {
    let admin = app.admin().await;
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["api_access"], true, "on by default");
    assert_eq!(me["permissions"]["api_access"], true);

    let off = portcullis(
        &app.database_url,
        &["org", "api-access", "Analytical", "off"],
    );
    assert!(
        off.status.success(),
        "{}",
        String::from_utf8_lossy(&off.stderr)
    );
    assert!(String::from_utf8_lossy(&off.stdout).contains("is now off"));
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["api_access"], false);

    let id = me["organization"]["id"].as_str().unwrap().to_string();
    let on = portcullis(&app.database_url, &["org", "api-access", &id, "on"]);
    assert!(
        on.status.success(),
        "{}",
        String::from_utf8_lossy(&on.stderr)
    );
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["api_access"], true);

    // Unknown organization and a bad switch value: a clear error, nothing changes.
    let unknown = portcullis(&app.database_url, &["org", "api-access", "Nobody", "off"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Nobody"));
    let bad = portcullis(
        &app.database_url,
        &["org", "api-access", "Analytical", "maybe"],
    );
    assert!(!bad.status.success());
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["api_access"], true);

    let migrate = portcullis(&app.database_url, &["migrate"]);
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
}

fn kid(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_string()
}

async fn keys_rotate_switches_the_running_server_to_a_new_key(app: TestApp) {
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let before = app.access_token(&creds).await;
    let rotated = portcullis(&app.database_url, &["keys", "rotate"]);
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let said = String::from_utf8_lossy(&rotated.stdout).to_string();
    assert!(said.contains("ES256"), "{said}");
    // The running server signs with the new key within a second; the old token still works.
    app.caught_up().await;
    let after = app.access_token(&creds).await;
    assert_ne!(kid(&after), kid(&before), "the server did not switch keys");
    assert!(said.contains(&kid(&after)), "{said}");
    assert_eq!(app.me(&before).await.status(), reqwest::StatusCode::OK);
    // A bad algorithm is refused with a clear message and changes nothing.
    let bad = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["keys", "rotate"])
        .env("DATABASE_URL", &app.database_url)
        .env("PORTCULLIS_SIGNING_ALG", "HS256")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ES256 or RS256"));
    assert_eq!(app.store.signing_keys(0).await.unwrap().len(), 2);
    let help = portcullis(&app.database_url, &["keys", "rotate", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("new key"));
}

async fn jwks_kids(app: &TestApp) -> Vec<String> {
    let jwks: serde_json::Value = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

async fn keys_revoke_refuses_every_token_of_a_stolen_key(app: TestApp) {
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let stolen = app.access_token(&creds).await;
    let stolen_kid = kid(&stolen);
    assert_eq!(app.me(&stolen).await.status(), reqwest::StatusCode::OK);
    // An unknown key: a clear refusal, and nothing changes.
    let unknown = portcullis(&app.database_url, &["keys", "revoke", "no-such-key"]);
    assert!(!unknown.status.success());
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(said.contains("no signing key \"no-such-key\""), "{said}");
    assert_eq!(jwks_kids(&app).await, std::slice::from_ref(&stolen_kid));
    // The current key, stolen: a new key takes over, the stolen one is gone at once.
    let revoked = portcullis(&app.database_url, &["keys", "revoke", &stolen_kid]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let said = String::from_utf8_lossy(&revoked.stdout).to_string();
    app.caught_up().await;
    let res = app.me(&stolen).await;
    assert_eq!(res.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert!(
        crate::helpers::challenge(&res).contains("invalid_token"),
        "{}",
        crate::helpers::challenge(&res)
    );
    let kids = jwks_kids(&app).await;
    assert!(!kids.contains(&stolen_kid), "{kids:?}");
    assert_eq!(kids.len(), 1, "{kids:?}");
    assert!(said.contains(&kids[0]), "names the new key: {said}");
    let fresh = app.access_token(&creds).await;
    assert_eq!(kid(&fresh), kids[0]);
    assert_eq!(app.me(&fresh).await.status(), reqwest::StatusCode::OK);
    // Introspection agrees: the stolen key's token is inactive.
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/introspect", app.base))
        .basic_auth(&creds.client_id, Some(&creds.secret))
        .form(&[("token", stolen.as_str())])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["active"], false, "{body}");
}

fn config_check(file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["config", "check"])
        .arg(file)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run portcullis config check")
}

/// `portcullis config check FILE`: a good file passes and says what it guards; each bad file
/// fails, naming the line and the problem.
#[test]
fn config_check_names_the_line_of_each_problem() {
    let upstream: std::net::SocketAddr = "127.0.0.1:9000".parse().unwrap();
    let good = crate::guard::operator_file(upstream, upstream);
    let file = crate::guard::write_operator_file(&good);
    let out = config_check(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Test Orders API"), "{stdout}");
    assert!(stdout.contains("4 route(s)"), "{stdout}");

    let line_of = |line: &str| good.lines().position(|l| l == line).unwrap() + 1;
    let bad: [(String, usize, &str); 7] = [
        (
            good.replace(
                "name = \"Test Orders API\"",
                "name = \"Test\"\ncolour = \"red\"",
            ),
            line_of("name = \"Test Orders API\"") + 1,
            "colour",
        ),
        (
            good.replace("path = \"/orders/{id}\"", "path = \"/orders/{id\""),
            line_of("path = \"/orders/{id}\""),
            "path",
        ),
        (
            good.replace("path = \"/orders\"\n", "path = \"/orders/{other}\"\n")
                .replace("methods = [\"POST\"]", "methods = [\"GET\"]"),
            line_of("path = \"/orders\""),
            "overlap",
        ),
        (
            good.replacen(
                "scopes = [\"orders:read\"]",
                "scopes = [\"orders:delete\"]",
                1,
            ),
            line_of("scopes = [\"orders:read\"]"),
            "orders:delete",
        ),
        (
            good.replace("name = \"orders:write\"", "name = \"credentials:admin\""),
            line_of("name = \"orders:write\""),
            "credentials:",
        ),
        (
            good.replacen(
                "upstream = \"http://127.0.0.1:9000\"",
                "upstream = \"http://127.0.0.1:9000/api\"",
                1,
            ),
            line_of("upstream = \"http://127.0.0.1:9000\""),
            "upstream",
        ),
        (
            good.replace("methods = [\"GET\", \"PUT\"]", "methods = [\"FETCH ME\"]"),
            line_of("methods = [\"GET\", \"PUT\"]"),
            "method",
        ),
    ];
    for (text, line, word) in bad {
        let file = crate::guard::write_operator_file(&text);
        let out = config_check(&file);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{word}: passed:\n{text}");
        let at = format!("{}:{line}:", file.display());
        assert!(stderr.contains(&at), "{word}: expected {at} in {stderr}");
        assert!(
            stderr.to_lowercase().contains(word),
            "{word}: not named in {stderr}"
        );
    }

    // `serve` refuses to start on a bad file, with the same message.
    let file = crate::guard::write_operator_file("[api]\nname = 3\n");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("serve")
        .env("PORTCULLIS_CONFIG", &file)
        .env("DATABASE_URL", store::testing::fresh_sqlite_url())
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It exits by itself; a serve that started anyway is stopped after 30 s and fails the test.
    let mut stderr_pipe = serve.stderr.take().unwrap();
    let (done, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(serve.wait());
        serve
    });
    let status = match exited.recv_timeout(std::time::Duration::from_secs(30)) {
        Ok(status) => status.unwrap(),
        Err(_) => panic!("serve started on a bad file (left running; the test process ends it)"),
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut stderr_pipe, &mut stderr).unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains(&format!("{}:2:", file.display())),
        "{stderr}"
    );
}
