import { test, expect, type Page, type Browser, type Locator } from "@playwright/test";
import { closeShownOnce, hydrated, openAddApiClient, openAddToken, openRow } from "./helpers";

// The API page, statement by statement (PRODUCT.md §2–§4). This file signs up its own
// organization, so it does not depend on the accounts tests beyond the instance being set up.
test.describe.configure({ mode: "serial" });

const admin = { name: "Carol Admin", email: "carol@credentials.test", password: "carol's long password", org: "Credentials Org" };
const flagged = { name: "Frank Flagged", email: "frank@credentials.test", password: "frank's long password" };
const plain = { name: "Paula Plain", email: "paula@credentials.test", password: "paula's long password" };
let clientSecret = "";
let clientId = "";

async function ensureInstance(page: Page) {
  await page.goto("/setup");
  if (page.url().endsWith("/setup")) {
    await page.getByLabel("Your name").fill("First Admin");
    await page.getByLabel("Email").fill("first@credentials.test");
    await page.getByLabel("Password").fill("first admin password");
    await page.getByLabel("Organization name").fill("First Org");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  }
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

async function openApiPage(page: Page): Promise<Locator> {
  await page.goto("/?settings-modal=open&path=api");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const settings = page.getByRole("dialog", { name: "Settings" });
  await expect(settings.getByText("Configure your API")).toBeVisible();
  return settings;
}

async function addClient(page: Page, name: string, fields: { description?: string; origins?: string } = {}) {
  const panel = await openAddApiClient(page, page_settings(page));
  await panel.getByLabel("Client Name").fill(name);
  if (fields.description) await panel.getByLabel("Description").fill(fields.description);
  if (fields.origins) await panel.getByLabel("Allowed Origins").fill(fields.origins);
  await panel.getByRole("button", { name: "Add" }).click();
  const created = page.getByRole("dialog", { name: "API Client Created" });
  await expect(created).toBeVisible();
  const secret = (await created.getByRole("button", { name: "Copy Client Secret" }).textContent())!.trim();
  const id = (await created.getByRole("button", { name: "Copy Client ID" }).textContent())!.trim();
  await closeShownOnce(page, created);
  return { secret, id };
}

async function newMember(browser: Browser, adminPage: Page, who: typeof flagged, manage: boolean) {
  const settings = page_settings(adminPage);
  await adminPage.goto("/?settings-modal=open&path=members");
  await settings.getByRole("button", { name: "Invite member" }).click();
  const form = adminPage.getByRole("dialog", { name: "Invite member" });
  await form.getByLabel("Email").fill(who.email);
  await form.getByLabel("Role").selectOption("Member");
  if (manage) await form.getByLabel("Manage API credentials").check();
  await form.getByRole("button", { name: "Create invite" }).click();
  const created = adminPage.getByRole("dialog", { name: "Invite created" });
  const link = await created.getByLabel("Invite link").inputValue();
  await created.getByRole("button", { name: "Ok" }).click();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await page.getByLabel("Your name").fill(who.name);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Join" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  return { context, page };
}

function page_settings(page: Page) {
  return page.getByRole("dialog", { name: "Settings" });
}

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await ensureInstance(page);
  await page.context().clearCookies();
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(admin.name);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByLabel("Organization name").fill(admin.org);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.close();
});

test("a new organization's API page: banner and actions, tables hidden while empty", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  const settings = await openApiPage(page);
  await expect(settings.getByRole("link", { name: "View Docs" })).toHaveAttribute("href", "/docs");
  await expect(settings.getByRole("link", { name: "Run in Postman" })).toHaveAttribute("href", "/docs/postman-collection.json");
  await expect(settings.getByRole("button", { name: "Add New" })).toBeVisible();
  await expect(settings.getByRole("heading", { name: "API Clients" })).toHaveCount(0);
  await expect(settings.getByRole("heading", { name: "Restricted Access Tokens" })).toHaveCount(0);
  await settings.getByRole("button", { name: "Add New" }).click();
  await expect(page.getByRole("menuitem", { name: /API Client/ })).toContainText("Create a secure API client");
  await expect(page.getByRole("menuitem", { name: /Restricted Access Token/ })).toContainText("Create a restricted access token");
});

