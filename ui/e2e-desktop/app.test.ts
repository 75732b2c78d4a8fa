// The desktop app end to end: the real `trove-desktop` under Xvfb, driven through tauri-driver
// on a fixture library indexed with the project's tiny CLIP. Words find the photo they describe
// first, a result opens the lightbox, and the window can do no more than its capability grants:
// its own commands, files by id through `trove:`, no other origin, no eval.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/browser';
import { type LibraryDir, fileOf, mainLibrary } from '../e2e/fixtures';
import { type Running, desktopBin, displayEnv, screenshotWindow, screenshotWebview, startApp } from './app';
import { Key } from './webdriver';

let dir: LibraryDir;
let app: Running;

beforeAll(async () => {
  dir = mainLibrary();
  app = await startApp(dir);
});

afterAll(async () => {
  await app?.stop();
});

/** The file names of the photo results, in order. */
const photoNames = () =>
  app.session.run<string[]>(
    `return [...document.querySelectorAll('[aria-label="Photo results"] img')].map((i) => i.getAttribute('alt'));`,
  );

/** What `window.__TAURI_INTERNALS__.invoke` answers: `{ok}` or `{refused}`. */
const invoke = (command: string, args: unknown = {}) =>
  app.session.runAsync<{ ok?: unknown; refused?: string }>(
    `try { return { ok: await window.__TAURI_INTERNALS__.invoke(args[0], args[1]) }; }
     catch (e) { return { refused: typeof e === 'string' ? e : JSON.stringify(e) }; }`,
    command,
    args,
  );

async function search(words: string) {
  const input = await app.session.find('input[type="search"]');
  await input.clear();
  await input.type(words);
}

