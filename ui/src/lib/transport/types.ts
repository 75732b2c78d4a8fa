// One interface for everything the UI asks of Trove. The browser talks HTTP to `trove serve`
// (./http.ts); the desktop app talks Tauri's IPC to its commands (./tauri.ts). Nothing else in
// the UI calls fetch or invoke.

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
import type { DesktopEvent } from './commands';

/** What the host can do beyond the API: a browser page cannot open files or pick folders. */
export interface Capabilities {
  /** Open a file in its default app. */
  open: boolean;
  /** Show a file in the file manager. */
  reveal: boolean;
  /** A native folder picker. */
  pickFolder: boolean;
  /** Start Trove when the user logs in. */
  autostart: boolean;
  /** Files dragged from the file manager arrive as native events (not as HTML drops). */
  nativeDrop: boolean;
  /** The page can end the app (the desktop's Quit; a browser tab is just closed). */
  quit: boolean;
}

/** What only a desktop host tells the page: native drag and drop, the global shortcut
 * (generated from the app's Rust type). */
export type HostEvent = DesktopEvent;

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
  /** A photo to show large: the original, or a JPEG of a format web views do not show (HEIC). */
  viewUrl(id: number): string;
  /** Where a kept upload can be shown from, when the page does not hold its bytes itself. */
  uploadUrl(id: string): string | null;
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
  /** Follows the host's own events (nothing in a browser). Returns a stop function. */
  hostEvents(on: (event: HostEvent) => void): () => void;
  open(id: number): Promise<void>;
  reveal(id: number): Promise<void>;
  /** The native folder picker: the chosen folder, or null when cancelled. */
  pickFolder(): Promise<string | null>;
  autostart(): Promise<boolean>;
  setAutostart(enabled: boolean): Promise<boolean>;
  /** Ends the app: indexing stops, files in hand stay queued for the next start. */
  quit(): Promise<void>;
}
