import { test, expect, type Browser, type Page } from "@playwright/test";
import { ensureInstance, openAddApiClient, openApiSettings, signIn, signUp, takeCreatedClient } from "./helpers";

// The Settings pages are rendered on the server, data included (PRODUCT.md §7): with JavaScript
// off they show what they hold, and with it on they hydrate without an error and stay usable.
test.describe.configure({ mode: "serial" });

const who = { name: "Sam Server", email: "sam@rendering.test", password: "sam's long password", org: "Rendering Org" };

/** Collects what the page logs as an error, panics and hydration messages included. */
function errorsOf(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" || /hydrat/i.test(m.text())) errors.push(m.text());
  });
  return errors;
}

/** A browser context with JavaScript off, signed in as `who` through the plain form. */
async function signInWithoutJavaScript(browser: Browser) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  return { context, page };
}

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await ensureInstance(page, "rendering.test");
  await signUp(page, who);
  const settings = await openApiSettings(page);
  const add = await openAddApiClient(page, settings);
  await add.getByLabel("Client Name").fill("Nightly export");
  await add.getByRole("button", { name: "Add" }).click();
  await takeCreatedClient(page);
  await settings.getByRole("button", { name: "Add New" }).click();
  await page.getByRole("menuitem", { name: /Restricted Access Token/ }).click();
  const token = page.getByRole("dialog", { name: "Add Restricted Access Token" });
  await token.getByLabel("Token Name").fill("Status widget");
  await token.getByLabel("Allowed IP Addresses").fill("203.0.113.7");
  await token.getByRole("button", { name: "Add" }).click();
  await page.getByRole("dialog", { name: "Restricted Access Token Created" }).getByRole("button", { name: "Ok" }).click();
  await page.close();
});

test("with JavaScript off the API page shows the banner and both tables", async ({ browser }) => {
  const { context, page } = await signInWithoutJavaScript(browser);
  await page.goto("/?settings-modal=open&path=api");
  const settings = page.getByRole("dialog", { name: "Settings" });
  await expect(settings.getByRole("heading", { name: "Configure your API" })).toBeVisible();
  const clients = settings.getByRole("region", { name: "API Clients" });
  await expect(clients.getByRole("row", { name: /Nightly export/ })).toBeVisible();
  const tokens = settings.getByRole("region", { name: "Restricted Access Tokens" });
  await expect(tokens.getByRole("row", { name: /Status widget/ })).toBeVisible();
  await expect(tokens.getByText("203.0.113.7")).toBeVisible();
  await expect(settings.getByText("Loading credentials…")).toHaveCount(0);
  await context.close();
});

test("with JavaScript off a row opens its Edit slide-over, a refusal comes back in it, Update saves, Add New opens", async ({ browser }) => {
  const { context, page } = await signInWithoutJavaScript(browser);
  await page.goto("/?settings-modal=open&path=api");
  const settings = page.getByRole("dialog", { name: "Settings" });
  await settings.getByRole("row", { name: /Status widget/ }).click();
  const edit = page.getByRole("dialog", { name: "Edit Restricted Access Token" });
  await expect(edit.getByLabel("Allowed IP Addresses")).toHaveValue("203.0.113.7");
  await edit.getByLabel("Allowed IP Addresses").fill("300.1.1.1");
  await edit.getByRole("button", { name: "Update" }).click();
  await expect(edit.getByText("not an IP address or CIDR range: 300.1.1.1")).toBeVisible();
  await edit.getByLabel("Allowed IP Addresses").fill("203.0.113.8");
  await edit.getByRole("button", { name: "Update" }).click();
  await expect(page.getByRole("status")).toHaveText("Restricted Access Token updated");
  const tokens = settings.getByRole("region", { name: "Restricted Access Tokens" });
  await expect(tokens.getByText("203.0.113.8")).toBeVisible();

  // Add New opens its menu as a page; adding needs JavaScript (the token is shown once).
  await settings.getByRole("button", { name: "Add New" }).click();
  await page.getByRole("menuitem", { name: /Restricted Access Token/ }).click();
  const add = page.getByRole("dialog", { name: "Add Restricted Access Token" });
  await expect(add.getByRole("button", { name: "Add" })).toBeDisabled();
  await add.getByRole("button", { name: "Cancel" }).click();
  await expect(add).toHaveCount(0);
  await context.close();
});

test("with JavaScript off the General and Members pages show their content", async ({ browser }) => {
  const { context, page } = await signInWithoutJavaScript(browser);
  await page.goto("/?settings-modal=open&path=general");
  const settings = page.getByRole("dialog", { name: "Settings" });
  await expect(settings.getByLabel("Organization name")).toHaveValue(who.org);
  await page.goto("/?settings-modal=open&path=members");
  await expect(settings.getByRole("cell", { name: who.email })).toBeVisible();
  await expect(settings.getByText("Loading members…")).toHaveCount(0);
  await context.close();
});

for (const path of ["general", "members", "audit", "api"]) {
  test(`Settings › ${path} hydrates on a full load without an error and stays usable`, async ({ page }) => {
    const errors = errorsOf(page);
    await signIn(page, who);
    await page.goto(`/?settings-modal=open&path=${path}`);
    await page
      .locator("html[data-hydrated]")
      .waitFor({ state: "attached", timeout: 10_000 })
      .catch((e) => {
        throw new Error(`not hydrated: ${errors.join("\n")}`, { cause: e });
      });
    const settings = page.getByRole("dialog", { name: "Settings" });
    await expect(settings.getByRole("link", { name: "General" })).toBeVisible();
    // Usable: the Settings navigation and Close work (each a full load of a server page).
    await settings.getByRole("link", { name: "Members" }).click();
    await expect(settings.getByRole("heading", { name: "Members" })).toBeVisible();
    await settings.getByRole("button", { name: "Close" }).click();
    await expect(settings).toBeHidden();
    expect(errors).toEqual([]);
  });
}
