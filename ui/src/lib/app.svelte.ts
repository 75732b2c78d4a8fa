// The page's state: the search (mirrored in the address bar), its results, and what the
// library and its indexing service are doing (kept live by the service's events).

import type {
  FailedFile,
  ModelUse,
  RootInfo,
  SearchResults,
  ServiceEvent,
  ServiceView,
  Status,
  Upload,
} from './api/types';
import { Latest, debounce } from './latest';
import { describe } from './transport/errors';
import type { Transport } from './transport/types';
import * as url from './url';

/** Results per group. */
const LIMIT = 60;
/** Typing pause before a search runs. */
const TYPING_MS = 200;

export type Theme = 'system' | 'light' | 'dark';

/** A photo dropped, pasted or picked, to search by. */
export interface QueryPhoto {
  /** `upload:<id>` or a library item id. */
  like: string;
  /** What to show for it: an object URL or a thumbnail URL (none after a reload). */
  preview: string | null;
  name: string;
}

export class App {
  readonly transport: Transport;
  state = $state<url.SearchState>({ ...url.EMPTY });
  results = $state<SearchResults | null>(null);
  searching = $state(false);
  error = $state<string | null>(null);
  photo = $state<QueryPhoto | null>(null);
  uploading = $state(false);

  status = $state<Status | null>(null);
  service = $state<ServiceView | null>(null);
  roots = $state<RootInfo[]>([]);
  failed = $state<FailedFile[]>([]);
  problem = $state<string | null>(null);
  unauthorized = $state(false);
  theme = $state<Theme>('system');

  private latest = new Latest();
  private typing = debounce(TYPING_MS, () => this.commit(false));

  constructor(transport: Transport) {
    this.transport = transport;
  }

  /** Starts from the address bar and follows the service. */
  start(): () => void {
    this.state = url.parse(location.search);
    if (this.state.like) this.photo = photoOf(this.state.like, null, this.transport);
    this.runSearch();
    this.refresh();
    const stop = this.transport.events(
      (event) => this.onEvent(event),
      () => this.refresh(),
    );
    const onPop = () => {
      const next = url.parse(location.search);
      const research = !url.sameSearch(next, this.state);
      this.state = next;
      this.photo = next.like ? photoOf(next.like, this.photo, this.transport) : null;
      if (research) this.runSearch();
    };
    window.addEventListener('popstate', onPop);
    return () => {
      stop();
      window.removeEventListener('popstate', onPop);
    };
  }

  // --- the search -------------------------------------------------------------------------

  /** The words changed: search once typing pauses. */
  type(q: string): void {
    this.state.q = q;
    this.typing();
  }

  /** Any other part of the search changed: search now and make it a step of the history. */
  set(change: Partial<url.SearchState>): void {
    this.state = { ...this.state, ...change };
    this.typing.cancel();
    this.commit(true);
  }

  /** Writes the state into the address: a new history entry, or in place while typing (but
   *  the first words of a search are a step of their own, so Back returns to the start). */
  private commit(push: boolean): void {
    const next = url.serialize(this.state);
    if (next !== location.search) {
      const address = `${location.pathname}${next}`;
      const fresh = !url.isSearch(url.parse(location.search));
      if (push || fresh) history.pushState(null, '', address);
      else history.replaceState(null, '', address);
    }
    this.runSearch();
  }

  /** Opens the lightbox: a history step of its own, so Back closes it. */
  openPhoto(id: number): void {
    if (this.state.open === id) return;
    this.state = { ...this.state, open: id };
    history.pushState({ lightbox: true }, '', `${location.pathname}${url.serialize(this.state)}`);
  }

  /** Moves the lightbox to another photo, in place (arrows do not fill the history). */
  showPhoto(id: number): void {
    this.state = { ...this.state, open: id };
    history.replaceState(history.state, '', `${location.pathname}${url.serialize(this.state)}`);
  }

  closePhoto(): void {
    if (this.state.open === null) return;
    this.state = { ...this.state, open: null };
    if (history.state?.lightbox) history.back();
    else history.replaceState(null, '', `${location.pathname}${url.serialize(this.state)}`);
  }

  runSearch(): void {
    if (!url.isSearch(this.state)) {
      this.latest.cancel();
      this.results = null;
      this.error = null;
      this.searching = false;
      return;
    }
    this.searching = true;
    const request = url.request(this.state, LIMIT);
    void this.latest.run(
      () => this.transport.search(request),
      (results) => {
        this.results = results;
        this.error = null;
        this.searching = false;
      },
      (error) => {
        this.error = describe(error);
        this.searching = false;
      },
    );
  }

