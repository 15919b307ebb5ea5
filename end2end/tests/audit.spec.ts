import { test, expect } from "@playwright/test";
import * as fs from "node:fs";
import { ensureInstance, openAddApiClient, openApiSettings, signUp, takeCreatedClient } from "./helpers";

// Settings › Organization › Audit log (PRODUCT.md §9): the session's own actions, newest
// first, a filter by action, and the CSV export of what is shown.
const admin = { name: "Ava Auditor", email: "ava@audit.test", password: "ava's long password", org: "Audit Org" };

test("the Audit log lists the session's actions and exports them as CSV", async ({ page }) => {
  await ensureInstance(page, "audit.test");
  await signUp(page, admin);

  // Two changes: a client is added, then deleted.
  const settings = await openApiSettings(page);
  const add = await openAddApiClient(page, settings);
  await add.getByLabel("Client Name").fill("Ledger sync");
  await add.getByRole("button", { name: "Add" }).click();
  const { secret } = await takeCreatedClient(page);
  await settings.getByRole("row", { name: /Ledger sync/ }).click();
  await page.getByRole("dialog", { name: "Edit API Client" }).getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog", { name: "Delete Ledger sync?" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toHaveText("API Client deleted");

  // The Audit log is under Organization, for Admins.
  await settings.getByRole("link", { name: "Audit log" }).click();
  await expect(settings.getByRole("heading", { name: "Audit log" })).toBeVisible();
  const rows = settings.locator("table.audit-table tbody tr");
  await expect(rows.first()).toContainText("api_client.deleted");
  await expect(rows.first()).toContainText("Ava Auditor (user)");
  await expect(rows.first()).toContainText("Ledger sync (api_client)");
  await expect(rows.nth(1)).toContainText("api_client.created");
  await expect(rows.nth(1)).toContainText("127.0.0.1");
  await expect(settings.getByText(secret)).toHaveCount(0);

  // Filtered by action, only the creation is left.
  await settings.getByLabel("Action").selectOption("api_client.created");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Ledger sync");

  // Export CSV downloads the filtered events.
  const download = page.waitForEvent("download");
  await settings.getByRole("link", { name: "Export CSV" }).click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file!, "utf8").trimEnd().split("\r\n");
  expect(lines[0]).toBe("time,action,actor_type,actor_id,actor_name,client_ip,target_type,target_id,target_name,changes");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(",api_client.created,user,");
  expect(lines[1]).toContain("Ledger sync");
  expect(lines.join("\n")).not.toContain(secret);

  // Unfiltered, the export holds the deletion too.
  const all = await page.request.get("/audit-log.csv");
  expect(all.status()).toBe(200);
  expect(all.headers()["content-type"]).toContain("text/csv");
  expect(await all.text()).toContain(",api_client.deleted,user,");
});
