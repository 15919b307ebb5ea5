import { test, expect, type Page } from "@playwright/test";
import { ensureInstance, openApiSettings, signUp } from "./helpers";
import * as fs from "node:fs";

// The API page's View Docs and Run in Postman (PRODUCT.md §3): the documentation is served by
// Portcullis itself, works with no internet, and the collection downloads.
const owner = { name: "Dora Docs", email: "dora@docs.test", password: "dora's long password", org: "Docs Org" };

async function openApiPage(page: Page) {
  await ensureInstance(page, "docs.test");
  await signUp(page, owner);
  return openApiSettings(page);
}

test("View Docs opens the docs with every endpoint, and no request leaves the instance", async ({ page, context, baseURL }) => {
  const settings = await openApiPage(page);
  const elsewhere: string[] = [];
  context.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(baseURL!) && !url.startsWith("data:") && !url.startsWith("blob:")) elsewhere.push(url);
  });
  const [docs] = await Promise.all([
    context.waitForEvent("page"),
    settings.getByRole("link", { name: "View Docs" }).click(),
  ]);
  await docs.waitForLoadState("networkidle");
  expect(new URL(docs.url()).pathname).toBe("/docs");
  await expect(docs.getByRole("heading", { name: "Portcullis API", level: 1 })).toBeVisible();
  const description = await (await docs.request.get("/openapi.json")).json();
  const rows = docs.getByRole("table").getByRole("row");
  let operations = 0;
  for (const [path, item] of Object.entries<Record<string, unknown>>(description.paths)) {
    for (const method of ["get", "post", "patch", "delete"]) {
      if (!item[method]) continue;
      operations += 1;
      await expect(rows.filter({ hasText: path }).filter({ hasText: method.toUpperCase() }).first()).toBeVisible();
    }
  }
  expect(operations).toBeGreaterThanOrEqual(14);

  // A guide, then the interactive reference (Swagger UI, its assets served from here).
  await docs.getByRole("navigation", { name: "Documentation" }).getByRole("link", { name: "Getting a token" }).click();
  await expect(docs.getByRole("heading", { name: "Getting a token", level: 1 })).toBeVisible();
  await expect(docs.getByText(`${baseURL}/oauth/token`).first()).toBeVisible();
  await docs.getByRole("navigation", { name: "Documentation" }).getByRole("link", { name: "API reference" }).click();
  await expect(docs.getByText("/api/v1/restricted-access-tokens/{id}").first()).toBeVisible();
  await expect(docs.getByText("/oauth/token", { exact: true })).toBeVisible();
  await docs.waitForLoadState("networkidle");
  expect(elsewhere).toEqual([]);
});

test("Run in Postman downloads the collection generated from the same description", async ({ page }) => {
  await ensureInstance(page, "docs.test");
  await page.goto("/login");
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  const settings = await openApiSettings(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    settings.getByRole("link", { name: "Run in Postman" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("portcullis.postman_collection.json");
  const collection = JSON.parse(fs.readFileSync((await download.path())!, "utf8"));
  expect(collection.info.schema).toBe("https://schema.getpostman.com/json/collection/v2.1.0/collection.json");
  expect(collection.auth.type).toBe("oauth2");
  expect(collection.variable.map((v: { key: string }) => v.key)).toEqual(["baseUrl", "clientId", "clientSecret"]);
  const names = collection.item.flatMap((folder: { item: { name: string }[] }) => folder.item.map((i) => i.name));
  expect(names).toContain("Get an access token");
  expect(names).toContain("Who is calling");
});

test("Swagger UI renders under the instance's Content Security Policy", async ({ page }) => {
  const refused: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) refused.push(message.text());
  });
  const res = await page.goto("/docs/reference/");
  expect(res!.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  await expect(page.locator(".swagger-ui .info .title")).toBeVisible();
  await expect(page.locator(".opblock").first()).toBeVisible();
  expect(refused).toEqual([]);
});
