import { test, expect } from "@playwright/test";
import { ensureInstance, openAddApiClient, openApiSettings, signUp, takeCreatedClient } from "./helpers";

// PRODUCT.md §8: the operator's scopes sit on the API Client form beside Portcullis's own, and
// a credential made there opens the operator's routes through forward-auth (/gate/check) until
// it is deleted. This file signs up its own organization.
const owner = { name: "Gus Gatekeeper", email: "gus@guard.test", password: "gus's long password", org: "Guard Org" };

test("an API Client with an operator scope passes forward-auth for its route, and not after deletion", async ({ page, request }) => {
  await ensureInstance(page, "guard.test");
  await signUp(page, owner);

  const settings = await openApiSettings(page);
  await expect(settings).toContainText("These credentials call Acme Orders API.");
  const panel = await openAddApiClient(page, settings);
  // The operator's scopes follow Portcullis's own, each with its description.
  await expect(panel.getByLabel("credentials:read")).toBeChecked();
  await expect(panel.getByLabel("orders:read")).not.toBeChecked();
  await expect(panel.getByLabel("orders:write")).not.toBeChecked();
  await expect(panel.getByText("Create and change orders")).toBeVisible();
  const labels = await panel.locator("input[type=checkbox]").evaluateAll((boxes) =>
    boxes.map((b) => (b as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? ""),
  );
  expect(labels.filter((l) => l.includes(":"))).toEqual([
    "credentials:read",
    "credentials:write",
    "audit:read",
    "orders:read",
    "orders:write",
  ]);
  await panel.getByLabel("Client Name").fill("Order sync");
  await panel.getByLabel("credentials:read").uncheck();
  await panel.getByLabel("orders:write").check();
  await panel.getByRole("button", { name: "Add" }).click();
  const { clientId, secret } = await takeCreatedClient(page);
  await expect(settings.getByRole("row", { name: /Order sync/ })).toBeVisible();

  const issued = await request.post("/oauth/token", {
    headers: { Authorization: "Basic " + Buffer.from(`${clientId}:${secret}`).toString("base64") },
    form: { grant_type: "client_credentials" },
  });
  expect(issued.status()).toBe(200);
  const { access_token, scope } = await issued.json();
  expect(scope).toBe("orders:write");

  // What a proxy asks: the original method and path, with the caller's token.
  const check = (method: string, uri: string) =>
    request.get("/gate/check", {
      headers: { Authorization: `Bearer ${access_token}`, "X-Forwarded-Method": method, "X-Forwarded-Uri": uri },
    });
  const placed = await check("POST", "/orders");
  expect(placed.status()).toBe(200);
  expect(placed.headers()["x-portcullis-client-id"]).toBe(clientId);
  expect(placed.headers()["x-portcullis-scopes"]).toBe("orders:write");
  const read = await check("GET", "/orders/7");
  expect(read.status()).toBe(403);
  expect((await read.json()).error).toBe("insufficient_scope");

  // Deleted in the console: refused on the next check.
  await settings.getByRole("row", { name: /Order sync/ }).click();
  await page.getByRole("dialog", { name: "Edit API Client" }).getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog", { name: "Delete Order sync?" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toHaveText("API Client deleted");
  const after = await check("POST", "/orders");
  expect(after.status()).toBe(401);
  expect((await after.json()).error).toBe("invalid_token");
});
