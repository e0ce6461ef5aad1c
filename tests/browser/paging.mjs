// Catalog paging in headless Chromium, through the reverse proxy: Next, Next, Previous, then the browser's
// Back button, checking each time which page is shown and that its products are the ones seen before.
// Usage: node paging.mjs <baseUrl> <screenshotDir> (see journey.mjs).
import { expect, runJourney } from './journey.mjs';

await runJourney('paging', async ({ page, baseUrl, problems, step, screenshot }) => {
  // What the page shows: its number (from the pager's "Page N of M" / "Page N") and its product names.
  const shown = async () => {
    const pager = (await page.locator('nav.pager').innerText()).replace(/\s+/g, ' ');
    const match = /Page ([\d,]+)/.exec(pager);
    expect(match, `pager shows a page number: "${pager}"`);
    const names = await page.locator('.product-card h2').allInnerTexts();
    expect(names.length > 0, 'page lists products');
    return { number: Number(match[1].replace(/,/g, '')), names: names.join('|'), pager };
  };
  const follow = async (rel) => {
    const link = page.locator(`nav.pager a[rel="${rel}"]`);
    const before = page.url();
    await Promise.all([page.waitForURL((u) => u.toString() !== before), link.click()]);
    return shown();
  };

  step('open home page');
  const home = await page.goto(baseUrl, { waitUntil: 'load' });
  expect(home.ok(), `home page status ${home.status()}`);
  const first = await shown();
  expect(first.number === 1, `home page is page 1, shows "${first.pager}"`);

  step('Next to page 2');
  const second = await follow('next');
  expect(second.number === 2, `after Next: page 2, shows "${second.pager}"`);
  expect(second.names !== first.names, 'page 2 lists other products than page 1');

  step('Next to page 3');
  const third = await follow('next');
  expect(third.number === 3, `after Next: page 3, shows "${third.pager}"`);
  expect(third.names !== second.names && third.names !== first.names, 'page 3 lists other products');

  step('Previous to page 2');
  const back2 = await follow('prev');
  expect(back2.number === 2, `after Previous: page 2, shows "${back2.pager}"`);
  expect(back2.names === second.names, 'Previous shows the products page 2 showed');

  step('browser Back to page 3');
  await page.goBack({ waitUntil: 'load' });
  const back3 = await shown();
  expect(back3.number === 3, `after Back: page 3, shows "${back3.pager}"`);
  expect(back3.names === third.names, 'Back shows the products page 3 showed');

  step('Previous twice to page 1');
  await follow('prev');
  const again1 = await follow('prev');
  expect(again1.number === 1 && again1.names === first.names, `back on page 1 with its products, shows "${again1.pager}"`);
  expect((await page.locator('nav.pager a[rel="prev"]').count()) === 0, 'page 1 has no Previous link');

  await screenshot('paging.png');
  expect(problems.length === 0, problems.join('; '));
  console.log(`ok: pages 1, 2, 3, 2, back to 3, 1 (${first.pager.trim()})`);
});