  /** Searches like a photo of the library. */
  similarTo(id: number, name: string): void {
    this.photo = { like: String(id), preview: this.transport.thumbnailUrl(id), name };
    this.set({ like: String(id), q: '', open: null, all: false });
  }

  /** Searches like a photo from outside (dropped, pasted or picked): uploaded, kept in memory. */
  async searchByPhoto(file: File): Promise<void> {
    if (!file.type.startsWith('image/')) {
      this.error = `${file.name || 'That file'} is not a photo`;
      return;
    }
    this.uploading = true;
    try {
      const upload = await this.transport.upload(file);
      if (this.photo?.preview?.startsWith('blob:')) URL.revokeObjectURL(this.photo.preview);
      const like = `upload:${upload.id}`;
      this.photo = { like, preview: URL.createObjectURL(file), name: file.name || 'Pasted photo' };
      this.set({ like, q: '', open: null, all: false });
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.uploading = false;
    }
  }

  /** Searches like a photo the host already keeps (dropped on the desktop window). */
  searchByUpload(upload: Upload, name: string): void {
    if (this.photo?.preview?.startsWith('blob:')) URL.revokeObjectURL(this.photo.preview);
    const like = `upload:${upload.id}`;
    this.photo = { like, preview: this.transport.uploadUrl(upload.id), name };
    this.set({ like, q: '', open: null, all: false });
  }

  clearPhoto(): void {
    if (this.photo?.preview?.startsWith('blob:')) URL.revokeObjectURL(this.photo.preview);
    this.photo = null;
    this.set({ like: null, weight: url.DEFAULT_WEIGHT });
  }

  // --- the library and its service ----------------------------------------------------------

  async refresh(): Promise<void> {
    try {
      const [status, service, roots, failed] = await Promise.all([
        this.transport.status(),
        this.transport.service(),
        this.transport.roots(),
        this.transport.failed(),
      ]);
      this.status = status;
      this.service = service;
      this.roots = roots;
      this.failed = failed;
      // A problem the service had before this page opened (one that stopped it from starting).
      if (service.problem) this.problem = service.problem;
    } catch (error) {
      this.problem = describe(error);
    }
  }

  private refreshSoon = debounce(300, () => void this.refresh());

  private onEvent(event: ServiceEvent): void {
    const service = this.service;
    switch (event.event) {
      case 'progress':
        if (service) {
          const { event: _, ...activity } = event;
          service.activity = activity;
        }
        break;
      case 'models':
        if (service) service.models = event.models;
        break;
      case 'watching':
        if (service) service.watching = event.roots;
        this.refreshSoon();
        break;
      case 'idle':
        if (service) service.activity = null;
        // Indexing got through: what went wrong before is past.
        this.problem = null;
        this.refreshSoon();
        // New files may match what is on screen.
        if (url.isSearch(this.state)) this.runSearch();
        break;
      case 'paused':
      case 'resumed':
        if (service) service.paused = event.event === 'paused';
        this.refreshSoon();
        break;
      case 'problem':
        this.problem = event.message;
        break;
      default:
        this.refreshSoon();
    }
  }

  async setPaused(paused: boolean): Promise<void> {
    try {
      const answer = paused ? await this.transport.pause() : await this.transport.resume();
      if (this.service) this.service.paused = answer.paused;
      if (this.status) this.status.paused = answer.paused;
    } catch (error) {
      this.problem = describe(error);
    }
  }

  /** Opens an item's file in its app, or shows it in the file manager (the desktop's);
   * why not, if that failed. */
  async handOver(id: number, how: 'open' | 'reveal'): Promise<string | null> {
    try {
      await (how === 'open' ? this.transport.open(id) : this.transport.reveal(id));
      return null;
    } catch (error) {
      return describe(error);
    }
  }

  /** Ends the desktop app (Ctrl+Q, Settings): where the tray is not shown, the only way out
   * besides a signal, since closing the window keeps Trove indexing. */
  async quit(): Promise<void> {
    try {
      await this.transport.quit();
    } catch (error) {
      this.error = describe(error);
    }
  }

  /** The roles without a model, with what it means and how to fix it. */
  get missingModels(): ModelUse[] {
    return (this.service?.models ?? []).filter(
      (m) => m.state === 'unavailable' || (m.role === 'bridge' && m.state === 'off'),
    );
  }
}

function photoOf(like: string, current: QueryPhoto | null, transport: Transport): QueryPhoto {
  if (current?.like === like) return current;
  const id = Number(like);
  if (Number.isInteger(id) && id > 0) {
    return { like, preview: transport.thumbnailUrl(id), name: `photo ${id}` };
  }
  const upload = like.startsWith('upload:') ? transport.uploadUrl(like.slice('upload:'.length)) : null;
  return { like, preview: upload, name: 'Dropped photo' };
}
