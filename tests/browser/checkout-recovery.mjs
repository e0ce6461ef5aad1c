// Checkout recovery in headless Chromium, through the reverse proxy (issue 12):
// 1. a declined card shows the reason, and the same form with a good card places the order;
// 2. the 422 trap: a form submitted again with an already used Idempotency-Key and a changed body gets the
//    422 message and a fresh key, so the next submit places the order (before the fix every resubmit was 422).
// Usage: node checkout-recovery.mjs <baseUrl> <screenshotDir> (see journey.mjs).
import { expect, fillCheckoutForm, runJourney } from './journey.mjs';

await runJourney('checkout-recovery', async ({ page, url, step, screenshot }) => {
  async function addToCart() {
    await page.goto(url('/products/2'), { waitUntil: 'load' });
    const apiCall = page.waitForResponse((r) => r.url().includes('/api/cart/items') && r.request().method() === 'POST');
    await page.getByRole('button', { name: /add to cart/i }).click();
    const response = await apiCall;
    expect(response.ok(), `add to cart returned ${response.status()}`);
  }

  step('declined card');
  await addToCart();
  await page.goto(url('/checkout'), { waitUntil: 'load' });
  await fillCheckoutForm(page, { card: '4000 0000 0000 0002' });
  await page.getByRole('button', { name: /place order/i }).click();
  await page.getByText(/declined/i).first().waitFor();

  step('good card after the decline');
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await Promise.all([page.waitForURL(/\/orders\//, { waitUntil: 'domcontentloaded', timeout: 30_000 }), page.getByRole('button', { name: /place order/i }).click()]);
  const first = (await page.locator('#order-number').innerText()).trim();

  step('changed form with a used key (422)');
  await addToCart();
  await page.goto(url('/checkout'), { waitUntil: 'load' });
  const used = await page.locator('input[name="IdempotencyKey"]').inputValue();
  await fillCheckoutForm(page);
  await Promise.all([page.waitForURL(/\/orders\//, { waitUntil: 'domcontentloaded', timeout: 30_000 }), page.getByRole('button', { name: /place order/i }).click()]);
  await addToCart();
  await page.goto(url('/checkout'), { waitUntil: 'load' });
  // The shopper's other tab still holds the form with the used key; they change the name and submit it.
  await page.locator('input[name="IdempotencyKey"]').evaluate((input, key) => { input.value = key; }, used);
  await fillCheckoutForm(page, { name: 'Grace Shopper' });
  await page.getByRole('button', { name: /place order/i }).click();
  await page.getByText(/Idempotency-Key/).first().waitFor();
  const fresh = await page.locator('input[name="IdempotencyKey"]').inputValue();
  expect(fresh !== used, 'the page renders a fresh Idempotency-Key after the 422');

  step('submit again after the 422');
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await Promise.all([page.waitForURL(/\/orders\//, { waitUntil: 'domcontentloaded', timeout: 30_000 }), page.getByRole('button', { name: /place order/i }).click()]);
  const last = (await page.locator('#order-number').innerText()).trim();
  expect(last.length > 0 && last !== first, 'a new order after the recovery');
  await screenshot('recovery.png');
  console.log(`ok: orders ${first} and ${last} placed after a decline and a 422`);
});
