// A shopper's whole journey in headless Chromium, through the reverse proxy:
// home -> search -> product -> add to cart (the browser's fetch to /api) -> checkout -> confirmation.
// Usage: node checkout.mjs <baseUrl> <screenshotDir> (see journey.mjs).
import { expect, fillCheckoutForm, runJourney } from './journey.mjs';

await runJourney('checkout', async ({ page, baseUrl, problems, step, screenshot }) => {
  step('open home page');
  const home = await page.goto(baseUrl, { waitUntil: 'load' });
  expect(home.ok(), `home page status ${home.status()}`);
  await page.getByRole('navigation', { name: 'Categories' }).waitFor();
  expect(await page.locator('.product-card').count() > 0, 'home page lists products');

  step('search');
  const firstName = (await page.locator('.product-card h2').first().innerText()).trim();
  const term = firstName.split(/\s+/)[0];
  await page.getByLabel('Search products').fill(term);
  await Promise.all([page.waitForURL(/[?&]q=/), page.getByRole('button', { name: 'Search' }).click()]);
  const results = page.locator('.product-card');
  expect(await results.count() > 0, `search for "${term}" finds products`);

  step('open product');
  await Promise.all([page.waitForURL(/\/products\//), results.first().locator('a').first().click()]);
  const productName = (await page.locator('main h1').innerText()).trim();
  expect(productName.length > 0, 'product page has a heading');

  step('add to cart');
  const badge = page.locator('#cart-count');
  const before = Number((await badge.innerText()).trim() || '0');
  const apiCall = page.waitForResponse((r) => r.url().includes('/api/') && r.request().method() !== 'GET');
  await page.getByRole('button', { name: /add to cart/i }).click();
  const apiResponse = await apiCall;
  expect(apiResponse.ok(), `add-to-cart /api call returned ${apiResponse.status()}`);
  await page.waitForFunction((b) => Number(document.querySelector('#cart-count')?.textContent || '0') > b, before);

  step('open cart');
  await Promise.all([page.waitForURL(/\/cart/), page.getByRole('link', { name: /cart/i }).first().click()]);
  await page.getByText(productName, { exact: false }).first().waitFor();

  step('checkout form');
  await Promise.all([page.waitForURL(/\/checkout/), page.getByRole('link', { name: /checkout/i }).first().click()]);
  // Submitting empty first must show validation messages, not an error page.
  await page.getByRole('button', { name: /place order/i }).click();
  await page.locator('.field-error, .validation-summary').first().waitFor();

  step('place order');
  await fillCheckoutForm(page);
  await Promise.all([page.waitForURL(/\/orders\//), page.getByRole('button', { name: /place order/i }).click()]);

  step('confirmation');
  const number = (await page.locator('#order-number').innerText()).trim();
  expect(number.length > 0, 'confirmation shows an order number');
  await screenshot('confirmation.png');
  expect(problems.length === 0, [...new Set(problems)].join('; '));
  console.log(`ok: ordered "${productName}", order number ${number}`);
});
