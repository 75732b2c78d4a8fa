// The Linux packages as a user gets them: the .rpm's contents read with rpm, the .deb installed
// with dpkg, its app launched from /usr/bin on the virtual display (its window appears and the
// app stays up), then removed cleanly. scripts/test builds them first (scripts/package --debug)
// and names them in TROVE_DEB and TROVE_RPM.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/browser';
import { LibraryDir } from '../e2e/fixtures';
import { displayEnv, screenshotWindow } from './app';

const DEB = process.env.TROVE_DEB ?? '';
const RPM = process.env.TROVE_RPM ?? '';
const PACKAGE = 'trove';
const INSTALLED = ['/usr/bin/trove-desktop', '/usr/bin/trove', '/usr/share/applications/Trove.desktop'];

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
/** Installing needs root: sudo where the tests run as someone else. */
const asRoot = (cmd: string, ...args: string[]) =>
  process.getuid?.() === 0 ? run(cmd, ...args) : run('sudo', '-n', cmd, ...args);
const installed = () => spawnSync('dpkg-query', ['-W', '-f=${Status}', PACKAGE], { encoding: 'utf8' }).stdout.includes('install ok installed');

let app: ChildProcess | null = null;

beforeAll(() => {
  if (!existsSync(DEB) || !existsSync(RPM)) {
    throw new Error('TROVE_DEB and TROVE_RPM must name the built packages: run scripts/test (or scripts/package)');
  }
  if (installed()) {
    throw new Error(
      `a ${PACKAGE} package is installed on this machine already; this test installs and removes it, so remove it first (dpkg -r ${PACKAGE})`,
    );
  }
});

afterAll(() => {
  app?.kill('SIGKILL');
  if (installed()) asRoot('dpkg', '-r', PACKAGE);
});

describe('the packages', () => {
  it('the .rpm holds the app, the CLI, the desktop entry and the icons, with its metadata', () => {
    const files = run('rpm', '-qlp', RPM).split('\n');
    for (const file of INSTALLED) expect(files).toContain(file);
    expect(files.some((f) => /^\/usr\/share\/icons\/hicolor\/\d+x\d+\/apps\/trove-desktop\.png$/.test(f))).toBe(true);
    const info = run('rpm', '-qip', RPM);
    expect(info).toMatch(/^Name\s*:\s*trove$/m);
    expect(info).toMatch(/^License\s*:\s*MIT OR Apache-2.0$/m);
    expect(info).toContain('Find your own photos and notes by meaning');
  });

  it('the .deb says what it is and what it needs', () => {
    const control = run('dpkg-deb', '-f', DEB);
    expect(control).toMatch(/^Package: trove$/m);
    expect(control).toMatch(/^Depends:.*libwebkit2gtk-4\.1-0/m);
    expect(control).toMatch(/^Depends:.*libayatana-appindicator3-1/m);
    expect(control).toMatch(/^Section: graphics$/m);
    expect(control).toContain('Find your own photos and notes by meaning');
    const files = run('dpkg-deb', '-c', DEB).split('\n');
    for (const file of INSTALLED) expect(files.some((line) => line.endsWith(` ${file.slice(1)}`)), file).toBe(true);
  });

  it('installs with dpkg, runs from /usr/bin with its window up, and uninstalls cleanly', async () => {
    asRoot('dpkg', '-i', DEB);
    expect(installed()).toBe(true);
    for (const file of INSTALLED) expect(existsSync(file), file).toBe(true);
    const desktop = run('cat', '/usr/share/applications/Trove.desktop');
    expect(desktop).toMatch(/^Exec=trove-desktop/m);
    expect(desktop).toMatch(/^Categories=.*Photography/m);
    expect(run('/usr/bin/trove', '--version')).toMatch(/^trove \d+\.\d+\.\d+/);

    // The installed app on an empty library of its own, in an isolated home.
    const dir = new LibraryDir();
    app = spawn('/usr/bin/trove-desktop', ['--library', dir.library], {
      env: { ...dir.env(), ...displayEnv() },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const window = await eventually(async () => {
      const found = spawnSync('xdotool', ['search', '--onlyvisible', '--name', '^Trove$'], { encoding: 'utf8' });
      const id = found.stdout.trim().split('\n')[0];
      expect(id).toMatch(/^\d+$/);
      return id;
    }, 60_000);
    const geometry = run('xwininfo', '-id', window);
    expect(Number(/Width: (\d+)/.exec(geometry)?.[1])).toBeGreaterThanOrEqual(800);
    // It stays up (a crash after showing the window would end it here).
    await new Promise((r) => setTimeout(r, 5_000));
    expect(app.exitCode).toBeNull();
    const shot = screenshotWindow('package-window');
    expect(existsSync(shot)).toBe(true);
    // Its library was made where it was told, and it indexes nothing yet.
    expect(existsSync(join(dir.library, 'library.db'))).toBe(true);
    app.kill('SIGTERM');
    await eventually(async () => expect(app?.exitCode ?? app?.signalCode).not.toBeNull(), 10_000);
    app = null;

    asRoot('dpkg', '-r', PACKAGE);
    expect(installed()).toBe(false);
    for (const file of INSTALLED) expect(existsSync(file), file).toBe(false);
  });
});