test("creating an API Client refuses a bad origin inline, then shows the secret once", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, admin.email, admin.password);
  const panel = await openAddApiClient(page, await openApiPage(page));
  await expect(panel.getByLabel("credentials:read")).toBeChecked();
  await expect(panel.getByLabel("credentials:write")).not.toBeChecked();
  await panel.getByLabel("Client Name").fill("beta sync");
  await panel.getByLabel("Description").fill("Nightly warehouse load");
  await panel.getByLabel("Allowed Origins").fill("https://App.Example.com/, https://bad.example.com/path");
  await panel.getByRole("button", { name: "Add" }).click();
  await expect(panel.getByText("not an origin (no path): https://bad.example.com/path")).toBeVisible();
  await expect(panel.getByLabel("Client Name")).toHaveValue("beta sync");
  await panel.getByLabel("Allowed Origins").fill("https://App.Example.com/, http://localhost:3000");
  await panel.getByLabel("credentials:write").check();
  await panel.getByRole("button", { name: "Add" }).click();

  const created = page.getByRole("dialog", { name: "API Client Created" });
  await expect(created).toBeVisible();
  await expect(created).toContainText("only this once");
  clientId = (await created.getByRole("button", { name: "Copy Client ID" }).textContent())!.trim();
  clientSecret = (await created.getByRole("button", { name: "Copy Client Secret" }).textContent())!.trim();
  expect(clientId).toMatch(/^pci_[0-9A-Za-z]{20,}$/);
  expect(clientSecret).toMatch(/^pcs_[0-9A-Za-z]{46}$/);
  await created.getByRole("button", { name: "Copy Client Secret" }).click();
  await expect(created.getByText("Copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clientSecret);
  await closeShownOnce(page, created);

  const settings = page_settings(page);
  const row = settings.getByRole("row", { name: /beta sync/ });
  await expect(row).toContainText(`•••• ${clientSecret.slice(-4)}`);
  await expect(row).toContainText("Nightly warehouse load");
  await expect(row).toContainText("https://app.example.com");
  await expect(row).toContainText("http://localhost:3000");
  await expect(row.getByText("active")).toHaveCSS("color", "rgb(30, 118, 52)");
  expect(await page.content()).not.toContain(clientSecret);
  await page.reload();
  await expect(page_settings(page).getByRole("row", { name: /beta sync/ })).toBeVisible();
  expect(await page.content()).not.toContain(clientSecret);
  await hydrated(page);

  // The Client ID copies from the table (and, as anywhere on the row, opens the row).
  await page_settings(page).getByRole("row", { name: /beta sync/ }).getByRole("button", { name: "Copy Client ID" }).click();
  await expect(page.getByRole("dialog", { name: "Edit API Client" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clientId);
  await hydrated(page);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Edit API Client" })).toHaveCount(0);
});

test("rows are sorted by name case-insensitively; empty description shows -", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  await openApiPage(page);
  await addClient(page, "Alpha reporting");
  await addClient(page, "charlie");
  const names = await page_settings(page).locator(".credentials-table").first().locator("tbody tr td:first-child .credential-name").allTextContents();
  expect(names).toEqual(["Alpha reporting", "beta sync", "charlie"]);
  const alpha = page_settings(page).getByRole("row", { name: /Alpha reporting/ });
  await expect(alpha.getByRole("cell").nth(1)).toHaveText("-");
  await expect(alpha.getByRole("cell").nth(4)).toHaveText("-");
});

test("a Restricted Access Token: bad IP named inline, token shown once, pills", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  const panel = await openAddToken(page, await openApiPage(page));
  await panel.getByLabel("Token Name").fill("Kiosk");
  await panel.getByLabel("Allowed IP Addresses").fill("203.0.113.7/24, 300.1.1.1");
  await panel.getByRole("button", { name: "Add" }).click();
  await expect(panel.getByText("not an IP address or CIDR range: 300.1.1.1")).toBeVisible();
  await expect(panel.getByLabel("Allowed IP Addresses")).toHaveValue("203.0.113.7/24, 300.1.1.1");
  await panel.getByLabel("Allowed IP Addresses").fill("203.0.113.7/24, ::ffff:198.51.100.9, 2001:db8::/32");
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await panel.getByLabel("Expiration date").fill(tomorrow);
  await panel.getByRole("button", { name: "Add" }).click();
  const created = page.getByRole("dialog", { name: "Restricted Access Token Created" });
  await expect(created).toBeVisible();
  const token = (await created.getByRole("button", { name: "Copy value" }).textContent())!.trim();
  expect(token).toMatch(/^pcr_[0-9A-Za-z]{46}$/);
  await closeShownOnce(page, created);
  const row = page_settings(page).getByRole("row", { name: /Kiosk/ });
  await expect(row).toContainText(`•••• ${token.slice(-4)}`);
  for (const ip of ["203.0.113.0/24", "198.51.100.9", "2001:db8::/32"]) {
    await expect(row.locator(".pill", { hasText: ip })).toBeVisible();
  }
  expect(await page.content()).not.toContain(token);
});

