// An empty library: the welcome that says what to do, then a folder added in the page,
// indexed with visible progress by the service beside the server, and found.

import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seriousViolations } from './axe';
import { eventually, launch, open, photoNames, screenshot } from './browser';
import { LibraryDir } from './fixtures';
import { serve } from './server';

const empty = inject('empty');
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('folders', () => {
  it('shows an empty library, then indexes an added folder with progress and finds its photos', async () => {
    const page = await open(browser, empty.url);
    await page.getByRole('heading', { name: 'Your library is empty' }).waitFor();
    await screenshot(page, 'empty');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Add a folder to start' }).click();
    const dialog = page.getByRole('dialog', { name: 'Folders' });
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByLabel('Folder path').fill(empty.toAdd);
    await dialog.getByRole('button', { name: 'Add folder' }).click();
    const progress = dialog.getByRole('progressbar', { name: 'Indexing progress' });
    await progress.waitFor({ timeout: 30_000 });
    const total = Number(await progress.getAttribute('aria-valuemax'));
    expect(total).toBeGreaterThan(100);
    await screenshot(page, 'indexing');
    await progress.waitFor({ state: 'hidden', timeout: 120_000 });
    await eventually(async () => expect(await dialog.innerText()).toContain('Everything is indexed'));
    await expect(dialog.getByRole('button', { name: `Remove ${empty.toAdd}` }).count()).resolves.toBe(1);
    await dialog.getByRole('button', { name: 'Close' }).first().click();

    await page.getByLabel('Search photos and notes').fill('a red circle on a blue background');
    await eventually(async () => expect((await photoNames(page)).length).toBeGreaterThan(0));
    expect((await photoNames(page))[0]).toMatch(/^\d{4}-\d\.png$/);
  });

  it('pauses and resumes indexing, and lists the settings', async () => {
    const page = await open(browser, empty.url);
    await page.getByRole('button', { name: 'Folders' }).click();
    const dialog = page.getByRole('dialog', { name: 'Folders' });
    await dialog.getByRole('button', { name: 'Pause indexing' }).click();
    await dialog.getByRole('button', { name: 'Resume indexing' }).click();
    await dialog.getByRole('button', { name: 'Pause indexing' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByLabel('Device').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // Closing a tab leaves trove serve running: a page cannot quit it (the desktop app's can).
    expect(await settings.getByRole('button', { name: 'Quit Trove' }).count()).toBe(0);
    await settings.getByLabel('Theme').selectOption('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await settings.getByLabel('Theme').selectOption('light');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    // Full speed is saved to the settings file (applies at the next start) and read back.
    await settings.getByLabel('Index at full speed').check();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.getByRole('status').filter({ hasText: 'applies when Trove starts again' }).waitFor();
    expect(readFileSync(empty.config, 'utf8')).toMatch(/full_speed = true/);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(settings.getByLabel('Index at full speed').isChecked()).resolves.toBe(true);
  });

  it('says plainly when no model is installed, and what to do', async () => {
    const dir = new LibraryDir();
    const server = await serve(dir, ['--model', 'none', '--text-model', 'none']);
    try {
      const page = await open(browser, server.url);
      const banner = page.getByRole('alert').filter({ hasText: 'No model for photos' });
      await banner.waitFor();
      await expect(banner.innerText()).resolves.toContain('trove models');
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
