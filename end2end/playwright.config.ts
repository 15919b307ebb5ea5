import { defineConfig } from "@playwright/test";
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
      RUST_LOG: "warn",
    },
  },
});
