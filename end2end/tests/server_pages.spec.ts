import { test, expect, type Browser, type Page } from "@playwright/test";
import { ensureInstance, signIn, signUp } from "./helpers";

// The pages the server renders whole (PRODUCT.md §7): Settings › General, Members and Audit log.
// Their changes are forms: with JavaScript the RpcForm island posts them in place, without it
// the browser does, and both end on the page again saying what happened. Dialogs are URL states
// that Escape leaves, the focus going back to what opened them.
test.describe.configure({ mode: "serial" });

const admin = { name: "Rita Render", email: "rita@server-pages.test", password: "rita's long password", org: "Server Pages Org" };
const colleague = { name: "Cole Colleague", email: "cole@server-pages.test", password: "cole's long password" };

const members = "/?settings-modal=open&path=members";

async function hydrated(page: Page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

function settingsOf(page: Page) {
  return page.getByRole("dialog", { name: "Settings" });
}

async function withoutJavaScript(browser: Browser) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  return { context, page };
}

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await ensureInstance(page, "server-pages.test");
  await signUp(page, admin);
  // A colleague joins, to be changed and removed below.
  await page.goto(members);
  await hydrated(page);
  await settingsOf(page).getByRole("button", { name: "Invite member" }).click();
  const form = page.getByRole("dialog", { name: "Invite member" });
  await form.getByLabel("Email").fill(colleague.email);
  await form.getByRole("button", { name: "Create invite" }).click();
  const link = await page.getByRole("dialog", { name: "Invite created" }).getByLabel("Invite link").inputValue();
  const other = await browser.newContext();
  const join = await other.newPage();
  await join.goto(link);
  await join.getByLabel("Your name").fill(colleague.name);
  await join.getByLabel("Password").fill(colleague.password);
  await join.getByRole("button", { name: "Join" }).click();
  await expect(join.getByRole("heading", { name: "Overview" })).toBeVisible();
  await other.close();
  await page.close();
});

test("renaming the organization says so and shows the new name across the page", async ({ page }) => {
  await signIn(page, admin);
  await page.goto("/?settings-modal=open&path=general");
  await hydrated(page);
  const settings = settingsOf(page);
  await settings.getByLabel("Organization name").fill("");
  await settings.getByRole("button", { name: "Save" }).click();
  // Refused in place: the field keeps the focus and says why; nothing was renamed.
  await expect(settings.getByLabel("Organization name")).toBeFocused();
  await expect(settings.getByLabel("Organization name")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator(".org-name")).toHaveText(admin.org);
  await settings.getByLabel("Organization name").fill("Renamed Pages Org");
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(settings.getByRole("status")).toHaveText("Organization updated");
  await expect(page.locator(".org-name")).toHaveText("Renamed Pages Org");
  await settings.getByLabel("Organization name").fill(admin.org);
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".org-name")).toHaveText(admin.org);
});

test("Remove asks first; Escape goes back to the Members page with the focus on the row's Remove", async ({ page }) => {
  await signIn(page, admin);
  await page.goto(members);
  await hydrated(page);
  const settings = settingsOf(page);
  const remove = settings.getByRole("button", { name: `Remove ${colleague.name}` });
  await remove.focus();
  await page.keyboard.press("Enter");
  const confirm = page.getByRole("dialog", { name: `Remove ${colleague.name}?` });
  await expect(confirm).toBeVisible();
  await expect(page).toHaveURL(/remove=/);
  await hydrated(page);
  // Tab stays in the confirmation, not in the Settings dialog behind it.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press("Tab");
    expect(await confirm.evaluate((el) => el.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  await expect(settings).toBeVisible();
  await expect(page).not.toHaveURL(/remove=/);
  await hydrated(page);
  await expect(settings.getByRole("button", { name: `Remove ${colleague.name}` })).toBeFocused();
  // Escape again closes Settings, the focus on its button.
  await page.keyboard.press("Escape");
  await expect(settings).toHaveCount(0);
  await hydrated(page);
  await expect(page.getByRole("button", { name: "Settings" })).toBeFocused();
});

test("without JavaScript: a role changes with Save, the audit log filters with Filter, a refusal is shown", async ({ browser }) => {
  const { context, page } = await withoutJavaScript(browser);
  await page.goto(members);
  const settings = settingsOf(page);
  await settings.getByLabel(`Role of ${colleague.name}`).selectOption("Developer");
  await settings.getByRole("row", { name: new RegExp(colleague.name) }).getByRole("button", { name: "Save" }).first().click();
  await expect(settings.getByRole("status")).toHaveText("Member updated");
  await expect(settings.getByLabel(`Role of ${colleague.name}`)).toHaveValue("Developer");
  // The last Admin cannot step down: the refusal comes back with the page.
  await settings.getByLabel(`Role of ${admin.name}`).selectOption("Member");
  await settings.getByRole("row", { name: new RegExp(admin.name) }).getByRole("button", { name: "Save" }).first().click();
  await expect(settings.getByRole("alert")).toContainText("at least one Admin");
  await expect(settings.getByLabel(`Role of ${admin.name}`)).toHaveValue("Admin");

  await page.goto("/?settings-modal=open&path=audit");
  await settings.getByLabel("Action").selectOption("member.role_changed");
  await settings.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=member\.role_changed/);
  const rows = settings.locator("table.audit-table tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(colleague.name);
  await expect(settings.getByLabel("Action")).toHaveValue("member.role_changed");
  await context.close();
});

test("with JavaScript the checkbox saves itself, and removing a member says so", async ({ page }) => {
  await signIn(page, admin);
  await page.goto(members);
  await hydrated(page);
  const settings = settingsOf(page);
  const flag = settings.getByLabel(`Manage API credentials for ${colleague.name}`);
  const was = await flag.isChecked();
  await flag.click();
  await expect(settings.getByRole("status")).toHaveText("Member updated");
  await expect(settings.getByLabel(`Manage API credentials for ${colleague.name}`)).toBeChecked({ checked: !was });
  await hydrated(page);
  await settings.getByRole("button", { name: `Remove ${colleague.name}` }).click();
  await page.getByRole("dialog", { name: `Remove ${colleague.name}?` }).getByRole("button", { name: "Remove" }).click();
  await expect(settings.getByRole("status")).toHaveText("Member removed");
  await expect(settings.getByRole("cell", { name: colleague.email, exact: true })).toHaveCount(0);
});
