// Chromium from Debian, driven by playwright-core (no browser is downloaded), and the small
// waiting helpers the tests use instead of fixed sleeps.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';

export const SCREENSHOTS = join(fileURLToPath(new URL('.', import.meta.url)), 'screenshots');

const CHROMIUM = process.env.TROVE_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** A page opened on the address `trove serve` printed (so it has the key's cookie). */
export async function open(
  browser: Browser,
  url: string,
  options: { width?: number; height?: number; dark?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(url);
  await page.getByLabel('Search photos and notes').waitFor();
  return page;
}

export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Retries `check` until it stops throwing, or throws its last error after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw last;
}

/** The file names of the photo results, in order. */
export async function photoNames(page: Page): Promise<string[]> {
  const images = page.getByRole('list', { name: 'Photo results' }).getByRole('img');
  return images.evaluateAll((els) => els.map((e) => e.getAttribute('alt') ?? ''));
}

export async function noteTitles(page: Page): Promise<string[]> {
  const list = page.getByRole('list', { name: 'Note results' });
  if ((await list.count()) === 0) return [];
  return list.locator('li .title').allInnerTexts();
}
