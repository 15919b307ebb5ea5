import { expect, type Locator, type Page } from "@playwright/test";

// Steps several spec files share. Each spec signs up its own organization, so none depends on
// another beyond the instance being set up.

export type Person = { name: string; email: string; password: string; org: string };

/** Sets the instance up (with a first Admin of its own) if no one has yet, then signs out. */
export async function ensureInstance(page: Page, domain: string) {
  await page.goto("/setup");
  if (page.url().endsWith("/setup")) {
    await page.getByLabel("Your name").fill("First Admin");
    await page.getByLabel("Email").fill(`first@${domain}`);
    await page.getByLabel("Password").fill("first admin password");
    await page.getByLabel("Organization name").fill("First Org");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await page.context().clearCookies();
  }
}

/** Creates `who`'s organization at /signup; leaves them signed in. */
export async function signUp(page: Page, who: Person) {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(who.name);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByLabel("Organization name").fill(who.org);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

/** Signs `who` in at /login and waits for the overview. */
export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

/**
 * Waits until the page loaded last has its islands running. Each slide-over, dialog and change
 * on the API page is a page load of its own (a URL state); what only a browser can do (Escape,
 * a click on a row, Add New's menu) works once the islands are. Call it after something of the
 * new page is seen, so that it is the new page's mark that is waited for.
 */
export async function hydrated(page: Page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

/** Opens Settings › Developer › API on a full load, once the page is hydrated. */
export async function openApiSettings(page: Page) {
  await page.goto("/?settings-modal=open&path=api");
  await hydrated(page);
  return page.getByRole("dialog", { name: "Settings" });
}

/** Opens the Add API Client slide-over from the API page. */
export async function openAddApiClient(page: Page, settings: Locator) {
  await hydrated(page);
  await settings.getByRole("button", { name: "Add New" }).click();
  await page.getByRole("menuitem", { name: /API Client/ }).click();
  const panel = page.getByRole("dialog", { name: "Add API Client" });
  await expect(panel).toBeVisible();
  await hydrated(page);
  return panel;
}

/** Opens the Add Restricted Access Token slide-over from the API page. */
export async function openAddToken(page: Page, settings: Locator) {
  await hydrated(page);
  await settings.getByRole("button", { name: "Add New" }).click();
  await page.getByRole("menuitem", { name: /Restricted Access Token/ }).click();
  const panel = page.getByRole("dialog", { name: "Add Restricted Access Token" });
  await expect(panel).toBeVisible();
  await hydrated(page);
  return panel;
}

/** Opens a row's Edit slide-over (`dialog`: its title) by a click. */
export async function openRow(page: Page, settings: Locator, name: RegExp, dialog: string) {
  await hydrated(page);
  await settings.getByRole("row", { name }).click();
  const panel = page.getByRole("dialog", { name: dialog });
  await expect(panel).toBeVisible();
  await hydrated(page);
  return panel;
}

/** Closes a shown-once dialog with Ok and waits for the API page behind it. */
export async function closeShownOnce(page: Page, dialog: Locator) {
  await dialog.getByRole("button", { name: "Ok" }).click();
  await expect(dialog).toBeHidden();
  await hydrated(page);
}

/** Reads the Client ID and the shown-once secret from the API Client Created dialog, then closes it. */
export async function takeCreatedClient(page: Page) {
  const created = page.getByRole("dialog", { name: "API Client Created" });
  const secret = (await created.getByRole("button", { name: "Copy Client Secret" }).textContent())!.trim();
  const clientId = (await created.getByRole("button", { name: "Copy Client ID" }).textContent())!.trim();
  await closeShownOnce(page, created);
  return { clientId, secret };
}
