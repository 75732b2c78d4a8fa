// Generated from the Rust types by ts-rs (crates/trove-front/tests/types.rs): do not edit.
// Regenerate: TROVE_UPDATE_TYPES=1 cargo test -p trove-front --test types

export type SearchRequest = { query?: string, kind?: Kind, 
/**
 * Results per group (photos, notes).
 */
limit?: number, 
/**
 * A photo to search like (composite query): a file id or an image path (over HTTP: a
 * file id, or `upload:<id>` of a dropped photo).
 */
like?: string, 
/**
 * Weight of the words against the `like` photo, 0..=1 [default 0.5].
 */
text_weight?: number, 
/**
 * Also show results below the relevance cutoff (marked `below_cutoff`).
 */
all?: boolean, 
/**
 * Only files under this folder: an OS path, which need not be UTF-8 (in JSON a string,
 * written lossily where it is not UTF-8).
 */
in?: string, 
/**
 * On or after this date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS): a photo's
 * EXIF date when it has one, else the file's modification time.
 */
after?: string, 
/**
 * Before this date (same forms as `after`).
 */
before?: string, 
/**
 * Photos whose camera make or model contains this text (any case).
 */
camera?: string, 
/**
 * Only photos with GPS coordinates.
 */
has_gps?: boolean, };

export type Filters = { 
/**
 * Only files under this folder: an OS path, which need not be UTF-8 (in JSON a string,
 * written lossily where it is not UTF-8).
 */
in?: string, 
/**
 * On or after this date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS): a photo's
 * EXIF date when it has one, else the file's modification time.
 */
after?: string, 
/**
 * Before this date (same forms as `after`).
 */
before?: string, 
/**
 * Photos whose camera make or model contains this text (any case).
 */
camera?: string, 
/**
 * Only photos with GPS coordinates.
 */
has_gps?: boolean, };

export type SearchResults = { query: string, mode: Mode, photos: Array<PhotoHit>, notes: Array<NoteHit>, 
/**
 * Matches below the relevance cutoff left out (shown with `all`).
 */
hidden: Hidden, 
/**
 * The filters that narrowed the candidates, in words.
 */
filters?: Array<string>, 
/**
 * What the user should know about this search (e.g. it has no searchable words), for each
 * front end to word.
 */
notices?: Array<Notice>, 
/**
 * What limits these results (e.g. no model has embedded the library yet).
 */
limitation?: Limitation, };

export type Mode = "keyword" | "hybrid" | "composite" | "similar";

export type Notice = { "kind": "empty_query" } | { "kind": "no_keyword_words", by_meaning: boolean, } | { "kind": "same_photo", paths: Array<string>, } | { "kind": "all_too_weak", hidden: number, };

export type Limitation = "keyword_only" | "photos_by_name_only";

export type Hidden = { photos: number, notes: number, };

export type Why = { 
/**
 * The query's words matched (BM25).
 */
keyword?: KeywordMatch, 
/**
 * The query's meaning matched (cosine similarity of the model's vectors).
 */
semantic?: SemanticMatch, 
/**
 * How the result passed each filter ("taken 2019-07-12 (EXIF)", "in ~/Photos").
 */
filters?: Array<string>, };

export type KeywordMatch = { 
/**
 * 1 = the best keyword match of its group.
 */
rank: number, 
/**
 * BM25 score (higher is better).
 */
score: number, 
/**
 * Fields the words matched: "text", "title", "name", "metadata".
 */
fields: Array<string>, 
/**
 * Every word matched (false: none matched them all, and this has some of them).
 */
all_words: boolean, };

export type SemanticMatch = { 
/**
 * 1 = the closest in meaning of its group.
 */
rank: number, 
/**
 * Cosine similarity, -1..=1.
 */
score: number, model: string, 
/**
 * The model's calibrated relevance cutoff for this group, when there is one.
 */
cutoff?: number, };

export type PhotoHit = { id: number, path: string, name: string, 
/**
 * Ranking score: BM25 for keyword search, cosine similarity for a photo query, the fused
 * score (reciprocal-rank fusion) for hybrid search. Compare within one result list only.
 */
score: number, width: number | null, height: number | null, taken_at: string | null, camera: string | null, 
/**
 * Which fields the query matched: "name", "metadata", "meaning", "similar".
 */
matched: Array<string>, why: Why, 
/**
 * Weaker than the relevance cutoff (listed only when all results were asked for).
 */
below_cutoff: boolean, 
/**
 * Other paths with identical bytes (shown once).
 */
copies: Array<string>, 
/**
 * The camera RAW file of the same shot (same folder and name, a RAW extension), shown as
 * this photo rather than as a second one.
 */
raw?: string, };

