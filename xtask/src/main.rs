//! `cargo xtask`: the project's build and test driver. Plain cargo for the WASM and the server in
//! one target directory, wasm-bindgen through its library at the pinned version, wasm-opt from
//! the npm `binaryen` package. No cargo-leptos needed (it works too, from the same metadata).
//!
//!   cargo xtask run     build the release and serve it at http://127.0.0.1:3000 (SQLite)
//!   cargo xtask test    every check: fmt, clippy, Rust tests on SQLite and PostgreSQL, Playwright
//!   cargo xtask build [--release]   build the site into target/site and the server binary
//!   cargo xtask bench [ARGS]        load benchmarks, fault runs and fuzzing (bench/README.md)

mod prereqs;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const OUTPUT_NAME: &str = "portcullis";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let release = args.iter().any(|a| a == "--release");
    let result = match args.first().map(String::as_str) {
        Some("build") => build(release),
        Some("run") => run(),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        _ => Err("usage: cargo xtask <run|test|build [--release]|bench [ARGS]>".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

pub fn step(title: &str) {
    eprintln!("\n==> {title}");
}

/// Runs a command in the workspace root; fails with its name when it fails.
pub fn sh(command: &mut Command) -> Result {
    let shown = format!("{command:?}");
    let status = command
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn build(release: bool) -> Result {
    prereqs::wasm_target()?;
    if release {
        prereqs::npm_packages()?;
    }
    let site = root().join("target/site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).map_err(|e| e.to_string())?;

    step("browser bundle (WASM)");
    let profile = if release { "wasm-release" } else { "dev" };
    sh(cargo().args([
        "build",
        "-p",
        "frontend",
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        profile,
    ]))?;
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let wasm = root().join(format!("target/{WASM_TARGET}/{profile_dir}/frontend.wasm"));

    step("wasm-bindgen");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .map_err(|e| e.to_string())?
        .out_name(OUTPUT_NAME)
        .typescript(false)
        .debug(!release)
        .remove_name_section(release)
        .remove_producers_section(release)
        .generate(&pkg)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;
    let bg = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));
    let out = pkg.join(format!("{OUTPUT_NAME}.wasm"));
    if release {
        step("wasm-opt -Oz");
        sh(Command::new(prereqs::wasm_opt())
            .arg("-Oz")
            .arg("--enable-bulk-memory")
            .arg("--enable-nontrapping-float-to-int")
            .arg(&bg)
            .arg("-o")
            .arg(&out))?;
        std::fs::remove_file(&bg).map_err(|e| e.to_string())?;
    } else {
        std::fs::rename(&bg, &out).map_err(|e| e.to_string())?;
    }

    step("styles and static files");
    std::fs::copy(
        root().join("style/main.css"),
        pkg.join(format!("{OUTPUT_NAME}.css")),
    )
    .map_err(|e| format!("style/main.css: {e}"))?;
    copy_dir(&root().join("public"), &site)?;
    for name in ["wasm", "js", "css"] {
        let file = pkg.join(format!("{OUTPUT_NAME}.{name}"));
        if release {
            precompress(&file)?;
        } else {
            // A debug bundle must not be shadowed by an older release's compressed copies.
            for suffix in ["gz", "br"] {
                let _ = std::fs::remove_file(pkg.join(format!("{OUTPUT_NAME}.{name}.{suffix}")));
            }
        }
    }

    step("server");
    let mut server = cargo();
    server.args(["build", "-p", "server", "--bin", "portcullis"]);
    if release {
        server.arg("--release");
    }
    sh(&mut server)
}

/// Writes `FILE.gz` and `FILE.br` beside `file`, at the strongest settings (built once, served
/// many times).
fn precompress(file: &Path) -> Result {
    use std::io::Write;
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let with_suffix = |suffix: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&bytes).map_err(|e| e.to_string())?;
    let gzip = gzip.finish().map_err(|e| e.to_string())?;
    std::fs::write(with_suffix(".gz"), gzip).map_err(|e| e.to_string())?;
    let mut brotli = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut bytes.as_slice(), &mut brotli, &params)
        .map_err(|e| e.to_string())?;
    std::fs::write(with_suffix(".br"), brotli).map_err(|e| e.to_string())
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn run() -> Result {
    build(true)?;
    step("serving at http://127.0.0.1:3000 (SQLite at data/portcullis.db); Ctrl-C stops");
    sh(Command::new(root().join("target/release/portcullis"))
        .arg("serve")
        .env("LEPTOS_SITE_ROOT", root().join("target/site")))
}

/// The benchmarks (bench/README.md): the release build, wrk, PostgreSQL when it can be had,
/// then the load scenarios against the baseline, the longer fault runs and bounded fuzzing.
fn bench(args: &[String]) -> Result {
    build(true)?;
    step("benchmark binaries");
    sh(cargo().args(["build", "--release", "-p", "bench"]))?;
    prereqs::wrk()?;
    let postgres = prereqs::postgres(false)?;
    step("load: Portcullis against the baseline");
    let mut run = Command::new(root().join("target/release/portcullis-bench"));
    run.args(args);
    if !postgres {
        run.arg("--no-postgres");
    }
    // A missed hard limit (the bundle's size) fails the bench, after the fault runs below.
    let load = sh(&mut run);
    step("faults, longer runs");
    let mut faults = cargo();
    faults
        .args([
            "test",
            "-p",
            "server",
            "--test",
            "http",
            "faults::",
            "--",
            "--nocapture",
        ])
        .env("PORTCULLIS_FAULT_SECONDS", "20");
    if postgres {
        faults.env("PORTCULLIS_REQUIRE_POSTGRES", "1");
    }
    sh(&mut faults)?;
    step("fuzzing the parsers a stranger can reach (bounded)");
    sh(cargo()
        .args(["test", "-p", "domain", "-p", "server", "fuzz"])
        .env("PROPTEST_CASES", "20000"))?;
    eprintln!(
        "
Results: bench/results/latest.md"
    );
    load
}

fn test() -> Result {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");

    step("cargo fmt --check");
    sh(cargo().args(["fmt", "--all", "--", "--check"]))?;

    prereqs::wasm_target()?;
    step("clippy (server side, all targets)");
    sh(cargo().args(["clippy", "--all-targets", "--", "-D", "warnings"]))?;
    step("clippy (browser side)");
    sh(cargo().args([
        "clippy",
        "-p",
        "frontend",
        "--target",
        WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ]))?;

    let postgres = prereqs::postgres(ci)?;
    let faketime = prereqs::faketime(ci)?;
    prereqs::proxies()?;
    prereqs::clean_test_databases(postgres);
    step(if postgres {
        "Rust tests on SQLite and PostgreSQL"
    } else {
        "Rust tests on SQLite only"
    });
    let mut tests = cargo();
    tests.args(["test", "--all-targets"]);
    if postgres {
        tests.env("PORTCULLIS_REQUIRE_POSTGRES", "1");
    }
    if faketime {
        tests.env("PORTCULLIS_REQUIRE_FAKETIME", "1");
    }
    sh(&mut tests)?;

    build(true)?;
    prereqs::chromium()?;
    step("Playwright end-to-end tests (Chromium, release build)");
    sh(Command::new("npx").args([
        "playwright",
        "test",
        "--config",
        "end2end/playwright.config.ts",
    ]))?;

    if !postgres {
        eprintln!(
            "\n!!! WARNING: PostgreSQL was not available: the PostgreSQL tests DID NOT RUN.\n\
             !!! Start it (pg_ctlcluster 15 main start) or install it (apt-get install postgresql)."
        );
    }
    if !faketime {
        eprintln!(
            "\n!!! WARNING: faketime was not available: the clock-skew process tests DID NOT RUN.\n\
             !!! Install it (apt-get install faketime)."
        );
    }
    eprintln!("\nAll checks passed.");
    Ok(())
}
