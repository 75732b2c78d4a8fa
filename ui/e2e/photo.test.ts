// Searching by a photo: dropped on the window, picked with the file input, refined with words
// and a weight (composite).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seriousViolations } from './axe';
import { eventually, launch, noteTitles, open, pageErrors, photoNames, screenshot } from './browser';
import { UNIQUE, captions } from './fixtures';

const main = inject('main');
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Drops a file on the page as a file manager would: dragenter, dragover, drop. */
async function drop(page: Page, path: string, type = 'image/png') {
  const bytes = [...readFileSync(path)];
  const name = path.split('/').pop()!;
  const transfer = await page.evaluateHandle(
    ({ bytes, name, type }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name, { type }));
      return data;
    },
    { bytes, name, type },
  );
  for (const event of ['dragenter', 'dragover', 'drop']) {
    await page.dispatchEvent('main', event, { dataTransfer: transfer });
  }
}

const caption = (name: string) => captions().get(name) ?? '';

describe('search by photo', () => {
  it('finds similar photos and the note about a photo dropped on the window', async () => {
    const page = await open(browser, main.url);
    await drop(page, join(UNIQUE, 'red-circle-on-blue.png'));
    const query = page.getByRole('region', { name: 'Query photo' });
    await query.waitFor();
    await eventually(async () => {
      const names = await photoNames(page);
      expect(names.length).toBeGreaterThan(2);
      // The closest renders show red circles.
      expect(caption(names[0])).toMatch(/red circles?/);
    });
    await eventually(async () => expect((await noteTitles(page))[0]).toBe('a red circle on a blue background'));
    expect(new URL(page.url()).searchParams.get('like')).toMatch(/^upload:[0-9a-f]+$/);
    await screenshot(page, 'drop');
    expect(await seriousViolations(page)).toEqual([]);

    // Clearing the photo clears the search.
    await query.getByRole('button', { name: 'Clear photo' }).click();
    await query.waitFor({ state: 'hidden' });
    expect(new URL(page.url()).searchParams.get('like')).toBeNull();
    expect(pageErrors(page)).toEqual([]);
  });

  it('takes a photo from the file input too, and refuses what is not a photo', async () => {
    const page = await open(browser, main.url);
    await page.getByLabel('Search by photo').setInputFiles(join(UNIQUE, 'three-yellow-stars-on-grey.png'));
    await eventually(async () => expect(caption((await photoNames(page))[0])).toMatch(/yellow stars?/));
    await eventually(async () =>
      expect((await noteTitles(page))[0]).toBe('three yellow stars on a grey background'),
    );
    await drop(page, join(main.files, 'notes/red.txt'), 'text/plain');
    await page.getByRole('alert').filter({ hasText: 'photo' }).waitFor();
  });

  it('takes a photo pasted from the clipboard', async () => {
    const page = await open(browser, main.url);
    const bytes = [...readFileSync(join(UNIQUE, 'two-black-squares-on-pink.png'))];
    await page.evaluate((bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
      window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, bytes);
    await page.getByRole('region', { name: 'Query photo' }).waitFor();
    await eventually(async () => expect(caption((await photoNames(page))[0])).toMatch(/black squares?/));
    await eventually(async () =>
      expect((await noteTitles(page))[0]).toBe('two black squares on a pink background'),
    );
  });

  it('refines a photo with words, weighed by the slider (composite)', async () => {
    const page = await open(browser, main.url);
    await drop(page, join(UNIQUE, 'red-circle-on-blue.png'));
    await eventually(async () => expect(caption((await photoNames(page))[0])).toMatch(/red circle/));
    const photoOnly = await photoNames(page);

    await page.getByLabel('Refine with words').fill('three yellow stars on a grey background');
    const slider = page.getByLabel('Weight of words');
    await slider.fill('0.95');
    await eventually(async () => {
      expect(new URL(page.url()).searchParams.get('w')).toBe('0.95');
      const names = await photoNames(page);
      expect(caption(names[0])).toMatch(/yellow stars?/);
    });
    const wordsHeavy = await photoNames(page);
    expect(wordsHeavy).not.toEqual(photoOnly);

    // Back towards the photo: red circles first again.
    await slider.fill('0.05');
    await eventually(async () => expect(caption((await photoNames(page))[0])).toMatch(/red circle/));
  });
});