export type NoteHit = { id: number, path: string, title: string, 
/**
 * Ranking score, as for photos.
 */
score: number, 
/**
 * The best matching passage, shortened.
 */
snippet: string, 
/**
 * Matched words in `snippet`, as `[start, end)` offsets in characters.
 */
highlights: Array<[number, number]>, 
/**
 * Heading path of the passage ("Budget › Kitchen").
 */
heading: string, 
/**
 * Which fields the query matched: "text", "title", "name", "meaning", "similar".
 */
matched: Array<string>, why: Why, below_cutoff: boolean, copies: Array<string>, };

export type Status = { library: string, 
/**
 * Bytes used by the library folder (database and thumbnails).
 */
library_bytes: number, 
/**
 * Distinct contents (identical copies count once).
 */
contents: number, 
/**
 * Note chunks (the passages that are searched and embedded).
 */
chunks: number, roots: Array<RootInfo>, 
/**
 * Vector sets per model.
 */
models: Array<ModelStatus>, 
/**
 * Indexing is paused (`trove pause`) until `trove resume`.
 */
paused: boolean, 
/**
 * The service keeping this library up to date (`trove watch`, the app), when one runs.
 */
service: ServiceState | null, files: number, indexed: number, pending: number, failed: number, missing: number, photos: number, notes: number, };

export type Counts = { files: number, indexed: number, pending: number, failed: number, missing: number, photos: number, notes: number, };

export type RootInfo = { id: number, path: string, 
/**
 * False when the folder is not there (an unmounted drive): its files are kept as missing.
 */
available: boolean, counts: Counts, };

export type ModelStatus = { id: string, role: Role, family: string, dim: number, 
/**
 * New vectors are made with it.
 */
target: boolean, 
/**
 * Search uses its vectors.
 */
serving: boolean, 
/**
 * Every item has a vector of it.
 */
complete: boolean, vectors: number, 
/**
 * Items still waiting for a vector of it.
 */
missing: number, };

export type FailedFile = { id: number, path: string, kind: Kind, reason: string, attempts: number, };

export type FileInfo = { id: number, path: string, kind: Kind, state: string, size: number, 
/**
 * blake3 of the content, hex; absent until the file has been read.
 */
hash: string | null, content_id: number | null, };

export type ItemDetails = { name: string, modified: string | null, error: string | null, 
/**
 * Other paths with identical bytes.
 */
copies: Array<string>, photo?: PhotoDetails, note?: NoteDetails, id: number, path: string, kind: Kind, state: string, size: number, 
/**
 * blake3 of the content, hex; absent until the file has been read.
 */
hash: string | null, content_id: number | null, };

export type PhotoDetails = { format: string, width: number, height: number, taken_at: string | null, camera: string | null, lens: string | null, latitude: number | null, longitude: number | null, orientation: number | null, 
/**
 * The cached thumbnail file, when one was made.
 */
thumbnail: string | null, };

export type NoteDetails = { format: string, title: string, chars: number, chunks: Array<ChunkInfo>, };

export type ChunkInfo = { item_id: number, heading: string, start: number, end: number, text: string, };

export type RootAdded = { "result": "added", path: string, } | { "result": "already_present", path: string, } | { "result": "covered", path: string, by: string, } | { "result": "merged", path: string, replaced: Array<string>, };

export type RemoveReport = { root: string, files_removed: number, };

export type IndexReport = { 
/**
 * The models this run embedded with, or why not.
 */
models: Array<ModelUse>, roots_added: Array<string>, changes: Changes, processed: Processed, counts: Counts, elapsed_ms: number, };

export type ModelEntry = { id: string, name: string, role: Role, family: string, dim: number, 
/**
 * Download size in bytes: of the files whose size the registry pins, when `size_exact`
 * is false (0 when none is pinned).
 */
size: number, size_exact: boolean, licence: string, repo: string | null, revision: string | null, 
/**
 * Its files are on this machine (hub cache or a folder).
 */
installed: boolean, 
/**
 * New vectors of this library are made with it.
 */
target: boolean, 
/**
 * Search of this library uses its vectors.
 */
serving: boolean, 
/**
 * This library has a vector of it for every item.
 */
complete: boolean, vectors: number, default: boolean, published: Published | null, };

export type ModelUse = { role: Role, 
/**
 * The model's id, when one is loaded.
 */
id: string | null, 
/**
 * "loaded", "off" (the user turned the role off) or "unavailable".
 */
state: string, device: string | null, 
/**
 * What is missing and how to fix it, when unavailable.
 */
notice: string | null, };

export type Published = { 
/**
 * MS-COCO 5k test, text → image Recall@1 (percent).
 */
coco_t2i_r1: number | null, 
/**
 * Flickr30k 1k test, text → image Recall@1 (percent).
 */
flickr_t2i_r1: number | null, 
/**
 * ImageNet-1k zero-shot top-1 (percent).
 */
imagenet_top1: number | null, source: string, };

