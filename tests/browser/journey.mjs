// What every browser journey shares: its arguments, headless Debian Chromium (never a downloaded one), a page
// with a default timeout, the current step for the failure message, a screenshot on failure, and the exit code.
// Usage from a journey script:
//   await runJourney('paging', async ({ page, url, step, screenshot }) => { step('open home page'); ... });
// Run as: node <script>.mjs <baseUrl> <screenshotDir>; exit code 0 on success, 1 with the failing step on
// stderr, 2 for a usage error.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

export async function runJourney(name, journey) {
  const [baseUrl, screenshotDir = 'screenshots'] = process.argv.slice(2);
  if (!baseUrl) {
    console.error(`usage: node ${name}.mjs <baseUrl> <screenshotDir>`);
    process.exit(2);
  }
  mkdirSync(screenshotDir, { recursive: true });

  let current = 'launch';
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // Script errors, CSP violations (console errors) and failed asset loads: a journey asserts there are none.
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console error: ${m.text()}`);
    });
    page.on('response', (r) => {
      const type = r.request().resourceType();
      if (r.status() >= 400 && ['image', 'stylesheet', 'script', 'font'].includes(type)) problems.push(`${type} ${r.url()} -> ${r.status()}`);
    });
    await journey({
      page,
      baseUrl,
      problems,
      url: (path) => new URL(path, baseUrl).toString(),
      step: (label) => { current = label; },
      screenshot: (file) => page.screenshot({ path: join(screenshotDir, file), fullPage: true }),
    });
  } catch (e) {
    console.error(`FAILED at step "${current}": ${e.message}`);
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages.length) await pages[0].screenshot({ path: join(screenshotDir, `${name}-failure.png`), fullPage: true });
    } catch { /* the screenshot is a bonus */ }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

// The checkout form as a shopper fills it in.
export async function fillCheckoutForm(page, { name = 'Ada Shopper', card = '4242 4242 4242 4242' } = {}) {
  await page.getByLabel('Email').fill('shopper@example.com');
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Street address').fill('1 Main Street');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Postal code').fill('12345');
  await page.getByLabel('Country').fill('US');
  await page.getByLabel('Card number').fill(card);
}
