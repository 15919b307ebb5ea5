import { test, expect, type Page } from "@playwright/test";
import { ensureInstance, signUp } from "./helpers";

// Account › Change password and Sign out other sessions (PRODUCT.md §11), under the console's
// Content Security Policy: the page hydrates and nothing is refused by the policy.
test.describe.configure({ mode: "serial" });

const who = {
  name: "Katherine Johnson",
  email: "katherine@sessions.example",
  password: "orbital mechanics 1962",
  org: "Trajectories",
};
const newPassword = "friendship seven reentry";

/** Collects what Chromium reports as refused by the Content Security Policy. */
function policyViolations(page: Page): string[] {
  const refused: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) refused.push(message.text());
  });
  return refused;
}

async function signIn(page: Page, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

test("the console hydrates under its Content Security Policy", async ({ page }) => {
  const refused = policyViolations(page);
  await ensureInstance(page, "sessions.example");
  await signUp(page, who);
  const res = await page.goto("/");
  const policy = res!.headers()["content-security-policy"];
  expect(policy).toContain("script-src 'self' 'nonce-");
  expect(policy).not.toContain("unsafe-inline");
  expect(res!.headers()["cache-control"]).toBe("no-store");
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  expect(refused).toEqual([]);
});

test("Change password ends the other session and keeps this one", async ({ page, browser }) => {
  const refused = policyViolations(page);
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await signIn(other, who.password);

  await signIn(page, who.password);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.getByRole("button", { name: "Account" }).click();
  await page.getByRole("menuitem", { name: "Change password" }).click();
  await expect(page.getByRole("heading", { name: "Change password" })).toBeVisible();
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });

  // A wrong current password is named inline, and nothing changes.
  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("The current password is not right")).toBeVisible();

  await page.getByLabel("Current password").fill(who.password);
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toContainText("Your password was changed");

  // This session stays; the other browser is signed out on its next page.
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await other.goto("/");
  await expect(other).toHaveURL(/\/login/);
  await elsewhere.close();
  expect(refused).toEqual([]);
});

test("Sign out other sessions ends them all but this one", async ({ page, browser }) => {
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await signIn(other, newPassword);
  await signIn(page, newPassword);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.getByRole("button", { name: "Account" }).click();
  await page.getByRole("menuitem", { name: "Sign out other sessions" }).click();
  await expect(page.getByRole("status")).toContainText(/other sessions? (was|were) signed out/);
  await other.goto("/");
  await expect(other).toHaveURL(/\/login/);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await elsewhere.close();
});
