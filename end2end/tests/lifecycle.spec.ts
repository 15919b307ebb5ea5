import { test, expect } from "@playwright/test";
import { closeShownOnce, ensureInstance, openAddApiClient, openAddToken, openApiSettings, openRow, signIn, signUp, takeCreatedClient } from "./helpers";

// The credential lifecycle (PRODUCT.md §10): Rotate secret with a grace period shows the new
// secret once and both last fours; Revoke leaves the token listed as revoked, in red.
const admin = { name: "Rosa Rotator", email: "rosa@lifecycle.test", password: "rosa's long password", org: "Lifecycle Org" };

const basic = (id: string, secret: string) => "Basic " + Buffer.from(`${id}:${secret}`).toString("base64");

test("Rotate secret keeping the old one for 24 hours: both secrets work, both last fours show", async ({ page }) => {
  await ensureInstance(page, "lifecycle.test");
  await signUp(page, admin);
  const settings = await openApiSettings(page);
  const add = await openAddApiClient(page, settings);
  await add.getByLabel("Client Name").fill("Billing sync");
  await add.getByRole("button", { name: "Add" }).click();
  const { clientId, secret: oldSecret } = await takeCreatedClient(page);

  const edit = await openRow(page, settings, /Billing sync/, "Edit API Client");
  await edit.getByLabel("Keep the old secret working for").selectOption({ label: "24 hours" });
  await edit.getByRole("button", { name: "Rotate secret" }).click();

  const rotated = page.getByRole("dialog", { name: "Client Secret Rotated" });
  await expect(rotated).toBeVisible();
  await expect(rotated.getByText("It is shown only this once")).toBeVisible();
  const newSecret = (await rotated.getByRole("button", { name: "Copy Client Secret" }).textContent())!.trim();
  expect(newSecret).not.toBe(oldSecret);
  await closeShownOnce(page, rotated);
  await expect(rotated).toHaveCount(0);

  // The row shows the new last four and, below it, the old one's with its end.
  const row = settings.getByRole("row", { name: /Billing sync/ });
  await expect(row).toContainText(`•••• ${newSecret.slice(-4)}`);
  await expect(row).toContainText(new RegExp(`•••• ${oldSecret.slice(-4)} until \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC`));

  // Both secrets get tokens while the old one lives.
  for (const secret of [oldSecret, newSecret]) {
    const issued = await page.request.post("/oauth/token", {
      headers: { Authorization: basic(clientId, secret) },
      form: { grant_type: "client_credentials" },
    });
    expect(issued.status()).toBe(200);
  }
});

