// Checkout recovery in headless Chromium, through the reverse proxy (issue 12):
// 1. a declined card shows the reason, and the same form with a good card places the order;
// 2. the 422 trap: a form submitted again with an already used Idempotency-Key and a changed body gets the
//    422 message and a fresh key, so the next submit places the order (before the fix every resubmit was 422).
// Usage: node checkout-recovery.mjs <baseUrl> <screenshotDir>
// Exit code 0 on success; 1 with the failing step on stderr. Uses the system chromium, never downloads one.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [baseUrl, screenshotDir = 'screenshots'] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: node checkout-recovery.mjs <baseUrl> <screenshotDir>');
  process.exit(2);
}
mkdirSync(screenshotDir, { recursive: true });

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let step = 'launch';
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  timeout: 60_000,
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const url = (path) => new URL(path, baseUrl).toString();

  async function addToCart() {
    await page.goto(url('/products/2'), { waitUntil: 'load' });
    const apiCall = page.waitForResponse((r) => r.url().includes('/api/cart/items') && r.request().method() === 'POST');
    await page.getByRole('button', { name: /add to cart/i }).click();
    const response = await apiCall;
    expect(response.ok(), `add to cart returned ${response.status()}`);
  }

  async function fill(name, card) {
    await page.getByLabel('Email').fill('shopper@example.com');
    await page.getByLabel('Full name').fill(name);
    await page.getByLabel('Street address').fill('1 Main Street');
    await page.getByLabel('City').fill('Springfield');
    await page.getByLabel('Postal code').fill('12345');
    await page.getByLabel('Country').fill('US');
    await page.getByLabel('Card number').fill(card);
  }

  step = 'declined card';
  await addToCart();
  await page.goto(url('/checkout'), { waitUntil: 'load' });
  await fill('Ada Shopper', '4000 0000 0000 0002');
  await page.getByRole('button', { name: /place order/i }).click();
  await page.getByText(/declined/i).first().waitFor();

  step = 'good card after the decline';
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await Promise.all([page.waitForURL(/\/orders\//, { waitUntil: 'domcontentloaded', timeout: 30_000 }), page.getByRole('button', { name: /place order/i }).click()]);
  const first = (await page.locator('#order-number').innerText()).trim();

  step = 'changed form with a used key (422)';
  await addToCart();
  await page.goto(url('/checkout'), { waitUntil: 'load' });
  const used = await page.locator('input[name="IdempotencyKey"]').inputValue();
  await fill('Ada Shopper', '4242 4242 4242 4242');
  await Promise.all([page.waitForURL(/\/orders\//, { waitUntil: 'domcontentloaded', timeout: 30_000 }), page.getByRole('button', { name: /place order/i }).click()]);
  await addToCart();
  await page.goto(url('/checkout'), { waitUntil: 'load' });
  // The shopper's other tab still holds the form with the used key; they change the name and submit it.
  await page.locator('input[name="IdempotencyKey"]').evaluate((input, key) => { input.value = key; }, used);
  await fill('Grace Shopper', '4242 4242 4242 4242');
  await page.getByRole('button', { name: /place order/i }).click();
  await page.getByText(/Idempotency-Key/).first().waitFor();
  const fresh = await page.locator('input[name="IdempotencyKey"]').inputValue();
  expect(fresh !== used, 'the page renders a fresh Idempotency-Key after the 422');

  step = 'submit again after the 422';
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await Promise.all([page.waitForURL(/\/orders\//, { waitUntil: 'domcontentloaded', timeout: 30_000 }), page.getByRole('button', { name: /place order/i }).click()]);
  const last = (await page.locator('#order-number').innerText()).trim();
  expect(last.length > 0 && last !== first, 'a new order after the recovery');
  await page.screenshot({ path: join(screenshotDir, 'recovery.png'), fullPage: true });
  console.log(`ok: orders ${first} and ${last} placed after a decline and a 422`);
} catch (e) {
  console.error(`FAILED at step "${step}": ${e.message}`);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await pages[0].screenshot({ path: join(screenshotDir, 'recovery-failure.png'), fullPage: true });
  } catch { /* the screenshot is a bonus */ }
  process.exitCode = 1;
} finally {
  await browser.close();
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}
