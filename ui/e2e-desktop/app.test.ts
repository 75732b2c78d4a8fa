// The desktop app end to end: the real `trove-desktop` under Xvfb, driven through tauri-driver
// on a fixture library indexed with the project's tiny CLIP. Words find the photo they describe
// first, a result opens the lightbox, and the window can do no more than its capability grants:
// its own commands, files by id through `trove:`, no other origin, no eval, no navigation away.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/browser';
import { type LibraryDir, REPO, fileOf, mainLibrary } from '../e2e/fixtures';
import {
  type Running,
  closeWindow,
  desktopBin,
  desktopsOn,
  displayEnv,
  screenshotWindow,
  screenshotWebview,
  startApp,
} from './app';
import { Key } from './webdriver';

let dir: LibraryDir;
let app: Running;
/** What the app asked the desktop to open: a stand-in `xdg-open` on its PATH writes it here. */
let opened: string;

beforeAll(async () => {
  dir = mainLibrary();
  const bin = join(dir.root, 'bin');
  opened = join(dir.root, 'opened');
  mkdirSync(bin);
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, { mode: 0o755 });
  app = await startApp(dir, { PATH: `${bin}:${process.env.PATH}` });
});

/** The files opened so far, waiting a little for the launcher, which runs detached. */
async function openedFiles(count: number): Promise<string[]> {
  const read = () => (existsSync(opened) ? readFileSync(opened, 'utf8').trim().split('\n') : []);
  await eventually(async () => expect(read()).toHaveLength(count));
  return read();
}

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

