// The search as it lives in the address bar: every field that shapes the results, so a
// search can be bookmarked, shared between tabs, and walked with the back button.

import type { Kind, SearchRequest } from './api/types';

export interface SearchState {
  /** The words typed. */
  q: string;
  kind: Kind | null;
  /** YYYY, YYYY-MM or YYYY-MM-DD. */
  after: string | null;
  before: string | null;
  /** A folder path (one of the library's roots, or under one). */
  folder: string | null;
  camera: string | null;
  /** A photo to search like: a library item id, or `upload:<id>` of a dropped photo. */
  like: string | null;
  /** Weight of the words against the `like` photo, 0..1. */
  weight: number;
  /** Also results below the relevance cutoff. */
  all: boolean;
  /** The photo open in the lightbox (an item id). */
  open: number | null;
}

export const DEFAULT_WEIGHT = 0.5;

export const EMPTY: SearchState = {
  q: '',
  kind: null,
  after: null,
  before: null,
  folder: null,
  camera: null,
  like: null,
  weight: DEFAULT_WEIGHT,
  all: false,
  open: null,
};

function text(params: URLSearchParams, key: string): string | null {
  const value = params.get(key)?.trim();
  return value ? value : null;
}

/** The state in a query string (`?q=…&kind=photo…`); unknown or malformed values are ignored. */
export function parse(search: string): SearchState {
  const params = new URLSearchParams(search);
  const kind = params.get('kind');
  const weight = Number(params.get('w'));
  const open = Number(params.get('open'));
  return {
    q: params.get('q') ?? '',
    kind: kind === 'photo' || kind === 'note' ? kind : null,
    after: text(params, 'after'),
    before: text(params, 'before'),
    folder: text(params, 'in'),
    camera: text(params, 'camera'),
    like: text(params, 'like'),
    weight: params.has('w') && weight >= 0 && weight <= 1 ? weight : DEFAULT_WEIGHT,
    all: params.get('all') === '1',
    open: Number.isInteger(open) && open > 0 ? open : null,
  };
}

/** The query string of a state (`''` for the empty search), with defaults left out. */
export function serialize(state: SearchState): string {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set('q', state.q);
  if (state.kind) params.set('kind', state.kind);
  if (state.after) params.set('after', state.after);
  if (state.before) params.set('before', state.before);
  if (state.folder) params.set('in', state.folder);
  if (state.camera) params.set('camera', state.camera);
  if (state.like) params.set('like', state.like);
  if (state.like && state.weight !== DEFAULT_WEIGHT) params.set('w', String(state.weight));
  if (state.all) params.set('all', '1');
  if (state.open !== null) params.set('open', String(state.open));
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** Whether the state asks for anything (else the page shows its welcome, not "no results"). */
export function isSearch(state: SearchState): boolean {
  return state.q.trim() !== '' || state.like !== null;
}

/** The engine's request for a state. */
export function request(state: SearchState, limit: number): SearchRequest {
  const req: SearchRequest = { query: state.q.trim(), limit, all: state.all };
  if (state.kind) req.kind = state.kind;
  if (state.after) req.after = state.after;
  if (state.before) req.before = state.before;
  if (state.folder) req.in = state.folder;
  if (state.camera) req.camera = state.camera;
  if (state.like) {
    req.like = state.like;
    req.text_weight = state.weight;
  }
  return req;
}

/** Whether two states ask for the same results (the lightbox is not part of the search). */
export function sameSearch(a: SearchState, b: SearchState): boolean {
  return serialize({ ...a, open: null }) === serialize({ ...b, open: null });
}

export interface Chip {
  key: 'kind' | 'after' | 'before' | 'folder' | 'camera';
  label: string;
}

/** The active filters as removable chips ("Kind: Photos", "Folder: Pictures"). */
export function chips(state: SearchState): Chip[] {
  const out: Chip[] = [];
  if (state.kind) out.push({ key: 'kind', label: `Kind: ${state.kind === 'photo' ? 'Photos' : 'Notes'}` });
  if (state.after) out.push({ key: 'after', label: `After: ${state.after}` });
  if (state.before) out.push({ key: 'before', label: `Before: ${state.before}` });
  if (state.folder) out.push({ key: 'folder', label: `Folder: ${basename(state.folder)}` });
  if (state.camera) out.push({ key: 'camera', label: `Camera: ${state.camera}` });
  return out;
}

export function basename(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : path;
}

export function dirname(path: string): string {
  const at = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return at > 0 ? path.slice(0, at) : path;
}
