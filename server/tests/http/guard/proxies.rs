//! Real nginx and Caddy from Debian, each running the configuration the "Guard your API" guide
//! shows, with the guide's example addresses replaced by the test's.

use super::scratch;
use crate::process::{free_port, listens_on};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NGINX_SITE: &str = include_str!("../../../src/docs/guides/guard/nginx.conf");
const CADDYFILE: &str = include_str!("../../../src/docs/guides/guard/Caddyfile");

/// A proxy process; stopped when dropped.
pub struct Proxy {
    pub base: String,
    child: Child,
    dir: PathBuf,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Proxy {
    /// What the proxy wrote about itself (for failure messages).
    pub fn log(&self) -> String {
        let mut out = String::new();
        for name in ["error.log", "caddy.log"] {
            if let Ok(text) = std::fs::read_to_string(self.dir.join(name)) {
                out.push_str(&text);
            }
        }
        out
    }
}

/// The guide's text with its example addresses replaced: Portcullis at 127.0.0.1:3000, the API
/// at 127.0.0.1:9000, the proxy at 127.0.0.1:8080.
fn addressed(text: &str, portcullis: SocketAddr, api: SocketAddr, port: u16) -> String {
    text.replace("127.0.0.1:3000", &portcullis.to_string())
        .replace("127.0.0.1:9000", &api.to_string())
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"))
}

fn binary(path: &'static str, package: &str) -> &'static str {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install Debian's {package} (sudo apt-get install -y {package}); \
         ./scripts/test installs it"
    );
    path
}

/// Waits until the proxy itself listens on `port`; `None` when it could not bind it because
/// another process took the port first (the caller tries another).
///
/// A successful connect is not enough: between `free_port` and the proxy's bind, another test's
/// listener (a silent upstream, say) may take the port, and the proxy's requests would then go
/// to that listener. The proxy's own open files are asked instead.
fn started(mut child: Child, dir: PathBuf, port: u16, what: &str) -> Option<Proxy> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !listens_on(child.id(), port) {
        if let Ok(Some(status)) = child.try_wait() {
            let proxy = Proxy {
                base: String::new(),
                child,
                dir,
            };
            let log = proxy.log();
            if log.contains("in use") {
                return None;
            }
            panic!("{what} exited ({status}):\n{log}");
        }
        assert!(Instant::now() < deadline, "{what} did not listen in 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Proxy {
        base: format!("http://127.0.0.1:{port}"),
        child,
        dir,
    })
}

/// Starts a proxy on a free port, trying again when the port is taken between the choice and
/// the bind.
fn on_a_free_port(what: &str, start: impl Fn(u16) -> (Child, PathBuf)) -> Proxy {
    for _ in 0..10 {
        let port = free_port();
        let (child, dir) = start(port);
        if let Some(proxy) = started(child, dir, port, what) {
            return proxy;
        }
    }
    panic!("{what}: no free port in 10 tries");
}

/// nginx (`auth_request`) with the guide's server block.
pub fn nginx(portcullis: SocketAddr, api: SocketAddr) -> Proxy {
    let nginx = binary("/usr/sbin/nginx", "nginx");
    on_a_free_port("nginx", |port| {
        let dir = scratch("nginx");
        std::fs::write(
            dir.join("site.conf"),
            addressed(NGINX_SITE, portcullis, api, port),
        )
        .unwrap();
        let d = dir.display();
        let main = format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             include {d}/site.conf;\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), main).unwrap();
        let child = Command::new(nginx)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        (child, dir)
    })
}

/// Caddy (`forward_auth`) with the guide's Caddyfile.
pub fn caddy(portcullis: SocketAddr, api: SocketAddr) -> Proxy {
    let caddy = binary("/usr/bin/caddy", "caddy");
    on_a_free_port("caddy", |port| {
        let dir = scratch("caddy");
        let file = format!(
            "{{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n\tstorage file_system {}\n}}\n\n{}",
            dir.join("storage").display(),
            addressed(CADDYFILE, portcullis, api, port)
        );
        std::fs::write(dir.join("Caddyfile"), file).unwrap();
        let log = std::fs::File::create(dir.join("caddy.log")).unwrap();
        let child = Command::new(caddy)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(dir.join("Caddyfile"))
            .env("HOME", &dir)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start caddy");
        (child, dir)
    })
}
