// A photo in a format browsers cannot show by themselves (an iPhone's HEIC), indexed by the real
// `trove` and opened in the lightbox: shown as a picture, the shape it is, not a broken image.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launch, open, photoNames, screenshot } from './browser';
import { LibraryDir, REPO } from './fixtures';
import { type Server, serve } from './server';

const KEYWORDS_ONLY = ['--model', 'none', '--text-model', 'none'];
let browser: Browser;
let server: Server;

beforeAll(async () => {
  browser = await launch();
  const dir = new LibraryDir();
  const phone = join(dir.files, 'phone');
  mkdirSync(phone, { recursive: true });
  // A landscape crop of a sample photo, saved as HEIC by libheif's own encoder (heif-enc, from
  // libheif-examples, which scripts/test installs).
  const png = join(dir.root, 'landscape.png');
  execFileSync('convert', [join(REPO, 'assets/photos/chelsea-the-cat.jpg'), '-crop', '400x225+20+40', '+repage', png]);
  execFileSync('heif-enc', ['--quality', '80', '-o', join(phone, 'IMG_0001.heic'), png]);
  dir.trove('index', dir.files, ...KEYWORDS_ONLY, '--json', '--quiet');
  server = await serve(dir, KEYWORDS_ONLY);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await browser?.close();
});

describe('photo formats', () => {
  it('shows a HEIC in the lightbox as a picture of its own shape', async () => {
    const page = await open(browser, server.url);
    await page.getByLabel('Search photos and notes').fill('IMG_0001');
    await eventually(async () => expect(await photoNames(page)).toEqual(['IMG_0001.heic']));
    await page.getByRole('button', { name: 'Open IMG_0001.heic' }).click();
    const dialog = page.getByRole('dialog', { name: 'IMG_0001.heic' });
    await dialog.waitFor();
    const image = dialog.locator('img').first();
    expect(await image.getAttribute('src')).toMatch(/\/api\/items\/\d+\/view$/);
    const size = await eventually(async () => {
      const [w, h] = await image.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
      expect(w).toBeGreaterThan(0);
      return [w, h];
    });
    expect(size).toEqual([400, 225]);
    await screenshot(page, 'heic-lightbox');
  });
});