describe('the desktop app', () => {
  it('opens its window on the library, and words find the photo they describe first', async () => {
    await eventually(async () => expect(await app.session.title()).toBe('Trove'), 60_000);
    await eventually(async () => {
      expect(await app.session.run<boolean>(`return !!document.querySelector('input[type="search"]');`)).toBe(true);
    }, 30_000);
    const words = 'a red circle on a blue background';
    await search(words);
    await eventually(async () => expect((await photoNames())[0]).toBe(fileOf(words)), 30_000);
    // The thumbnails came through the app's protocol and show.
    await eventually(async () => {
      const shown = await app.session.run<number>(
        `const img = document.querySelector('[aria-label="Photo results"] img'); return img.complete ? img.naturalWidth : 0;`,
      );
      expect(shown).toBeGreaterThan(0);
    });
    await screenshotWebview(app.session, 'desktop-results');
    screenshotWindow('desktop-window');
  });

  it('opens a result in the lightbox, and Escape closes it', async () => {
    const first = (await photoNames())[0];
    const open = await app.session.find(`[aria-label="Photo results"] button[aria-label="Open ${first}"]`);
    await open.click();
    await eventually(async () => {
      const name = await app.session.run<string | null>(
        `const d = document.querySelector('dialog[open]'); return d && (d.getAttribute('aria-label') ?? d.querySelector('h2')?.textContent);`,
      );
      expect(name).toContain(first);
    });
    // Open and Show in folder work here (in a browser they are disabled).
    const disabled = await app.session.run<boolean[]>(
      `return [...document.querySelectorAll('dialog[open] button')].filter((b) => /Open|Show in folder/.test(b.textContent)).map((b) => b.disabled);`,
    );
    expect(disabled).toEqual([false, false]);
    await screenshotWebview(app.session, 'desktop-lightbox');
    screenshotWindow('desktop-window-lightbox');
    await app.session.press(Key.Escape);
    await eventually(async () =>
      expect(await app.session.run<boolean>(`return !document.querySelector('dialog[open]');`)).toBe(true),
    );
  });

  it('lets the window call its own commands and nothing its capability does not grant', async () => {
    const status = await invoke('status');
    expect(status.refused).toBeUndefined();
    expect((status.ok as { photos: number }).photos).toBeGreaterThan(300);
    // Plugins the app uses from Rust, with paths it resolved itself: never from the page.
    for (const [command, args] of [
      ['plugin:dialog|open', { options: { directory: true } }],
      ['plugin:autostart|enable', {}],
      ['plugin:window-state|save_window_state', { flags: 0 }],
      ['plugin:global-shortcut|unregister_all', {}],
      ['plugin:opener|open_path', { path: '/etc/passwd' }],
      ['plugin:fs|read_text_file', { path: '/etc/passwd' }],
    ] as const) {
      const answer = await invoke(command, args);
      expect(answer.ok, command).toBeUndefined();
      expect(answer.refused, command).toMatch(/not allowed|not found/);
    }
    // The app's own commands take ids, never paths.
    const open = await invoke('open', { id: '/etc/passwd' });
    expect(open.refused).toBeDefined();
  });

  it('starts at login when asked, in the tray (--hidden), and stops when asked', async () => {
    const autostart = join(dir.env().XDG_CONFIG_HOME!, 'autostart');
    const entries = () => (existsSync(autostart) ? readdirSync(autostart).filter((f) => f.endsWith('.desktop')) : []);
    expect((await invoke('autostart')).ok).toBe(false);
    expect((await invoke('set_autostart', { enabled: true })).ok).toBe(true);
    expect(entries()).toHaveLength(1);
    const entry = readFileSync(join(autostart, entries()[0]), 'utf8');
    expect(entry).toMatch(/^Exec=.*trove-desktop.* --hidden/m);
    expect((await invoke('autostart')).ok).toBe(true);
    expect((await invoke('set_autostart', { enabled: false })).ok).toBe(false);
    expect(entries()).toEqual([]);
  });

  it('a second launch brings the first window up and ends', async () => {
    const second = spawnSync(desktopBin(), ['--library', dir.library], {
      env: { ...dir.env(), ...displayEnv() },
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(second.status, second.stderr).toBe(0);
    // The first goes on.
    expect(await app.session.title()).toBe('Trove');
    expect(await app.session.run<boolean>(`return document.visibilityState === 'visible';`)).toBe(true);
  });

  it('brings the search up from anywhere with the global shortcut', async () => {
    await app.session.run(`document.activeElement?.blur();`);
    expect(await app.session.run<string | undefined>(`return document.activeElement?.id;`)).not.toBe('q');
    // Pressed on the display itself, as from another app: the grab is the system's.
    execFileSync('xdotool', ['key', 'ctrl+shift+space'], { env: process.env });
    await eventually(async () =>
      expect(await app.session.run<string | undefined>(`return document.activeElement?.id;`)).toBe('q'),
    );
  });

  it('serves files by id through trove: only; no file protocol, no other origin, no eval', async () => {
    const photo = await invoke('search', { request: { query: 'a red circle on a blue background', limit: 1 } });
    const id = (photo.ok as { photos: { id: number }[] }).photos[0].id;
    const loads = await app.session.runAsync<Record<string, boolean>>(
      `const load = (src) => new Promise((resolve) => {
         const img = new Image();
         img.onload = () => resolve(img.naturalWidth > 0);
         img.onerror = () => resolve(false);
         img.src = src;
       });
       const out = {};
       for (const src of args[0]) out[src] = await load(src);
       return out;`,
      [
        `trove://localhost/items/${id}/thumbnail`,
        `trove://localhost/items/${id}/original`,
        'trove://localhost/items/..%2F..%2F..%2Fetc%2Fpasswd/original',
        'trove://localhost/%2Fetc%2Fpasswd',
        'trove://localhost/items/999999/original',
        'asset://localhost/%2Fetc%2Fpasswd',
        `asset://localhost/${encodeURIComponent(dir.files + '/shapes/' + fileOf('a red circle on a blue background'))}`,
      ],
    );
    expect(Object.entries(loads).filter(([, ok]) => ok).map(([src]) => src)).toEqual([
      `trove://localhost/items/${id}/thumbnail`,
      `trove://localhost/items/${id}/original`,
    ]);

    const blocked = await app.session.runAsync<Record<string, string>>(
      `const out = {};
       try { new Function('return 1')(); out.eval = 'ran'; } catch (e) { out.eval = e.name; }
       try { await fetch('http://127.0.0.1:9/'); out.fetch = 'sent'; } catch (e) { out.fetch = e.name; }
       out.frame = await new Promise((resolve) => {
         document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
         const s = document.createElement('script');
         s.src = 'http://127.0.0.1:9/x.js';
         document.head.append(s);
         setTimeout(() => resolve('none'), 3000);
       });
       return out;`,
    );
    expect(blocked.eval).toBe('EvalError');
    expect(blocked.fetch).toBe('TypeError');
    expect(blocked.frame).toMatch(/^script-src/);
  });
});
