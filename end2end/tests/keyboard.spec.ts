import { test, expect, type Locator, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { closeShownOnce, ensureInstance, hydrated, openAddApiClient, openAddToken, openApiSettings, openRow, signIn, signUp, takeCreatedClient } from "./helpers";

// The keyboard alone (PRODUCT.md §3): focus stays inside an open dialog or slide-over and goes
// back to what opened it; Escape closes; Add New is a WAI-ARIA menu button. And an automated
// accessibility check (axe-core) finds nothing serious or critical on the console's pages.
test.describe.configure({ mode: "serial" });

const admin = { name: "Kim Keys", email: "kim@keyboard.test", password: "kim's long password", org: "Keyboard Org" };

/** Presses `key` 30 times; after each press the focus is inside `dialog`. */
async function focusStaysInside(page: Page, dialog: Locator, key: "Tab" | "Shift+Tab") {
  await expect(dialog).toBeVisible();
  await hydrated(page);
  const handle = await dialog.elementHandle();
  for (let i = 1; i <= 30; i++) {
    await page.keyboard.press(key);
    const inside = await page.evaluate((el) => !!el && el.contains(document.activeElement), handle);
    expect(inside, `${key} #${i} left the dialog`).toBe(true);
  }
}

async function bothWays(page: Page, dialog: Locator) {
  await focusStaysInside(page, dialog, "Tab");
  await focusStaysInside(page, dialog, "Shift+Tab");
}

/** No serious or critical axe-core violation on what the page shows now. */
async function accessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(bad, what).toEqual([]);
}

const focused = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");

test("Settings, slide-overs and confirmations keep the focus inside and give it back", async ({ page }) => {
  await ensureInstance(page, "keyboard.test");
  await signUp(page, admin);
  const settings = await openApiSettings(page);
  await bothWays(page, settings);

  const add = await openAddApiClient(page, settings);
  await bothWays(page, add);
  await page.keyboard.press("Escape");
  await expect(add).toHaveCount(0);
  await expect(settings.getByRole("button", { name: "Add New" })).toBeFocused();

  const again = await openAddApiClient(page, settings);
  await again.getByLabel("Client Name").fill("Keyboard client");
  await again.getByRole("button", { name: "Add" }).click();
  const created = page.getByRole("dialog", { name: "API Client Created" });
  await bothWays(page, created);
  await takeCreatedClient(page);

  const row = settings.getByRole("row", { name: /Keyboard client/ });
  await hydrated(page);
  await row.focus();
  await page.keyboard.press("Enter");
  const edit = page.getByRole("dialog", { name: "Edit API Client" });
  await bothWays(page, edit);
  await edit.getByRole("button", { name: "Delete" }).focus();
  await page.keyboard.press("Enter");
  const confirm = page.getByRole("dialog", { name: "Delete Keyboard client?" });
  await bothWays(page, confirm);
  await page.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  // The focus comes back once the page under it runs, so the keys after it are heard.
  await expect(edit.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(edit).toHaveCount(0);
  await expect(row).toBeFocused();
  // Escape closes the Settings dialog itself too.
  await page.keyboard.press("Escape");
  await expect(settings).toHaveCount(0);
});

test("Restricted Access Token slide-overs, their dialogs and the revoke confirmation keep the focus too", async ({ page }) => {
  await signIn(page, admin);
  const settings = await openApiSettings(page);
  const add = await openAddToken(page, settings);
  await bothWays(page, add);
  await add.getByLabel("Token Name").fill("Keyboard kiosk");
  await add.getByLabel("Allowed IP Addresses").fill("127.0.0.1");
  await add.getByRole("button", { name: "Add" }).click();
  const created = page.getByRole("dialog", { name: "Restricted Access Token Created" });
  await bothWays(page, created);
  await closeShownOnce(page, created);

  const row = settings.getByRole("row", { name: /Keyboard kiosk/ });
  await row.focus();
  await page.keyboard.press("Enter");
  const edit = page.getByRole("dialog", { name: "Edit Restricted Access Token" });
  await bothWays(page, edit);
  await edit.getByRole("button", { name: "Regenerate token" }).click();
  const regenerated = page.getByRole("dialog", { name: "Restricted Access Token Regenerated" });
  await bothWays(page, regenerated);
  await closeShownOnce(page, regenerated);
  await openRow(page, settings, /Keyboard kiosk/, "Edit Restricted Access Token");
  await edit.getByRole("button", { name: "Revoke" }).focus();
  await page.keyboard.press("Enter");
  const confirm = page.getByRole("dialog", { name: "Revoke Keyboard kiosk?" });
  await bothWays(page, confirm);
  await page.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  await expect(edit.getByRole("button", { name: "Revoke" })).toBeFocused();
});

/** A slow network: from now on the browser bundle arrives a second late, after what is done. */
async function slowBundle(page: Page) {
  await page.route("**/pkg/*.wasm", async (route) => {
    await new Promise((arrived) => setTimeout(arrived, 1000));
    await route.continue();
  });
}

const notHydrated = (page: Page) => page.evaluate(() => !document.documentElement.hasAttribute("data-hydrated"));

test("keys pressed before the page's script runs are kept: Tab stays in the slide-over, Escape closes it", async ({ page }) => {
  await signIn(page, admin);
  const settings = await openApiSettings(page);
  await slowBundle(page);
  await settings.getByRole("button", { name: "Add New" }).click();
  await page.getByRole("menuitem", { name: /API Client/ }).click();
  const add = page.getByRole("dialog", { name: "Add API Client" });
  await expect(add).toBeVisible();
  expect(await notHydrated(page)).toBe(true);
  for (let i = 1; i <= 3; i++) {
    await page.keyboard.press("Tab");
    expect(await add.evaluate((el) => el.contains(document.activeElement)), `Tab #${i}`).toBe(true);
  }
  await page.keyboard.press("Escape");
  expect(await notHydrated(page)).toBe(true);
  await expect(add).toHaveCount(0);
  await expect(settings.getByRole("button", { name: "Add New" })).toBeFocused();
  await page.unrouteAll();
});

test("a form posted before the page's script runs waits for it: the refusal shows inline and what was typed stays", async ({ page }) => {
  await signIn(page, admin);
  const settings = await openApiSettings(page);
  await slowBundle(page);
  await settings.getByRole("row", { name: /Keyboard client/ }).click();
  const edit = page.getByRole("dialog", { name: "Edit API Client" });
  await expect(edit).toBeVisible();
  expect(await notHydrated(page)).toBe(true);
  await edit.getByLabel("Allowed Origins").fill("*");
  await edit.getByRole("button", { name: "Update" }).click();
  expect(await notHydrated(page)).toBe(true);
  await expect(edit.getByText("not an origin (wildcards are not allowed): *")).toBeVisible();
  await expect(edit.getByLabel("Allowed Origins")).toHaveValue("*");
  await expect(edit.getByLabel("Allowed Origins")).toHaveAttribute("aria-invalid", "true");
  await page.unrouteAll();
});

test("the Members page's Invite member dialog keeps the focus and gives it back to its button", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/?settings-modal=open&path=members");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const settings = page.getByRole("dialog", { name: "Settings" });
  const open = settings.getByRole("button", { name: "Invite member" });
  await open.focus();
  await page.keyboard.press("Enter");
  const invite = page.getByRole("dialog", { name: "Invite member" });
  await bothWays(page, invite);
  await page.keyboard.press("Escape");
  await expect(invite).toHaveCount(0);
  await expect(open).toBeFocused();
  await expect(settings).toBeVisible();
});

