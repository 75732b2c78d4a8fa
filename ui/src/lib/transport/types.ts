// One interface for everything the UI asks of Trove. The browser talks HTTP to `trove serve`
// (./http.ts); the desktop app will talk Tauri IPC. Nothing else in the UI calls fetch.

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

/** What the host can do beyond the API: a browser page cannot open files or pick folders. */
export interface Capabilities {
  /** Open a file in its default app. */
  open: boolean;
  /** Show a file in the file manager. */
  reveal: boolean;
  /** A native folder picker. */
  pickFolder: boolean;
}

export interface Transport {
  readonly capabilities: Capabilities;
  status(): Promise<Status>;
  service(): Promise<ServiceView>;
  search(request: SearchRequest): Promise<SearchResults>;
  similar(id: number, limit?: number): Promise<SearchResults>;
  upload(photo: Blob): Promise<Upload>;
  item(id: number): Promise<ItemDetails>;
  thumbnailUrl(id: number): string;
  originalUrl(id: number): string;
  roots(): Promise<RootInfo[]>;
  addRoot(path: string): Promise<RootsChange>;
  removeRoot(path: string): Promise<RootsChange>;
  failed(): Promise<FailedFile[]>;
  models(): Promise<ModelEntry[]>;
  settings(): Promise<SettingsView>;
  saveSettings(update: SettingsUpdate): Promise<SettingsView>;
  pause(): Promise<Paused>;
  resume(): Promise<Paused>;
  /** Follows the service's events; `resync` runs when some were missed. Returns a stop function. */
  events(on: (event: ServiceEvent) => void, resync: () => void): () => void;
  open(id: number): Promise<void>;
  reveal(id: number): Promise<void>;
}
