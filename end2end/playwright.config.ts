import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// Each run starts the built server on a fresh SQLite file. PORTCULLIS_BIN picks another
// binary (for example the debug build); the default is the release build the test command makes.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const root = path.resolve(__dirname, "..");
const database = path.join(os.tmpdir(), `portcullis-e2e-${process.pid}-${Date.now()}.db`);
// The tests run the CLI against the same instance (for example `org api-access`).
process.env.E2E_DATABASE_URL ??= `sqlite://${database}`;
process.env.E2E_PORTCULLIS_BIN ??= path.resolve(root, process.env.PORTCULLIS_BIN ?? "./target/release/portcullis");

// Tests move the server's clock instead of waiting: Debian's libfaketime reads the offset from
// E2E_CLOCK_FILE on every call ("+60" moves it a minute ahead). The monotonic clock stays real.
const libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const clock: Record<string, string> = {};
if (fs.existsSync(libfaketime)) {
  process.env.E2E_CLOCK_FILE ??= path.join(os.tmpdir(), `portcullis-e2e-clock-${process.pid}`);
  fs.writeFileSync(process.env.E2E_CLOCK_FILE, "+0\n");
  Object.assign(clock, {
    LD_PRELOAD: libfaketime,
    FAKETIME_TIMESTAMP_FILE: process.env.E2E_CLOCK_FILE,
    FAKETIME_NO_CACHE: "1",
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
  });
} else if (process.env.CI === "true") {
  throw new Error("Debian's faketime is required in CI (apt-get install faketime)");
}

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `${process.env.PORTCULLIS_BIN ?? "./target/release/portcullis"} serve`,
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.join(root, "target/site"),
      PORTCULLIS_OPEN_SIGNUP: "true",
      PORTCULLIS_CONFIG: path.join(root, "end2end/fixtures/api.toml"),
      RUST_LOG: "warn",
      ...clock,
    },
  },
});