test("edit with Update, and delete with a confirmation naming the credential", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  const settings = await openApiPage(page);
  const panel = await openRow(page, settings, /charlie/, "Edit API Client");
  await expect(panel.getByLabel("Client Name")).toHaveValue("charlie");
  await panel.getByLabel("Description").fill("Renamed by the test");
  await panel.getByLabel("Allowed Origins").fill("*");
  await panel.getByRole("button", { name: "Update" }).click();
  await expect(panel.getByText("not an origin (wildcards are not allowed): *")).toBeVisible();
  await panel.getByLabel("Allowed Origins").fill("");
  await panel.getByRole("button", { name: "Update" }).click();
  await expect(page.getByRole("status")).toHaveText("API Client updated");
  await expect(settings.getByRole("row", { name: /charlie/ })).toContainText("Renamed by the test");

  // Keyboard: Enter on a focused row opens it.
  await hydrated(page);
  await settings.getByRole("row", { name: /Kiosk/ }).focus();
  await page.keyboard.press("Enter");
  const tokenPanel = page.getByRole("dialog", { name: "Edit Restricted Access Token" });
  await tokenPanel.getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete Kiosk?" });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toHaveText("Restricted Access Token deleted");
  await expect(settings.getByRole("heading", { name: "Restricted Access Tokens" })).toHaveCount(0);

  // An Admin can disable an API Client: its status turns red.
  const alpha = await openRow(page, settings, /Alpha reporting/, "Edit API Client");
  await alpha.getByRole("button", { name: "Disable" }).click();
  await expect(page.getByRole("status")).toHaveText("API Client disabled");
  const status = settings.getByRole("row", { name: /Alpha reporting/ }).getByText("disabled");
  await expect(status).toHaveCSS("color", "rgb(201, 42, 42)");
});

test("a Member with Manage API credentials manages tokens but sees the API Client form disabled", async ({ browser, page }) => {
  await signIn(page, admin.email, admin.password);
  const { context, page: memberPage } = await newMember(browser, page, flagged, true);
  const settings = await openApiPage(memberPage);
  await expect(settings.getByRole("link", { name: "View Docs" })).toBeVisible();
  const panel = await openRow(memberPage, settings, /beta sync/, "Edit API Client");
  await expect(panel.getByLabel("Client Name")).toBeDisabled();
  await expect(panel.getByRole("button", { name: "Update" })).toBeDisabled();
  await expect(panel.getByRole("button", { name: "Delete" })).toBeDisabled();
  await memberPage.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  const add = await openAddApiClient(memberPage, settings);
  await expect(add.getByLabel("Client Name")).toBeDisabled();
  await expect(add.getByRole("button", { name: "Add" })).toBeDisabled();
  await add.getByRole("button", { name: "Cancel" }).click();
  await expect(add).toHaveCount(0);
  const tokenPanel = await openAddToken(memberPage, settings);
  await tokenPanel.getByLabel("Token Name").fill("Member kiosk");
  await tokenPanel.getByLabel("Allowed IP Addresses").fill("192.0.2.1");
  await tokenPanel.getByRole("button", { name: "Add" }).click();
  await expect(memberPage.getByRole("dialog", { name: "Restricted Access Token Created" })).toBeVisible();
  await context.close();
});