/** A web server on loopback that counts what reaches it: nothing from the window should. */
async function listen(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    response.end('<!doctype html><title>elsewhere</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    hits,
    // (WebKit may open a connection ahead of a click that is then refused: no request on it.)
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

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
    await (await app.session.find('dialog[open] button[title="Open in its app"]')).click();
    expect(await openedFiles(1)).toEqual([join(dir.files, 'shapes', first)]);
    await screenshotWebview(app.session, 'desktop-lightbox');
    screenshotWindow('desktop-window-lightbox');
    await app.session.press(Key.Escape);
    await eventually(async () =>
      expect(await app.session.run<boolean>(`return !document.querySelector('dialog[open]');`)).toBe(true),
    );
  });

  it('opens a note in its app from its preview (the window itself stays on its pages)', async () => {
    await search('a red circle on a blue background');
    const note = await eventually(async () => {
      const found = await app.session.run<boolean>(`return !!document.querySelector('[aria-label="Note results"] button');`);
      expect(found).toBe(true);
      return app.session.find('[aria-label="Note results"] button');
    }, 30_000);
    await note.click();
    await (await eventually(() => app.session.find('dialog[open] button[title="Open in its app"]'))).click();
    // The note that says the words (the web UI's tests check the order; here, what opens).
    expect((await openedFiles(2))[1]).toBe(join(dir.files, 'notes', 'red.txt'));
    const alert = `return document.querySelector('dialog[open] [role="alert"]')?.textContent ?? null;`;
    expect(await app.session.run<string | null>(alert)).toBeNull();
    await app.session.press(Key.Escape);
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
    expect(open.ok).toBeUndefined();
    expect(open.refused).toMatch(/invalid args `id`/);
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

  it('closing the window puts it away in the tray, and a second launch brings it back and ends', async () => {
    const visible = () => app.session.run<string>(`return document.visibilityState;`);
    expect(await visible()).toBe('visible');
    closeWindow();
    await eventually(async () => expect(await visible()).toBe('hidden'), 10_000);
    // The app goes on without its window.
    expect(await app.session.title()).toBe('Trove');

    const second = spawnSync(desktopBin(), ['--library', dir.library], {
      env: { ...dir.env(), ...displayEnv() },
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(second.status, second.stderr).toBe(0);
    await eventually(async () => expect(await visible()).toBe('visible'), 10_000);
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

    const server = await listen();
    try {
      const blocked = await app.session.runAsync<{ eval: string; fetch: string; violated: string[] }>(
        `const violated = [];
         document.addEventListener('securitypolicyviolation', (e) => violated.push(e.violatedDirective));
         const out = { violated };
         try { new Function('return 1')(); out.eval = 'ran'; } catch (e) { out.eval = e.name; }
         try { await fetch(args[0]); out.fetch = 'sent'; } catch (e) { out.fetch = e.name; }
         await new Promise((resolve) => {
           const s = document.createElement('script');
           s.src = args[0] + 'x.js';
           s.onload = s.onerror = resolve;
           document.head.append(s);
           setTimeout(resolve, 3000);
         });
         return out;`,
        server.url,
      );
      expect(blocked.eval).toBe('EvalError');
      expect(blocked.fetch).toBe('TypeError');
      expect(blocked.violated.map((d) => d.split(' ')[0])).toEqual(expect.arrayContaining(['connect-src', 'script-src']));
      expect(server.hits).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('stays on its own pages: no navigation away, no new windows', async () => {
    const server = await listen();
    try {
      const handles = await app.session.windowHandles();
      await app.session.run(`window.open(arguments[0]);`, `${server.url}popup`);
      // A link to a new window, clicked as a person clicks (WebKit lets a click open one).
      await app.session.run(
        `const a = document.createElement('a');
         a.id = 'elsewhere'; a.href = arguments[0]; a.target = '_blank'; a.textContent = 'elsewhere';
         document.body.prepend(a);`,
        `${server.url}link`,
      );
      await app.session.pointerClick(await app.session.find('#elsewhere'));
      await app.session.run(`document.getElementById('elsewhere').remove();`);
      await app.session.run(`location.href = arguments[0];`, `${server.url}away`);
      await new Promise((r) => setTimeout(r, 2000));
      expect(await app.session.windowHandles()).toEqual(handles);
      expect(await app.session.url()).toMatch(/^tauri:\/\/localhost\//);
      expect(await app.session.run<boolean>(`return !!document.querySelector('input[type="search"]');`)).toBe(true);
      expect(server.hits).toEqual([]);
    } finally {
      await server.close();
    }
  });

  // Last: it ends the app.
  it('indexes a HEIC dropped into a folder and shows it in the lightbox as a picture', async () => {
    // An iPhone-style HEIC (a landscape crop, by libheif's own encoder) arrives while the app runs.
    const png = join(dir.root, 'landscape.png');
    execFileSync('convert', [join(REPO, 'assets/photos/chelsea-the-cat.jpg'), '-crop', '400x225+20+40', '+repage', png]);
    execFileSync('heif-enc', ['--quality', '80', '-o', join(dir.files, 'photos', 'IMG_0001.heic'), png]);
    await search('IMG_0001');
    await eventually(async () => expect(await photoNames()).toContain('IMG_0001.heic'), 60_000);
    await (await app.session.find('[aria-label="Photo results"] button[aria-label="Open IMG_0001.heic"]')).click();
    // WebKitGTK cannot show HEIC: the lightbox asks `trove:` for the rendition, a JPEG of its shape.
    const shown = await eventually(async () => {
      const got = await app.session.run<[string, number, number] | null>(
        `const img = document.querySelector('dialog[open] img');
         return img && img.complete ? [img.getAttribute('src'), img.naturalWidth, img.naturalHeight] : null;`,
      );
      expect(got?.[1]).toBeGreaterThan(0);
      return got;
    }, 30_000);
    expect(shown?.[0]).toMatch(/^trove:\/\/localhost\/items\/\d+\/view$/);
    expect(shown?.slice(1)).toEqual([400, 225]);
    await screenshotWebview(app.session, 'desktop-heic-lightbox');
    await app.session.press(Key.Escape);
  });

  it('quits with Ctrl+Q: indexing stops cleanly and the app ends', async () => {
    expect(desktopsOn(dir.library)).toHaveLength(1);
    const service = join(dir.library, 'service.json');
    expect(existsSync(service)).toBe(true);
    // Settings offers it too (where no tray shows, these are the way out).
    await (await app.session.find('button[aria-label="Settings"]')).click();
    await eventually(async () => {
      const labels = await app.session.run<string[]>(
        `return [...document.querySelectorAll('dialog[open] button')].map((b) => b.textContent.trim());`,
      );
      expect(labels).toContain('Quit Trove');
    });
    await screenshotWebview(app.session, 'desktop-settings');
    await app.session.press(Key.Escape);
    await app.session.press(Key.Control, 'q');
    await eventually(async () => expect(desktopsOn(dir.library)).toEqual([]), 20_000);
    // A service that stops cleanly takes its record with it (a killed one leaves it behind).
    expect(existsSync(service)).toBe(false);
  });
});
