// A shopper's whole journey in headless Chromium, through the reverse proxy:
// home -> search -> product -> add to cart (the browser's fetch to /api) -> checkout -> confirmation.
// Usage: node checkout.mjs <baseUrl> <screenshotDir>
// Exit code 0 on success; 1 with the failing step on stderr. Uses the system chromium, never downloads one.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [baseUrl, screenshotDir = 'screenshots'] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: node checkout.mjs <baseUrl> <screenshotDir>');
  process.exit(2);
}
mkdirSync(screenshotDir, { recursive: true });

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const stepTimeout = 15_000;
let step = 'launch';
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  timeout: 60_000,
});
const failures = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeout);
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  // CSP violations and script errors show up here; failed loads are reported once, with their URL, below.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) failures.push(`console error: ${m.text()}`);
  });
  page.on('response', (r) => {
    const type = r.request().resourceType();
    if (r.status() >= 400 && ['image', 'stylesheet', 'script', 'font'].includes(type)) failures.push(`${type} ${r.url()} -> ${r.status()}`);
  });

  step = 'open home page';
  const home = await page.goto(baseUrl, { waitUntil: 'load' });
  expect(home.ok(), `home page status ${home.status()}`);
  await page.getByRole('navigation', { name: 'Categories' }).waitFor();
  expect(await page.locator('.product-card').count() > 0, 'home page lists products');

  step = 'search';
  const firstName = (await page.locator('.product-card h2').first().innerText()).trim();
  const term = firstName.split(/\s+/)[0];
  await page.getByLabel('Search products').fill(term);
  await Promise.all([page.waitForURL(/[?&]q=/), page.getByRole('button', { name: 'Search' }).click()]);
  const results = page.locator('.product-card');
  expect(await results.count() > 0, `search for "${term}" finds products`);

  step = 'open product';
  await Promise.all([page.waitForURL(/\/products\//), results.first().locator('a').first().click()]);
  const productName = (await page.locator('main h1').innerText()).trim();
  expect(productName.length > 0, 'product page has a heading');

  step = 'add to cart';
  const badge = page.locator('#cart-count');
  const before = Number((await badge.innerText()).trim() || '0');
  const apiCall = page.waitForResponse((r) => r.url().includes('/api/') && r.request().method() !== 'GET');
  await page.getByRole('button', { name: /add to cart/i }).click();
  const apiResponse = await apiCall;
  expect(apiResponse.ok(), `add-to-cart /api call returned ${apiResponse.status()}`);
  await page.waitForFunction((b) => Number(document.querySelector('#cart-count')?.textContent || '0') > b, before);

  step = 'open cart';
  await Promise.all([page.waitForURL(/\/cart/), page.getByRole('link', { name: /cart/i }).first().click()]);
  await page.getByText(productName, { exact: false }).first().waitFor();

  step = 'checkout form';
  await Promise.all([page.waitForURL(/\/checkout/), page.getByRole('link', { name: /checkout/i }).first().click()]);
  // Submitting empty first must show validation messages, not an error page.
  await page.getByRole('button', { name: /place order/i }).click();
  await page.locator('.field-error, .validation-summary').first().waitFor();

  step = 'place order';
  await page.getByLabel('Email').fill('shopper@example.com');
  await page.getByLabel('Full name').fill('Ada Shopper');
  await page.getByLabel('Street address').fill('1 Main Street');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Postal code').fill('12345');
  await page.getByLabel('Country').fill('US');
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await Promise.all([page.waitForURL(/\/orders\//), page.getByRole('button', { name: /place order/i }).click()]);

  step = 'confirmation';
  const number = (await page.locator('#order-number').innerText()).trim();
  expect(number.length > 0, 'confirmation shows an order number');
  await page.screenshot({ path: join(screenshotDir, 'confirmation.png'), fullPage: true });
  expect(failures.length === 0, [...new Set(failures)].join('; '));
  console.log(`ok: ordered "${productName}", order number ${number}`);
} catch (e) {
  console.error(`FAILED at step "${step}": ${e.message}`);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await pages[0].screenshot({ path: join(screenshotDir, 'failure.png'), fullPage: true });
  } catch { /* the screenshot is a bonus */ }
  process.exitCode = 1;
} finally {
  await browser.close();
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}