test("a Member without the flag sees the banner and tables only", async ({ browser, page }) => {
  await signIn(page, admin.email, admin.password);
  const { context, page: memberPage } = await newMember(browser, page, plain, false);
  const settings = await openApiPage(memberPage);
  await expect(settings.getByRole("heading", { name: "API Clients" })).toBeVisible();
  await expect(settings.getByRole("row", { name: /beta sync/ })).toBeVisible();
  await expect(settings.getByRole("link", { name: "View Docs" })).toHaveCount(0);
  await expect(settings.getByRole("link", { name: "Run in Postman" })).toHaveCount(0);
  await expect(settings.getByRole("button", { name: "Add New" })).toHaveCount(0);
  await settings.getByRole("row", { name: /beta sync/ }).click();
  await expect(memberPage.getByRole("dialog", { name: "Edit API Client" })).toHaveCount(0);
  await context.close();
});

test("a rate limit and a quota: refused inline when not a positive number, kept on edit", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  const panel = await openAddApiClient(page, await openApiPage(page));
  await panel.getByLabel("Client Name").fill("limited sync");
  const rate = panel.getByRole("group", { name: "Rate limit" });
  const quota = panel.getByRole("group", { name: "Quota" });
  await rate.getByLabel("Rate limit requests").fill("0");
  await panel.getByRole("button", { name: "Add" }).click();
  await expect(rate.getByText("Rate limit must be at least 1 request")).toBeVisible();
  await expect(rate.getByLabel("Rate limit requests")).toHaveAttribute("aria-invalid", "true");
  await rate.getByLabel("Rate limit requests").fill("5");
  await rate.getByLabel("requests per").selectOption("second");
  await quota.getByLabel("Quota requests").fill("1000");
  await quota.getByLabel("requests per").selectOption("month");
  await panel.getByRole("button", { name: "Add" }).click();
  const created = page.getByRole("dialog", { name: "API Client Created" });
  await expect(created).toBeVisible();
  const secret = (await created.getByRole("button", { name: "Copy Client Secret" }).textContent())!.trim();
  const id = (await created.getByRole("button", { name: "Copy Client ID" }).textContent())!.trim();
  await closeShownOnce(page, created);

  // Last used: "-" until the client calls the API, then how long ago.
  const settings = page.getByRole("dialog", { name: "Settings" });
  const lastUsed = settings.getByRole("row", { name: /limited sync/ }).getByRole("cell").last();
  await expect(lastUsed).toHaveText("-");
  const issued = await page.request.post("/oauth/token", {
    form: { grant_type: "client_credentials", client_id: id, client_secret: secret },
  });
  expect(issued.status()).toBe(200);
  const token = (await issued.json()).access_token;
  const me = await page.request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect(me.headers()["ratelimit-policy"]).toBe('"rate";q=5;w=1, "quota";q=1000;w=2592000');
  await openApiPage(page);
  await expect(settings.getByRole("row", { name: /limited sync/ }).getByRole("cell").last()).toHaveText("just now");

  await settings.getByRole("row", { name: /limited sync/ }).getByRole("cell").first().click();
  const edit = page.getByRole("dialog", { name: "Edit API Client" });
  // The usage of the last 7 days: the call above, as a chart and as a table.
  await expect(edit.getByText("Last used just now from 127.0.0.1")).toBeVisible();
  await expect(edit.getByRole("img", { name: "1 allowed and 0 refused requests in the last 7 days" })).toBeVisible();
  await edit.getByText("As a table: 1 allowed and 0 refused requests in the last 7 days").click();
  await expect(edit.getByRole("table").getByRole("row").last().getByRole("cell").first()).toHaveText("1");
  await expect(edit.getByRole("group", { name: "Rate limit" }).getByLabel("Rate limit requests")).toHaveValue("5");
  await expect(edit.getByRole("group", { name: "Rate limit" }).getByLabel("requests per")).toHaveValue("second");
  await expect(edit.getByRole("group", { name: "Quota" }).getByLabel("Quota requests")).toHaveValue("1000");
  await expect(edit.getByRole("group", { name: "Quota" }).getByLabel("requests per")).toHaveValue("month");
});
