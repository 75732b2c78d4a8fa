// The desktop app under test: the real `trove-desktop` on a fixture library, started by
// tauri-driver (which drives WebKitWebDriver) on the virtual display the test script made.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LibraryDir } from '../e2e/fixtures';
import { Session } from './webdriver';

export const SCREENSHOTS = join(fileURLToPath(new URL('.', import.meta.url)), 'screenshots');

const target = () => process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? '/root', '.cache/trove-target');

/** The app binary: TROVE_DESKTOP_BIN, else the debug build. */
export function desktopBin(): string {
  return process.env.TROVE_DESKTOP_BIN ?? join(target(), 'debug/trove-desktop');
}

/** What a program needs to open a window on the test's display (and find its session bus). */
export function displayEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['DISPLAY', 'XAUTHORITY', 'DBUS_SESSION_BUS_ADDRESS']) {
    if (process.env[name]) env[name] = process.env[name];
  }
  return env;
}

/** The ids of the running `trove-desktop` processes on `library` (from /proc: no procps needed). */
export function desktopsOn(library: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv[0].endsWith('trove-desktop') && argv.includes(library);
      } catch {
        return false; // ended while we looked
      }
    })
    .map(Number);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  session: Session;
  driver: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the app on `dir`'s library through tauri-driver and waits for its window; `env` adds
 * to what the app inherits. */
export async function startApp(dir: LibraryDir, env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const driverBin = process.env.TAURI_DRIVER;
  if (!driverBin) throw new Error('TAURI_DRIVER is not set: run these tests with scripts/test');
  const port = await freePort();
  const nativePort = await freePort();
  // The app inherits this environment (through tauri-driver and WebKitWebDriver): the fixture
  // library's settings, models and an isolated home.
  const driver = spawn(
    driverBin,
    ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'],
    { env: { ...dir.env(), ...displayEnv(), ...env }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${base}/status`);
      break;
    } catch {
      if (Date.now() > deadline || driver.exitCode !== null) throw new Error('tauri-driver did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const session = await Session.start(base, desktopBin(), ['--library', dir.library]);
  return {
    session,
    driver,
    stop: async () => {
      await session.end().catch(() => {});
      driver.kill('SIGTERM');
    },
  };
}

/** The webview's content, as WebKit renders it. */
export async function screenshotWebview(session: Session, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  writeFileSync(join(SCREENSHOTS, `${name}.png`), await session.screenshot());
}

/** Trove's visible window on the display, if one is up. */
function troveWindow(): string | undefined {
  const found = spawnSync('xdotool', ['search', '--onlyvisible', '--name', '^Trove$'], { encoding: 'utf8' });
  return found.stdout.trim().split('\n')[0] || undefined;
}

/** Closes Trove's window as a window manager's close button does: WM_DELETE_WINDOW, sent with
 * python3-xlib (xdotool can only destroy a window, which no person does). */
export function closeWindow(): void {
  const window = troveWindow();
  if (!window) throw new Error('no Trove window is up to close');
  const script = `
import sys
from Xlib import X, display, protocol
d = display.Display()
w = d.create_resource_object('window', int(sys.argv[1]))
protocols = d.intern_atom('WM_PROTOCOLS')
event = protocol.event.ClientMessage(window=w, client_type=protocols,
    data=(32, [d.intern_atom('WM_DELETE_WINDOW'), X.CurrentTime, 0, 0, 0]))
w.send_event(event, event_mask=X.NoEventMask)
d.sync()
`;
  // Debian's python3, where python3-xlib is installed (not one a version manager put first).
  execFileSync('/usr/bin/python3', ['-c', script, window], { env: process.env });
}

/** Trove's window as the X server shows it (a person's view of it, not the webview's), or
 * the whole screen when no window is up. */
export function screenshotWindow(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  const window = troveWindow() ?? 'root';
  execFileSync('import', ['-window', window, file], { env: process.env });
  return file;
}

