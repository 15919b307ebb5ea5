import { test, expect } from "@playwright/test";
import { ensureInstance, openAddApiClient, openApiSettings, signIn, signUp, takeCreatedClient } from "./helpers";

// The API Clients table fits the Settings dialog at 1280 px: long names and five origins per
// client wrap instead of pushing the Status column off to the right; Close stays in view while
// the page scrolls; on a 390 px phone each row is a card (the Audit log's and the Members' too).
const who = { name: "Lee Layout", email: "lee@layout.test", password: "lee's long password", org: "Layout Org" };
const basic = (id: string, secret: string) => "Basic " + Buffer.from(`${id}:${secret}`).toString("base64");

test("at 1280×800 every column shows without sideways scrolling, with 12 long names and 5 origins each", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await ensureInstance(page, "layout.test");
  await signUp(page, who);
  let settings = await openApiSettings(page);
  const add = await openAddApiClient(page, settings);
  await add.getByLabel("Client Name").fill("Writer");
  await add.getByLabel("credentials:write").check();
  await add.getByRole("button", { name: "Add" }).click();
  const { clientId, secret } = await takeCreatedClient(page);
  const issued = await page.request.post("/oauth/token", {
    headers: { Authorization: basic(clientId, secret) },
    form: { grant_type: "client_credentials" },
  });
  const token = (await issued.json()).access_token as string;
  for (let i = 1; i <= 12; i++) {
    const created = await page.request.post("/api/v1/api-clients", {
      headers: { Authorization: `Bearer ${token}` },
      data: {
        name: `Quarterly reconciliation exporter for the finance team number ${i}`,
        allowed_origins: [1, 2, 3, 4, 5].map((n) => `https://dashboard-${n}.accounting.example.com`),
      },
    });
    expect(created.status()).toBe(201);
  }

  settings = await openApiSettings(page);
  const table = settings.getByRole("region", { name: "API Clients" });
  await expect(table.getByRole("row")).toHaveCount(14);
  const status = table.getByRole("columnheader", { name: "Status" });
  const box = (await status.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(1280);
  const dialog = (await settings.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(dialog.x + dialog.width);
  const [scrollWidth, clientWidth] = await table.evaluate((el) => [el.scrollWidth, el.clientWidth]);
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);

  // Close stays where it was while the page scrolls under it.
  const close = settings.getByRole("button", { name: "Close" });
  const before = (await close.boundingBox())!;
  await table.getByRole("row").last().scrollIntoViewIfNeeded();
  const after = (await close.boundingBox())!;
  expect(Math.abs(after.y - before.y)).toBeLessThan(2);
  await expect(close).toBeInViewport();
  await page.screenshot({ path: test.info().outputPath("api-1280.png") });
});

test("at 390 px each credential is a card that names its fields", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, who);
  const settings = await openApiSettings(page);
  const table = settings.getByRole("region", { name: "API Clients" });
  const row = table.getByRole("row", { name: /Writer/ });
  const cell = row.locator("td[data-label='Client ID']");
  const label = await cell.evaluate((el) => getComputedStyle(el, "::before").content);
  expect(label).toBe('"Client ID"');
  const [scrollWidth, clientWidth] = await table.evaluate((el) => [el.scrollWidth, el.clientWidth]);
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  const rowBox = (await row.boundingBox())!;
  expect(rowBox.x + rowBox.width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: test.info().outputPath("api-390.png"), fullPage: false });
});

test("at 390 px the Audit log's events and the Members are cards too, nothing scrolled sideways", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, who);
  for (const [path, region, label] of [
    ["audit", "Audit events", "Client address"],
    ["members", null, "Manage API credentials"],
  ] as const) {
    await page.goto(`/?settings-modal=open&path=${path}`);
    const settings = page.getByRole("dialog", { name: "Settings" });
    const table = region ? settings.getByRole("region", { name: region }) : settings.locator("table.members-table");
    const row = table.locator("tbody tr").first();
    await expect(row).toBeVisible();
    const cell = row.locator(`td[data-label='${label}']`);
    expect(await cell.evaluate((el) => getComputedStyle(el, "::before").content)).toBe(`"${label}"`);
    const [scrollWidth, clientWidth] = await table.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    expect(scrollWidth, path).toBeLessThanOrEqual(clientWidth);
    const rowBox = (await row.boundingBox())!;
    expect(rowBox.x + rowBox.width, path).toBeLessThanOrEqual(390);
    await page.screenshot({ path: test.info().outputPath(`${path}-390.png`), fullPage: false });
  }
});
