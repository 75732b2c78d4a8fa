// The desktop app's transport: Tauri's IPC to the app's commands (./commands.ts, generated from
// the Rust commands), the service's and the desktop's events, and files through the app's
// `trove:` protocol (by id, like the HTTP API's `/api/items/{id}/…`).

import { convertFileSrc, invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { ErrorKind, SearchRequest, ServiceEvent, SettingsUpdate, Upload } from '../api/types';
import { channels, commands } from './commands';
import { TroveError } from './errors';
import type { HostEvent, Transport } from './types';

const KINDS: readonly string[] = ['invalid', 'not_found', 'busy', 'unauthorized', 'too_large', 'unsupported', 'machine', 'internal'];

/** A rejected command as a TroveError: the app's `{kind, message}`, or Tauri's own words (a
 * command the window is not allowed, say). */
export function fromRejection(reason: unknown): TroveError {
  if (reason && typeof reason === 'object' && typeof (reason as { message?: unknown }).message === 'string') {
    const { kind, message } = reason as { kind?: unknown; message: string };
    return new TroveError(typeof kind === 'string' && KINDS.includes(kind) ? (kind as ErrorKind) : 'internal', message);
  }
  return new TroveError('internal', String(reason));
}

async function call<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (reason) {
    throw fromRejection(reason);
  }
}

/** Listens on a channel until stopped, also when stopped before listening began. */
function follow<T>(channel: string, on: (payload: T) => void): () => void {
  let stopped = false;
  let unlisten: UnlistenFn | null = null;
  void listen<T>(channel, (event) => on(event.payload)).then((stop) => {
    if (stopped) stop();
    else unlisten = stop;
  });
  return () => {
    stopped = true;
    unlisten?.();
  };
}

export class TauriTransport implements Transport {
  readonly capabilities = { open: true, reveal: true, pickFolder: true, autostart: true, nativeDrop: true, quit: true };
  /** `trove://localhost/` (Linux, macOS) or `http://trove.localhost/` (Windows). */
  private readonly files = convertFileSrc('', 'trove');

  status = () => call(commands.status());
  service = () => call(commands.service());
  search = (request: SearchRequest) => call(commands.search(request));
  similar = (id: number, limit?: number) => call(commands.similar(id, limit ?? null));
  item = (id: number) => call(commands.item(id));
  roots = () => call(commands.roots());
  addRoot = (path: string) => call(commands.addRoot(path));
  removeRoot = (path: string) => call(commands.removeRoot(path));
  failed = () => call(commands.failed());
  models = () => call(commands.models());
  settings = () => call(commands.settings());
  saveSettings = (update: SettingsUpdate) => call(commands.saveSettings(update));
  pause = () => call(commands.pause());
  resume = () => call(commands.resume());
  open = async (id: number) => void (await call(commands.open(id)));
  reveal = async (id: number) => void (await call(commands.reveal(id)));
  pickFolder = () => call(commands.pickFolder());
  autostart = () => call(commands.autostart());
  setAutostart = (enabled: boolean) => call(commands.setAutostart(enabled));
  quit = async () => void (await call(commands.quit()));

  /** The photo's bytes go as the raw body: no JSON array of numbers for megabytes. */
  async upload(photo: Blob): Promise<Upload> {
    const bytes = new Uint8Array(await photo.arrayBuffer());
    return call(invoke<Upload>('upload', bytes, { headers: { 'Content-Type': photo.type || 'application/octet-stream' } }));
  }

  thumbnailUrl = (id: number) => `${this.files}items/${id}/thumbnail`;
  originalUrl = (id: number) => `${this.files}items/${id}/original`;
  viewUrl = (id: number) => `${this.files}items/${id}/view`;
  uploadUrl = (id: string) => `${this.files}uploads/${encodeURIComponent(id)}`;

  events(on: (event: ServiceEvent) => void, _resync: () => void): () => void {
    // Tauri's events are not dropped: nothing to catch up on.
    return follow<ServiceEvent>(channels.service, on);
  }

  hostEvents(on: (event: HostEvent) => void): () => void {
    return follow<HostEvent>(channels.desktop, on);
  }
}

/** Whether this page runs in the desktop app's window. */
export const inDesktopApp = (): boolean => typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