export type Role = "bridge" | "text";

export type Kind = "photo" | "note";

export type Processed = { indexed: number, 
/**
 * Of `indexed`: files whose bytes were already known (copies, touched files) and needed no
 * extraction.
 */
deduplicated: number, failed: number, vanished: number, 
/**
 * Vectors made by the backfill for items indexed earlier.
 */
embedded: number, 
/**
 * Of `indexed`: files whose content was new and was extracted (and embedded).
 */
extracted: number, 
/**
 * Every vector written: for new contents and by the backfill.
 */
vectors: number, };

export type Changes = { new: number, changed: number, moved: number, removed: number, 
/**
 * Files under roots that are currently unavailable (kept, not removed).
 */
missing: number, 
/**
 * Missing files that are back.
 */
restored: number, skipped: Array<Skipped>, };

export type Skipped = { path: string, reason: string, };

export type ServiceEvent = { "event": "watching", roots: Array<WatchedRoot>, } | { "event": "changes", live: boolean, new: number, changed: number, moved: number, removed: number, 
/**
 * Files under roots that are currently unavailable (kept, not removed).
 */
missing: number, 
/**
 * Missing files that are back.
 */
restored: number, skipped: Array<Skipped>, } | { "event": "models", models: Array<ModelUse>, } | { "event": "download", download: DownloadEvent, } | { "event": "progress" } & Activity | { "event": "idle", totals: Processed, counts: Counts, } | { "event": "paused" } | { "event": "resumed" } | { "event": "problem", message: string, };

export type ServiceState = { pid: number, 
/**
 * "starting", "indexing", "embedding", "idle" or "paused".
 */
state: string, done: number, total: number, rate: number, eta_secs: number | null, failed: number, };

export type WatchedRoot = { path: string, 
/**
 * "events" (the system reports changes), "polling" (looked at every few seconds) or
 * "unavailable" (the folder is gone — an unplugged drive — and its files are kept as
 * missing until it returns).
 */
state: string, };

export type Activity = { 
/**
 * "indexing" (files from the queue) or "embedding" (older items getting vectors of a new
 * model).
 */
phase: string, done: number, total: number, 
/**
 * Files (or items) per second over this busy period.
 */
rate: number, 
/**
 * Seconds left at that rate, once there is a rate.
 */
eta_secs: number | null, current: string | null, 
/**
 * Files that failed in this busy period.
 */
failed: number, };

export type DownloadEvent = { "event": "started", file: string, total: number, } | { "event": "progress", file: string, done: number, total: number, } | { "event": "finished", file: string, };

export type Running = "here" | "elsewhere" | "none";

export type ServiceView = { running: Running, 
/**
 * Who holds the library when the service runs elsewhere.
 */
holder: string | null, 
/**
 * The models the service embeds with; a role that is `unavailable` says how to fix it.
 */
models: Array<ModelUse>, watching: Array<WatchedRoot>, 
/**
 * Indexing under way, if any.
 */
activity: Activity | null, paused: boolean, 
/**
 * The service's last problem, until indexing next goes idle.
 */
problem: string | null, };

export type Upload = { id: string, width: number, height: number, 
/**
 * "jpeg", "png", …
 */
format: string, bytes: number, };

export type RootRequest = { path: string, };

export type RootsChange = { folders: Array<string>, 
/**
 * For people: "indexing ~/Pictures in the background".
 */
message: string, };

export type Paused = { paused: boolean, };

export type SettingsView = { 
/**
 * The settings file, when there is one (it need not exist yet).
 */
path: string | null, 
/**
 * Bridge (image + text) model id; null: the default.
 */
model: string | null, 
/**
 * Text model id; null: the default.
 */
text_model: string | null, 
/**
 * "auto", "cpu", "cuda" or "metal".
 */
device: string, 
/**
 * Devices this build can use.
 */
devices: Array<string>, 
/**
 * Indexing threads (the CPU budget); null: all cores but one (all with `full_speed`).
 */
threads: number | null, cores: number, 
/**
 * The background indexing runs on every core at normal priority.
 */
full_speed: boolean, 
/**
 * The registry's models to choose from: (id, role, name).
 */
choices: Array<ModelChoice>, 
/**
 * Saved settings that differ from what this server runs with: they apply at the next start.
 */
restart_needed: boolean, };

export type ModelChoice = { id: string, name: string, role: Role, installed: boolean, };

export type SettingsUpdate = { model?: string, text_model?: string, device?: string, threads?: number, full_speed?: boolean, };

export type ErrorBody = { error: ErrorDetail, };

export type ErrorDetail = { kind: ErrorKind, message: string, };

export type ErrorKind = "invalid" | "not_found" | "busy" | "unauthorized" | "too_large" | "unsupported" | "machine" | "internal";
