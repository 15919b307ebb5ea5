//! Installing what a fresh machine lacks, or saying clearly what to do.

use crate::{Result, root, sh, step};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

pub fn wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(crate::WASM_TARGET))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    step("installing the wasm32-unknown-unknown target");
    sh(Command::new("rustup").args(["target", "add", crate::WASM_TARGET])).map_err(|e| {
        format!(
            "{e}\nInstall it by hand: rustup target add {}",
            crate::WASM_TARGET
        )
    })
}

/// binaryen (wasm-opt) and Playwright, from package-lock.json.
pub fn npm_packages() -> Result {
    if wasm_opt().exists() && root().join("node_modules/@playwright/test").exists() {
        return Ok(());
    }
    step("npm ci (binaryen, Playwright)");
    sh(Command::new("npm").args(["ci", "--no-audit", "--no-fund"])).map_err(|e| {
        format!("{e}\nNode.js and npm are needed (Debian: apt-get install nodejs npm).")
    })
}

pub fn wasm_opt() -> PathBuf {
    root().join("node_modules/.bin/wasm-opt")
}

/// Debian's Chromium, which Playwright drives (it downloads no browser of its own here).
pub fn chromium() -> Result {
    if PathBuf::from("/usr/bin/chromium").exists() {
        return Ok(());
    }
    if !is_root() {
        return Err("Chromium is missing: run `sudo apt-get install -y chromium`".into());
    }
    step("installing Chromium (apt-get)");
    sh(Command::new("apt-get").arg("update"))?;
    sh(Command::new("apt-get").args(["install", "-y", "chromium"]))
}

/// wrk, the load generator of the benchmarks (Debian's package).
pub fn wrk() -> Result {
    if succeeds(Command::new("wrk").arg("--version")) || PathBuf::from("/usr/bin/wrk").exists() {
        return Ok(());
    }
    if !is_root() {
        return Err("wrk is missing: run `sudo apt-get install -y wrk`".into());
    }
    step("installing wrk (apt-get)");
    sh(Command::new("apt-get").arg("update"))?;
    sh(Command::new("apt-get").args(["install", "-y", "wrk"]))
}

/// Debian's nginx and Caddy, the real proxies the forward-auth tests run in front of the
/// test upstream. Their packaged services are not started: each test runs its own instance.
pub fn proxies() -> Result {
    let missing: Vec<&str> = [("/usr/sbin/nginx", "nginx"), ("/usr/bin/caddy", "caddy")]
        .into_iter()
        .filter(|(path, _)| !PathBuf::from(path).exists())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let packages = missing.join(" ");
    if !is_root() {
        return Err(format!(
            "{packages} missing: run `sudo apt-get install -y {packages}` (the proxy tests need them)"
        ));
    }
    step(&format!("installing {packages} (apt-get)"));
    // Keep apt from starting the packages' own services (port 80) while installing.
    let policy = PathBuf::from("/usr/sbin/policy-rc.d");
    let wrote_policy = !policy.exists()
        && std::fs::write(&policy, "#!/bin/sh\nexit 101\n").is_ok()
        && succeeds(Command::new("chmod").args(["+x", "/usr/sbin/policy-rc.d"]));
    let _ = sh(Command::new("apt-get").arg("update"));
    let installed = sh(Command::new("apt-get")
        .args(["install", "-y"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"));
    if wrote_policy {
        let _ = std::fs::remove_file(&policy);
    }
    installed.map_err(|e| format!("{e}\nInstall them by hand: apt-get install -y {packages}"))
}

/// Debian's faketime, which runs the process tests' instances with skewed clocks. Answers
/// whether it is there; in CI its absence is an error.
pub fn faketime(ci: bool) -> Result<bool> {
    if PathBuf::from("/usr/bin/faketime").exists() {
        return Ok(true);
    }
    if is_root() {
        step("installing faketime (apt-get)");
        let _ = sh(Command::new("apt-get").arg("update"));
        if sh(Command::new("apt-get").args(["install", "-y", "faketime"])).is_ok() {
            return Ok(true);
        }
    }
    if ci {
        return Err("faketime is required in CI: run `sudo apt-get install -y faketime`".into());
    }
    Ok(false)
}

fn postgres_up() -> bool {
    succeeds(Command::new("pg_isready").args(["-h", "127.0.0.1", "-p", "5432"]))
}

/// Makes sure PostgreSQL answers on 127.0.0.1:5432, starting or installing it where possible.
/// Answers whether it is up; in CI its absence is an error.
pub fn postgres(ci: bool) -> Result<bool> {
    if postgres_up() {
        return Ok(true);
    }
    if is_root() {
        step("starting PostgreSQL");
        if !PathBuf::from("/usr/lib/postgresql").exists() {
            let _ = sh(Command::new("apt-get").arg("update"));
            let _ = sh(Command::new("apt-get").args(["install", "-y", "postgresql"]));
        }
        let versions = std::fs::read_dir("/etc/postgresql")
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for version in versions {
            let _ = succeeds(Command::new("pg_ctlcluster").args([
                "--skip-systemctl-redirect",
                &version,
                "main",
                "start",
            ]));
        }
        for _ in 0..20 {
            if postgres_up() {
                allow_trust_if_fresh();
                return Ok(true);
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }
    if ci {
        return Err(
            "PostgreSQL is required in CI (CI=true) but is not running on \
                    127.0.0.1:5432 and could not be started"
                .into(),
        );
    }
    Ok(false)
}

/// A freshly installed Debian cluster wants passwords on TCP; the tests connect as `postgres`
/// without one. Only a check here: the machines this project runs on already trust loopback.
fn allow_trust_if_fresh() {
    let ok = succeeds(Command::new("psql").args([
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-c",
        "SELECT 1",
    ]));
    if !ok {
        eprintln!(
            "PostgreSQL is running but refuses user postgres without a password on 127.0.0.1; \
             set PORTCULLIS_TEST_POSTGRES=postgres://USER:PASSWORD@127.0.0.1:5432"
        );
    }
}

/// Drops the databases earlier test runs left on the PostgreSQL server, and their SQLite
/// files, so that runs do not pile them up.
pub fn clean_test_databases(postgres: bool) {
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join("portcullis-tests"));
    if !postgres {
        return;
    }
    let listed = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-Atc",
        ])
        .arg("SELECT datname FROM pg_database WHERE datname LIKE 'portcullis_test_%'")
        .output();
    let Ok(listed) = listed else { return };
    for name in String::from_utf8_lossy(&listed.stdout).lines() {
        // Only names our own tests make: letters, digits and underscores.
        if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            let _ = succeeds(
                Command::new("psql")
                    .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"])
                    .arg(format!("DROP DATABASE IF EXISTS {name}")),
            );
        }
    }
}