test("Revoke asks first, then the token stays listed as revoked, in red, and is refused", async ({ page }) => {
  await signIn(page, admin);
  const settings = await openApiSettings(page);
  const add = await openAddToken(page, settings);
  await add.getByLabel("Token Name").fill("Kiosk");
  await add.getByLabel("Allowed IP Addresses").fill("127.0.0.1");
  await add.getByRole("button", { name: "Add" }).click();
  const created = page.getByRole("dialog", { name: "Restricted Access Token Created" });
  const token = (await created.getByRole("button", { name: "Copy value" }).textContent())!.trim();
  await closeShownOnce(page, created);
  const me = () => page.request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  expect((await me()).status()).toBe(200);

  const row = settings.getByRole("row", { name: /Kiosk/ });
  await expect(row.locator(".status")).toHaveText("active");
  const kiosk = await openRow(page, settings, /Kiosk/, "Edit Restricted Access Token");
  await kiosk.getByRole("button", { name: "Revoke" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke Kiosk?" });
  await expect(confirm).toContainText("stops working at once and for good");
  await confirm.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("status")).toHaveText("Restricted Access Token revoked");

  const status = settings.getByRole("row", { name: /Kiosk/ }).locator(".status");
  await expect(status).toHaveText("revoked");
  await expect(status).toHaveClass(/status-bad/);
  const color = await status.evaluate((el) => getComputedStyle(el).color);
  const [r, g, b] = color.match(/\d+/g)!.map(Number);
  expect(r).toBeGreaterThan(g + 50);
  expect(r).toBeGreaterThan(b + 50);
  expect((await me()).status()).toBe(401);

  // Opened again, it can be deleted but not changed.
  const edit = await openRow(page, settings, /Kiosk/, "Edit Restricted Access Token");
  await expect(edit.getByRole("button", { name: "Update" })).toHaveCount(0);
  await expect(edit.getByRole("button", { name: "Regenerate token" })).toHaveCount(0);
  await expect(edit.getByLabel("Token Name")).toBeDisabled();
  await expect(edit.getByRole("button", { name: "Delete" })).toBeEnabled();
});

test("Filter by name narrows a 12-row table at once", async ({ page }) => {
  const who = { name: "Fay Filter", email: "fay@lifecycle.test", password: "fay's long password", org: "Filter Org" };
  await signUp(page, who);
  const settings = await openApiSettings(page);
  const add = await openAddApiClient(page, settings);
  await add.getByLabel("Client Name").fill("Writer");
  await add.getByRole("checkbox", { name: "credentials:write" }).check();
  await add.getByRole("button", { name: "Add" }).click();
  const { clientId, secret } = await takeCreatedClient(page);
  // Eleven more through the API: two Alphas and nine others.
  const issued = await page.request.post("/oauth/token", {
    headers: { Authorization: basic(clientId, secret) },
    form: { grant_type: "client_credentials" },
  });
  const token = (await issued.json()).access_token;
  const names = ["Alpha one", "ALPHA two", ...Array.from({ length: 9 }, (_, n) => `Other ${n}`)];
  for (const name of names) {
    const created = await page.request.post("/api/v1/api-clients", {
      headers: { Authorization: `Bearer ${token}` },
      data: { name },
    });
    expect(created.status()).toBe(201);
  }

  const again = await openApiSettings(page);
  const clients = again.locator("section", { has: page.getByRole("heading", { name: "API Clients" }) });
  await expect(clients.locator("tbody tr")).toHaveCount(12);
  const filter = clients.getByLabel("Filter by name");
  await filter.fill("alpha");
  await expect(clients.locator("tbody tr")).toHaveCount(2);
  await expect(clients.locator("tbody tr").first()).toContainText("Alpha one");
  await expect(filter).toBeFocused();
  await filter.fill("no such name");
  await expect(clients.getByText("No names match.")).toBeVisible();
  await filter.fill("");
  await expect(clients.locator("tbody tr")).toHaveCount(12);
  await expect(clients.getByRole("button", { name: "Load more" })).toHaveCount(0);
});

test("Application type: chosen on Add, with its guide, and shown under the name", async ({ page }) => {
  await signIn(page, admin);
  const settings = await openApiSettings(page);
  const add = await openAddApiClient(page, settings);
  const select = add.getByLabel("Application type");
  await expect(select).toHaveValue("custom");
  await expect(select.locator("option")).toHaveText(["Custom", "Active Directory"]);
  await add.getByLabel("Client Name").fill("Directory sync");
  await select.selectOption({ label: "Active Directory" });
  await expect(add.getByRole("link", { name: "Active Directory guide" })).toHaveAttribute(
    "href",
    "https://example.com/guides/ad",
  );
  await add.getByRole("button", { name: "Add" }).click();
  await takeCreatedClient(page);
  const row = settings.getByRole("row", { name: /Directory sync/ });
  await expect(row.locator(".app-type")).toHaveText("Active Directory");
  await expect(settings.getByRole("row", { name: /Billing sync/ }).locator(".app-type")).toHaveText("Custom");
  await openRow(page, settings, /Directory sync/, "Edit API Client");
  await expect(page.getByRole("dialog", { name: "Edit API Client" }).getByLabel("Application type")).toHaveValue(
    "active-directory",
  );
});

// An 8×8 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAYAAADED76LAAAAEklEQVR4nGO4YGDwHx9mGBkKAAKgi8HP4iOoAAAAAElFTkSuQmCC",
  "base64",
);

test("Client logo: uploaded in Edit, shown beside the name, anything else refused inline, removed", async ({ page }) => {
  await signIn(page, admin);
  const settings = await openApiSettings(page);
  const row = settings.getByRole("row", { name: /Billing sync/ });
  await expect(row.locator("img.client-logo")).toHaveCount(0);
  const edit = await openRow(page, settings, /Billing sync/, "Edit API Client");
  await expect(edit.getByText("No logo")).toBeVisible();

  await edit.getByLabel("Upload logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
  const current = edit.getByRole("img", { name: "Current logo" });
  await expect(current).toBeVisible();
  expect(await current.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(8);
  await edit.getByRole("button", { name: "Cancel" }).click();
  await expect(row.locator("img.client-logo")).toHaveCount(1);
  await openRow(page, settings, /Billing sync/, "Edit API Client");

  // An HTML page named .png is refused under the field; the logo stays.
  await edit.getByLabel("Upload logo").setInputFiles({
    name: "evil.png",
    mimeType: "image/png",
    buffer: Buffer.from("<!doctype html><script>alert(1)</script>"),
  });
  await expect(edit.getByRole("alert").filter({ hasText: "The logo must be a PNG or JPEG image" })).toBeVisible();
  await expect(current).toBeVisible();

  await edit.getByRole("button", { name: "Remove logo" }).click();
  await expect(edit.getByText("No logo")).toBeVisible();
  await edit.getByRole("button", { name: "Cancel" }).click();
  await expect(row.locator("img.client-logo")).toHaveCount(0);
});
