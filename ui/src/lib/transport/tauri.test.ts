import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearMocks, mockConvertFileSrc, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { TroveError } from './errors';
import { TauriTransport, fromRejection } from './tauri';

beforeAll(() => {
  // Tauri's mocks live on `window`; Vitest runs in Node.
  (globalThis as { window?: unknown }).window ??= globalThis;
});

afterEach(() => clearMocks());

interface Seen {
  cmd: string;
  payload: unknown;
  headers?: unknown;
}

type Internals = { invoke: (cmd: string, args?: unknown, options?: { headers?: unknown }) => Promise<unknown> };

/** Tauri's IPC answered by `answer`, every call seen (with its headers, which mockIPC drops). */
function answering(answer: (cmd: string, payload: unknown) => unknown): Seen[] {
  const seen: Seen[] = [];
  mockIPC((cmd, payload) => answer(cmd, payload), { shouldMockEvents: true });
  mockConvertFileSrc('linux');
  const internals = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;
  const mocked = internals.invoke;
  internals.invoke = (cmd, args, options) => {
    if (!cmd.startsWith('plugin:event|')) seen.push({ cmd, payload: args, headers: options?.headers });
    return mocked(cmd, args, options);
  };
  return seen;
}

describe('the desktop transport', () => {
  it('calls the commands with their arguments by their Rust names', async () => {
    const seen = answering((cmd) => (cmd === 'search' ? { query: 'x', photos: [], notes: [] } : null));
    const t = new TauriTransport();
    expect((await t.search({ query: 'x', limit: 3 })).query).toBe('x');
    await t.similar(7);
    await t.addRoot('/home/me/Pictures');
    await t.setAutostart(true);
    await t.saveSettings({ device: 'cpu' });
    await t.quit();
    expect(seen.map((s) => [s.cmd, s.payload])).toEqual([
      ['search', { request: { query: 'x', limit: 3 } }],
      ['similar', { id: 7, limit: null }],
      ['add_root', { path: '/home/me/Pictures' }],
      ['set_autostart', { enabled: true }],
      ['save_settings', { update: { device: 'cpu' } }],
      ['quit', {}],
    ]);
  });

  it('sends a photo as raw bytes with its type', async () => {
    const seen = answering(() => ({ id: 'u1', width: 1, height: 1, format: 'png', bytes: 3 }));
    const t = new TauriTransport();
    const upload = await t.upload(new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }));
    expect(upload.id).toBe('u1');
    expect(seen[0].cmd).toBe('upload');
    expect(Array.from(seen[0].payload as Uint8Array)).toEqual([1, 2, 3]);
    expect(seen[0].headers).toEqual({ 'Content-Type': 'image/png' });
  });

  it('turns the app’s errors and Tauri’s refusals into typed errors', async () => {
    answering(() => {
      throw { kind: 'not_found', message: 'no indexed file with id 9' };
    });
    const error = await new TauriTransport().open(9).catch((e) => e);
    expect(error).toBeInstanceOf(TroveError);
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe('no indexed file with id 9');

    const refused = fromRejection('Command plugin:opener|open_path not allowed by ACL');
    expect(refused.kind).toBe('internal');
    expect(refused.message).toContain('not allowed');
    expect(fromRejection({ kind: 'weird', message: 'm' }).kind).toBe('internal');
  });

  it('serves files by id through the trove: protocol', () => {
    answering(() => null);
    const t = new TauriTransport();
    expect(t.thumbnailUrl(5)).toBe('trove://localhost/items/5/thumbnail');
    expect(t.originalUrl(5)).toBe('trove://localhost/items/5/original');
    expect(t.viewUrl(5)).toBe('trove://localhost/items/5/view');
    expect(t.uploadUrl('a/b')).toBe('trove://localhost/uploads/a%2Fb');
    expect(t.capabilities).toEqual({ open: true, reveal: true, pickFolder: true, autostart: true, nativeDrop: true, quit: true });
  });

  it('follows the service’s and the desktop’s events until stopped', async () => {
    answering(() => null);
    const t = new TauriTransport();
    const service: unknown[] = [];
    const host: unknown[] = [];
    const stopService = t.events((e) => service.push(e), () => {});
    const stopHost = t.hostEvents((e) => host.push(e));
    await new Promise((r) => setTimeout(r, 0));
    await emit('service', { event: 'paused' });
    await emit('desktop', { event: 'drag_hover', active: true });
    stopService();
    stopHost();
    await emit('service', { event: 'resumed' });
    expect(service).toEqual([{ event: 'paused' }]);
    expect(host).toEqual([{ event: 'drag_hover', active: true }]);
  });
});
