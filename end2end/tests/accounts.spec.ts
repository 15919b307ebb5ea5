import { test, expect, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import AxeBuilder from "@axe-core/playwright";

// One instance for the whole file: setup happens once, so the steps run in order.
test.describe.configure({ mode: "serial" });

const admin = { name: "Ada Lovelace", email: "ada@example.com", password: "correct horse battery", org: "Analytical Engines" };
const member = { name: "Grace Hopper", email: "grace@example.com", password: "another long password" };
let inviteLink = "";

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

async function waitForHydration(page: Page) {
  // Forms work before the WASM too; these steps check the enhanced (inline-error) behaviour.
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

test("a fresh instance sends the first visitor to setup, which refuses bad input", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Set up Portcullis" })).toBeVisible();
  await waitForHydration(page);
  // Nothing serious or critical for axe-core on the first page anyone sees.
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await page.getByLabel("Your name").fill(admin.name);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("short");
  await page.getByLabel("Organization name").fill(admin.org);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Password must be at least 12 characters")).toBeVisible();
  // What was typed stays.
  await expect(page.getByLabel("Your name")).toHaveValue(admin.name);
  await expect(page.getByLabel("Organization name")).toHaveValue(admin.org);
});

test("setup creates the first Admin and signs in", async ({ page }) => {
  await page.goto("/setup");
  await waitForHydration(page);
  await page.getByLabel("Your name").fill(admin.name);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByLabel("Organization name").fill(admin.org);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByText(admin.org).first()).toBeVisible();
  // Setup is gone now.
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/$|\/login$/);
});

test("sign out, a wrong password gets the generic message, then sign in", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.getByRole("button", { name: "Account" }).click();
  await page.getByRole("menuitem", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  // The console is closed to a signed-out visitor.
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);

  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");

  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
});

test("an Admin invites a member through Settings › Members", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.getByRole("button", { name: "Settings" }).click();
  const settings = page.getByRole("dialog", { name: "Settings" });
  await expect(settings).toBeVisible();
  await settings.getByRole("link", { name: "Members" }).click();
  await expect(page).toHaveURL(/settings-modal=open&path=members/);
  await settings.getByRole("button", { name: "Invite member" }).click();
  const form = page.getByRole("dialog", { name: "Invite member" });
  await form.getByLabel("Email").fill("not-an-email");
  await form.getByRole("button", { name: "Create invite" }).click();
  await expect(form.getByText("Enter a valid email address")).toBeVisible();
  await form.getByLabel("Email").fill(member.email);
  await form.getByLabel("Role").selectOption("Member");
  await form.getByLabel("Manage API credentials").check();
  await form.getByRole("button", { name: "Create invite" }).click();
  const created = page.getByRole("dialog", { name: "Invite created" });
  await expect(created).toBeVisible();
  inviteLink = await created.getByLabel("Invite link").inputValue();
  expect(inviteLink).toMatch(/\/invite\/[0-9A-Za-z]{40,}$/);
  await expect(created.getByRole("link", { name: inviteLink })).toHaveAttribute("href", inviteLink);
  await created.getByRole("button", { name: "Ok" }).click();
  await expect(created).toBeHidden();
  await expect(settings.getByRole("cell", { name: member.email, exact: true })).toBeVisible();
});

test("the invitee joins from a second browser context", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(inviteLink);
  await expect(page.getByText(member.email)).toBeVisible();
  await page.getByLabel("Your name").fill(member.name);
  await page.getByLabel("Password").fill(member.password);
  await page.getByRole("button", { name: "Join" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByText(`Welcome, ${member.name}`)).toBeVisible();
  // The link works once.
  const again = await context.newPage();
  await again.goto(inviteLink);
  await expect(again.getByRole("alert")).toContainText("invalid, already used, or expired");
  await context.close();
});

test("the Admin changes the member's role", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.goto("/?settings-modal=open&path=members");
  const settings = page.getByRole("dialog", { name: "Settings" });
  const role = settings.getByLabel(`Role of ${member.name}`);
  await expect(role).toHaveValue("Member");
  await role.selectOption("Developer");
  await expect(settings.getByRole("status")).toHaveText("Member updated");
  await page.reload();
  await expect(page.getByRole("dialog", { name: "Settings" }).getByLabel(`Role of ${member.name}`)).toHaveValue("Developer");
  // The last Admin cannot step down.
  await page.getByRole("dialog", { name: "Settings" }).getByLabel(`Role of ${admin.name}`).selectOption("Member");
  await expect(page.getByRole("alert")).toContainText("at least one Admin");
});

test("the member sees the members read-only", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, member.email, member.password);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.goto("/?settings-modal=open&path=members");
  const settings = page.getByRole("dialog", { name: "Settings" });
  await expect(settings.getByRole("cell", { name: admin.email, exact: true })).toBeVisible();
  await expect(settings.getByRole("button", { name: "Invite member" })).toHaveCount(0);
  await expect(settings.getByRole("combobox")).toHaveCount(0);
  await context.close();
});

test("deep links open the Settings modal on a full page load; Escape and Close shut it", async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  for (const [path, heading] of [["members", "Members"], ["general", "General"], ["api", "API"]]) {
    await page.goto(`/?settings-modal=open&path=${path}`);
    const settings = page.getByRole("dialog", { name: "Settings" });
    await expect(settings).toBeVisible();
    await expect(settings.getByRole("heading", { name: heading, exact: true })).toBeVisible();
  }
  await expect(page.getByText("Configure your API")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Settings" })).toBeHidden();
  await page.goto("/?settings-modal=open&path=general");
  await page.getByRole("button", { name: "Close" }).click();
  await expect(page.getByRole("dialog", { name: "Settings" })).toBeHidden();
  await expect(page).not.toHaveURL(/settings-modal/);
});

test("a signed-out deep link returns to it after sign-in", async ({ page }) => {
  await page.goto("/?settings-modal=open&path=members");
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("dialog", { name: "Settings" }).getByRole("heading", { name: "Members" })).toBeVisible();
});

test("sign-in works with JavaScript disabled", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("definitely wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await context.close();
});

test("the API entry shows only while the organization has API access", async ({ page }) => {
  const apiAccess = (state: "on" | "off") =>
    execFileSync(process.env.E2E_PORTCULLIS_BIN!, ["org", "api-access", admin.org, state], {
      env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, RUST_LOG: "warn" },
    }).toString();
  await signIn(page, admin.email, admin.password);
  await page.goto("/?settings-modal=open&path=general");
  const settings = page.getByRole("dialog", { name: "Settings" });
  await expect(settings.getByRole("link", { name: "API", exact: true })).toBeVisible();
  await expect(settings.getByText("Developer", { exact: true })).toBeVisible();
  expect(apiAccess("off")).toContain("is now off");
  await page.reload();
  await expect(settings.getByRole("link", { name: "Members" })).toBeVisible();
  await expect(settings.getByRole("link", { name: "API", exact: true })).toHaveCount(0);
  await expect(settings.getByText("Developer", { exact: true })).toHaveCount(0);
  apiAccess("on");
  await page.reload();
  await expect(settings.getByRole("link", { name: "API", exact: true })).toBeVisible();
});
