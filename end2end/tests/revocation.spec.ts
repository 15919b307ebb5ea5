import { test, expect } from "@playwright/test";
import * as fs from "node:fs";
import { ensureInstance, openAddApiClient, openApiSettings, signUp, takeCreatedClient } from "./helpers";

// PRODUCT.md §6: deleting an API Client in the console stops the JWTs it already obtained, on
// the very next request. This file signs up its own organization.
const owner = { name: "Rita Revoker", email: "rita@revocation.test", password: "rita's long password", org: "Revocation Org" };

test("deleting an API Client in the console stops a JWT it obtained a minute earlier", async ({ page, request }) => {
  const clockFile = process.env.E2E_CLOCK_FILE;
  test.skip(!clockFile, "moving the server's clock needs Debian's faketime (apt-get install faketime)");
  await ensureInstance(page, "revocation.test");
  await signUp(page, owner);

  const settings = await openApiSettings(page);
  const panel = await openAddApiClient(page, settings);
  await panel.getByLabel("Client Name").fill("Nightly export");
  await panel.getByRole("button", { name: "Add" }).click();
  const { clientId, secret } = await takeCreatedClient(page);

  // The client's backend gets a token (HTTP Basic) and uses it.
  const issued = await request.post("/oauth/token", {
    headers: { Authorization: "Basic " + Buffer.from(`${clientId}:${secret}`).toString("base64") },
    form: { grant_type: "client_credentials" },
  });
  expect(issued.status()).toBe(200);
  const { access_token } = await issued.json();
  const me = () => request.get("/api/v1/me", { headers: { Authorization: `Bearer ${access_token}` } });
  const first = await me();
  expect(first.status()).toBe(200);
  expect((await first.json()).name).toBe("Nightly export");

  // A minute later (the server's clock moves; nobody waits), someone deletes the client.
  fs.writeFileSync(clockFile!, "+60\n");
  const reissued = await request.post("/oauth/token", {
    headers: { Authorization: "Basic " + Buffer.from(`${clientId}:${secret}`).toString("base64") },
    form: { grant_type: "client_credentials" },
  });
  const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
  expect(claims((await reissued.json()).access_token).iat).toBeGreaterThanOrEqual(claims(access_token).iat + 60);
  expect((await me()).status()).toBe(200);
  await settings.getByRole("row", { name: /Nightly export/ }).click();
  await page.getByRole("dialog", { name: "Edit API Client" }).getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog", { name: "Delete Nightly export?" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toHaveText("API Client deleted");

  // The very next request with the token fails.
  const after = await me();
  expect(after.status()).toBe(401);
  expect(after.headers()["www-authenticate"]).toBe('Bearer realm="portcullis", error="invalid_token"');
});
