// Generated from src-tauri/src/commands.rs (the bindings test): do not edit.
// Regenerate: TROVE_UPDATE_TYPES=1 cargo test -p trove-desktop bindings

import { invoke } from '@tauri-apps/api/core';
import type { FailedFile, ItemDetails, ModelEntry, Paused, RootInfo, RootsChange, SearchRequest, SearchResults, ServiceView, SettingsUpdate, SettingsView, Status, Upload } from '../api/types';

/** The desktop app's commands; `upload` takes the photo's bytes raw (see tauri.ts). */
export const commands = {
  // The library's counts, folders and service state.
  status: () => invoke<Status>('status'),
  // What the background service is doing, wherever it runs.
  service: () => invoke<ServiceView>('service'),
  // Photos and notes by words, like a photo (`like`: an id or `upload:<id>`), or both.
  search: (request: SearchRequest) => invoke<SearchResults>('search', { request }),
  // Photos like library photo `id`, and the notes that talk about it.
  similar: (id: number, limit: number | null) => invoke<SearchResults>('similar', { id, limit }),
  // One file: metadata, EXIF, note passages.
  item: (id: number) => invoke<ItemDetails>('item', { id }),
  roots: () => invoke<Array<RootInfo>>('roots'),
  // Adds a folder; the service indexes it in the background.
  addRoot: (path: string) => invoke<RootsChange>('add_root', { path }),
  // Forgets a folder (its files on disk are never touched).
  removeRoot: (path: string) => invoke<RootsChange>('remove_root', { path }),
  failed: () => invoke<Array<FailedFile>>('failed'),
  models: () => invoke<Array<ModelEntry>>('models'),
  settings: () => invoke<SettingsView>('settings'),
  saveSettings: (update: SettingsUpdate) => invoke<SettingsView>('save_settings', { update }),
  pause: () => invoke<Paused>('pause'),
  resume: () => invoke<Paused>('resume'),
  // Opens a file of the library in its default app.
  open: (id: number) => invoke<null>('open', { id }),
  // Shows a file of the library in the file manager.
  reveal: (id: number) => invoke<null>('reveal', { id }),
  // The native folder picker; null when the user cancels.
  pickFolder: () => invoke<string | null>('pick_folder'),
  // Whether Trove starts (in the tray) when the user logs in.
  autostart: () => invoke<boolean>('autostart'),
  setAutostart: (enabled: boolean) => invoke<boolean>('set_autostart', { enabled }),
  // Quits Trove: the window goes at once, indexing stops (files in hand stay queued for the
  // next start), then the app exits. The tray's "Quit Trove" does the same.
  quit: () => invoke<null>('quit'),
};

/** The channels the app's events arrive on: the service's (`ServiceEvent`) and its own. */
export const channels = { service: 'service', desktop: 'desktop' } as const;

export type DesktopEvent = { "event": "drag_hover", active: boolean, } | { "event": "dropped", upload: Upload, name: string, } | { "event": "drop_refused", message: string, } | { "event": "focus_search" };
