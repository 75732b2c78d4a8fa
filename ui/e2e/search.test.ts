// Searching by words in the browser: the expected photo first, filters as chips in the
// address with a working back button, the lightbox by keyboard, a small window.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seriousViolations } from './axe';
import { eventually, launch, noteTitles, open, pageErrors, photoNames, screenshot } from './browser';
import { fileOf } from './fixtures';

const main = inject('main');
/** The synthetic renders are numbered (0001.png); the sample photos have names. */
const isRender = (name: string) => /^\d{4}\.png$/.test(name);
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Types words and waits for their answer (typing is debounced; earlier answers are dropped). */
async function search(page: Page, words: string) {
  const answered = page.waitForResponse(
    (r) => r.url().endsWith('/api/search') && r.request().postDataJSON()?.query === words,
  );
  await page.getByLabel('Search photos and notes').fill(words);
  await answered;
}

/** Shows the matches held back below the relevance cutoff, when there are any. */
async function showWeaker(page: Page) {
  // The answer has arrived; wait for it to be drawn before asking whether anything was held back.
  await page.locator('#photos-heading, #notes-heading, section.none').first().waitFor();
  const button = page.getByRole('button', { name: 'Show weaker matches' });
  if (await button.count()) await button.click();
}

describe('search by words', () => {
  it('puts the photo the words describe first, and the note that says them', async () => {
    const page = await open(browser, main.url);
    // The key moved into a cookie; the address no longer shows it.
    expect(page.url()).not.toContain('token=');
    await search(page, 'a red circle on a blue background');
    const expected = fileOf('a red circle on a blue background');
    await eventually(async () => expect((await photoNames(page))[0]).toBe(expected));
    await eventually(async () => expect((await noteTitles(page))[0]).toBe('a red circle on a blue background'));
    await expect(page.getByRole('heading', { name: /^Photos \d+$/ }).count()).resolves.toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'results');

    // A note opens with the passage that matched.
    await page.getByRole('list', { name: 'Note results' }).getByRole('button').first().click();
    const preview = page.getByRole('dialog', { name: 'a red circle on a blue background' });
    await preview.waitFor();
    await expect(preview.locator('section.hit').innerText()).resolves.toContain('a red circle on a blue background');
    await page.keyboard.press('Escape');
    await preview.waitFor({ state: 'hidden' });

    // Another description, another first photo.
    await search(page, 'three yellow stars on a grey background');
    await eventually(async () =>
      expect((await photoNames(page))[0]).toBe(fileOf('three yellow stars on a grey background')),
    );
    expect(pageErrors(page)).toEqual([]);
  });

  it('narrows by filters shown as chips, kept in the address, undone by Back', async () => {
    const page = await open(browser, main.url);
    await search(page, 'a red circle on a blue background');
    await eventually(async () => expect((await noteTitles(page)).length).toBeGreaterThan(0));
    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByLabel('Kind', { exact: true }).selectOption('photo');
    await page.getByRole('list', { name: 'Active filters' }).waitFor();
    await eventually(async () => expect(await noteTitles(page)).toEqual([]));
    expect(new URL(page.url()).searchParams.get('kind')).toBe('photo');
    const photosOnly = await photoNames(page);
    expect(photosOnly.length).toBeGreaterThan(0);

    // A date: the sample photos were modified in 2019, the renders in 2024. These words find
    // a sample photo by its name, and renders by meaning.
    await search(page, 'espresso cup on a wooden table');
    await showWeaker(page);
    await eventually(async () => {
      const names = await photoNames(page);
      expect(names.some((n) => !isRender(n))).toBe(true);
      expect(names.some((n) => isRender(n))).toBe(true);
    });
    await page.getByLabel('Before', { exact: true }).fill('2020-01-01');
    await page.getByLabel('Before', { exact: true }).dispatchEvent('change');
    await eventually(async () => {
      const names = await photoNames(page);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n) => !isRender(n))).toBe(true);
    });
    expect(new URL(page.url()).searchParams.get('before')).toBe('2020-01-01');

    // Removing a chip widens again; Back brings the filter back.
    await page.getByRole('button', { name: 'Remove filter Before: 2020-01-01' }).click();
    await eventually(async () => expect((await photoNames(page)).some((n) => isRender(n))).toBe(true));
    await page.goBack();
    await eventually(async () => expect(new URL(page.url()).searchParams.get('before')).toBe('2020-01-01'));
    await eventually(async () => expect((await photoNames(page)).every((n) => !isRender(n))).toBe(true));
    await page.getByRole('button', { name: 'Remove filter Kind: Photos' }).waitFor();

    // A bookmark of the address opens the same search.
    const again = await open(browser, `${main.url}&${new URL(page.url()).search.slice(1)}`);
    expect(new URL(again.url()).searchParams.get('before')).toBe('2020-01-01');
    await eventually(async () => expect(await photoNames(again)).toEqual(await photoNames(page)));
  });

  it('opens a photo in the lightbox and moves through the results by keyboard', async () => {
    const page = await open(browser, main.url);
    await search(page, 'two red circles on a blue background');
    await showWeaker(page);
    await eventually(async () => expect((await photoNames(page)).length).toBeGreaterThan(2));
    const names = await photoNames(page);
    // Keyboard only: / to the search, Tab into the grid, Enter opens.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('/');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('q');
    const first = page.getByRole('button', { name: `Open ${names[0]}` });
    await first.focus();
    await page.keyboard.press('ArrowRight');
    await expect(
      page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
    ).resolves.toBe(`Open ${names[1]}`);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: names[0] });
    await dialog.waitFor();
    await dialog.locator('dl').waitFor();
    await expect(dialog.locator('dl').innerText()).resolves.toContain('Path');
    await screenshot(page, 'lightbox');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('ArrowRight');
    await page.getByRole('dialog', { name: names[1] }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('dialog', { name: names[0] }).waitFor();
    expect(new URL(page.url()).searchParams.get('open')).not.toBeNull();
    // Open and Show in folder cannot work in a browser: disabled, saying why.
    const openButton = dialog.getByRole('button', { name: 'Open', exact: true });
    await expect(openButton.isDisabled()).resolves.toBe(true);
    await expect(openButton.getAttribute('title')).resolves.toContain('desktop app');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await eventually(async () => expect(new URL(page.url()).searchParams.get('open')).toBeNull());
    // Focus goes back to the photo that was opened.
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe(
      `Open ${names[0]}`,
    );
  });

  it('is usable in a 1024×700 window and in dark mode', async () => {
    const page = await open(browser, main.url, { width: 1024, height: 700, dark: true });
    await search(page, 'a red circle on a blue background');
    await eventually(async () => expect((await photoNames(page)).length).toBeGreaterThan(0));
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = await page.getByRole('list', { name: 'Photo results' }).getByRole('img').first().boundingBox();
    expect(box && box.y + box.height / 2).toBeLessThan(700);
    await showWeaker(page);
    await eventually(async () => expect((await photoNames(page)).length).toBeGreaterThan(5));
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, 'dark');
  });
});
