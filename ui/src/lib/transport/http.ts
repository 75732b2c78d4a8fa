// The browser's transport: same-origin requests to `trove serve`. The page's key travels in
// an HttpOnly cookie the server set when the printed link was opened.

import type {
  FailedFile,
  ItemDetails,
  ModelEntry,
  Paused,
  RootInfo,
  RootsChange,
  SearchRequest,
  SearchResults,
  ServiceEvent,
  ServiceView,
  SettingsUpdate,
  SettingsView,
  Status,
  Upload,
} from '../api/types';
import { TroveError, fromResponse } from './errors';
import type { HostEvent, Transport } from './types';

type Fetch = typeof fetch;

export class HttpTransport implements Transport {
  readonly capabilities = { open: false, reveal: false, pickFolder: false, autostart: false, nativeDrop: false, quit: false };
  private readonly base: string;
  private readonly fetcher: Fetch;
  /** Called on a 401: the key is missing or from another launch. */
  onUnauthorized: () => void = () => {};

  constructor(base = '', fetcher: Fetch = (...args) => fetch(...args)) {
    this.base = base;
    this.fetcher = fetcher;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
    if (body instanceof Blob) {
      init.body = body;
      init.headers = { 'Content-Type': body.type || 'application/octet-stream' };
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      response = await this.fetcher(`${this.base}/api${path}`, init);
    } catch (error) {
      throw new TroveError('network', `Trove is not answering (${String(error)}); is trove serve still running?`);
    }
    if (!response.ok) {
      const error = await fromResponse(response);
      if (error.kind === 'unauthorized') this.onUnauthorized();
      throw error;
    }
    return (await response.json()) as T;
  }

  status = () => this.call<Status>('GET', '/status');
  service = () => this.call<ServiceView>('GET', '/service');
  search = (request: SearchRequest) =>
    this.call<SearchResults>('POST', '/search', request);
  similar = (id: number, limit?: number) =>
    this.call<SearchResults>(
      'GET',
      `/similar/${id}${limit ? `?limit=${limit}` : ''}`,
    );
  upload = (photo: Blob) => this.call<Upload>('POST', '/uploads', photo);
  item = (id: number) => this.call<ItemDetails>('GET', `/items/${id}`);
  thumbnailUrl = (id: number) => `${this.base}/api/items/${id}/thumbnail`;
  originalUrl = (id: number) => `${this.base}/api/items/${id}/original`;
  viewUrl = (id: number) => `${this.base}/api/items/${id}/view`;
  // The page shows an uploaded photo from its own bytes.
  uploadUrl = (_id: string) => null;
  roots = () => this.call<RootInfo[]>('GET', '/roots');
  addRoot = (path: string) => this.call<RootsChange>('POST', '/roots', { path });
  removeRoot = (path: string) =>
    this.call<RootsChange>('DELETE', '/roots', { path });
  failed = () => this.call<FailedFile[]>('GET', '/failed');
  models = () => this.call<ModelEntry[]>('GET', '/models');
  settings = () => this.call<SettingsView>('GET', '/settings');
  saveSettings = (update: SettingsUpdate) =>
    this.call<SettingsView>('PUT', '/settings', update);
  pause = () => this.call<Paused>('POST', '/pause');
  resume = () => this.call<Paused>('POST', '/resume');

  events(on: (event: ServiceEvent) => void, resync: () => void): () => void {
    const source = new EventSource(`${this.base}/api/events`);
    const names = ['watching', 'changes', 'models', 'download', 'progress', 'idle', 'paused', 'resumed', 'problem'];
    const handler = (message: MessageEvent) => {
      try {
        on(JSON.parse(message.data) as ServiceEvent);
      } catch {
        // A malformed event is skipped; the next one carries the state again.
      }
    };
    for (const name of names) source.addEventListener(name, handler as EventListener);
    source.addEventListener('lagged', resync);
    // The browser reconnects by itself; whatever happened meanwhile is fetched again.
    source.addEventListener('open', resync);
    return () => source.close();
  }

  hostEvents(_on: (event: HostEvent) => void): () => void {
    return () => {};
  }

  async open(_id: number): Promise<void> {
    throw new TroveError('unsupported', 'Opening files is available in the desktop app');
  }

  async reveal(_id: number): Promise<void> {
    throw new TroveError('unsupported', 'Showing files in their folder is available in the desktop app');
  }

  async pickFolder(): Promise<string | null> {
    throw new TroveError('unsupported', 'The folder picker is available in the desktop app');
  }

  async autostart(): Promise<boolean> {
    return false;
  }

  async setAutostart(_enabled: boolean): Promise<boolean> {
    throw new TroveError('unsupported', 'Starting at login is available in the desktop app');
  }

  async quit(): Promise<void> {
    throw new TroveError('unsupported', 'trove serve stops with Ctrl-C where it runs; closing this page leaves it running');
  }
}