test("the Account menu follows the menu button pattern too", async ({ page }) => {
  await signIn(page, admin);
  const button = page.getByRole("button", { name: "Account" });
  await button.focus();
  await page.keyboard.press("ArrowDown");
  const menu = page.getByRole("menu");
  await expect(menu).toBeVisible();
  await expect(button).toHaveAttribute("aria-expanded", "true");
  await expect(menu.getByRole("menuitem", { name: "Change password" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("menuitem", { name: "Sign out other sessions" })).toBeFocused();
  await page.keyboard.press("End");
  await expect(menu.getByRole("menuitem", { name: "Sign out", exact: true })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("menuitem", { name: "Change password" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveCount(0);
  await expect(button).toBeFocused();
  await expect(button).toHaveAttribute("aria-expanded", "false");
  // Enter opens it on its first item; Tab leaves it closed, the focus on its button.
  await page.keyboard.press("Enter");
  await expect(menu.getByRole("menuitem", { name: "Change password" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(menu).toHaveCount(0);
  await expect(button).toBeFocused();
});

test("Add New follows the menu button pattern: arrows, Home, End, Escape", async ({ page }) => {
  await signIn(page, admin);
  const settings = await openApiSettings(page);
  const button = settings.getByRole("button", { name: "Add New" });
  await button.focus();
  await page.keyboard.press("ArrowDown");
  const menu = page.getByRole("menu");
  await expect(menu).toBeVisible();
  await expect(menu.getByRole("menuitem", { name: /API Client/ })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("menuitem", { name: /Restricted Access Token/ })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("menuitem", { name: /API Client/ })).toBeFocused();
  await page.keyboard.press("End");
  await expect(menu.getByRole("menuitem", { name: /Restricted Access Token/ })).toBeFocused();
  await page.keyboard.press("Home");
  await expect(menu.getByRole("menuitem", { name: /API Client/ })).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(menu.getByRole("menuitem", { name: /Restricted Access Token/ })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveCount(0);
  await expect(button).toBeFocused();
  await expect(settings).toBeVisible();
  await page.keyboard.press("ArrowUp");
  await expect(menu.getByRole("menuitem", { name: /Restricted Access Token/ })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog", { name: "Add Restricted Access Token" })).toBeVisible();
  expect(await focused(page)).not.toBe("");
});

test("axe-core finds no serious or critical violation on sign-in, the overview, Settings and its dialogs", async ({ page }) => {
  await page.goto("/login");
  await accessible(page, "sign-in");
  await signIn(page, admin);
  await accessible(page, "overview");
  for (const path of ["general", "members", "audit", "api"]) {
    await page.goto(`/?settings-modal=open&path=${path}`);
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    await expect(page.getByRole("dialog", { name: "Settings" })).toBeVisible();
    await page.waitForLoadState("networkidle");
    await accessible(page, `Settings › ${path}`);
  }
  const settings = await openApiSettings(page);
  const add = await openAddApiClient(page, settings);
  await accessible(page, "Add API Client");
  await add.getByLabel("Client Name").fill("Checked client");
  await add.getByRole("button", { name: "Add" }).click();
  await expect(page.getByRole("dialog", { name: "API Client Created" })).toBeVisible();
  await accessible(page, "API Client Created");
  await takeCreatedClient(page);
  const edit = await openRow(page, settings, /Checked client/, "Edit API Client");
  await accessible(page, "Edit API Client");
  await edit.getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete Checked client?" });
  await expect(confirm).toBeVisible();
  await hydrated(page);
  await accessible(page, "Delete confirmation");
  await page.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  await expect(edit.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(edit).toHaveCount(0);
  await openAddToken(page, settings);
  await accessible(page, "Add Restricted Access Token");
});
