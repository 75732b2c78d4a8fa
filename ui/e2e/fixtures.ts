// The fixture libraries: the held-out renders of the synthetic shapes set (the tiny CLIP never
// saw them in training), three notes that each describe one render, and real photos from the
// sample library; indexed by the real `trove` with the tiny CLIP.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const FIXTURES = join(REPO, 'tests/fixtures');
export const TINY_CLIP = join(FIXTURES, 'models/tiny-clip');
export const HELDOUT = join(FIXTURES, 'synthetic/heldout');
export const UNIQUE = join(FIXTURES, 'synthetic/unique');

/** The `trove` binary under test: TROVE_BIN, else the debug build in CARGO_TARGET_DIR. */
export function troveBin(): string {
  const bin =
    process.env.TROVE_BIN ??
    join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? '/root', '.cache/trove-target'), 'debug/trove');
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`no trove binary at ${bin}: build it first (cargo build --bin trove) or set TROVE_BIN`);
  }
  return bin;
}

/** Captions of the held-out renders, by file name. */
export function captions(): Map<string, string> {
  const data = JSON.parse(readFileSync(join(FIXTURES, 'synthetic/captions.json'), 'utf8'));
  const out = new Map<string, string>();
  for (const image of data.images) out.set(image.filename, image.sentences[0].raw);
  return out;
}

export function fileOf(caption: string): string {
  for (const [file, text] of captions()) if (text === caption) return file;
  throw new Error(`no render of ${caption}`);
}

/** A temporary home for one library: isolated settings, caches and model environment. */
export class LibraryDir {
  readonly root = mkdtempSync(join(tmpdir(), 'trove-e2e-'));
  readonly library = join(this.root, 'library');
  readonly files = join(this.root, 'files');

  env(): NodeJS.ProcessEnv {
    const home = join(this.root, 'home');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      TROVE_CONFIG: join(this.root, 'config.toml'),
      HF_HUB_OFFLINE: '1',
      HF_HOME: join(home, '.cache/huggingface'),
      // The same model for `index` and `serve`, and no text model (notes by the bridge).
      TROVE_MODEL_DIR: TINY_CLIP,
    };
    return env;
  }

  args(...rest: string[]): string[] {
    return ['--library', this.library, ...rest];
  }

  trove(...args: string[]): string {
    return execFileSync(troveBin(), this.args(...args), { env: this.env(), encoding: 'utf8' });
  }
}

const OLD = new Date('2019-06-01T12:00:00Z');
const NEW = new Date('2024-06-01T12:00:00Z');

/**
 * The main library: the held-out renders (modified in 2024), the real sample photos
 * (modified in 2019, so a date filter tells them apart) and notes.
 */
export function mainLibrary(): LibraryDir {
  const dir = new LibraryDir();
  const shapes = join(dir.files, 'shapes');
  const photos = join(dir.files, 'photos');
  const notes = join(dir.files, 'notes');
  for (const d of [shapes, photos, notes]) mkdirSync(d, { recursive: true });
  readdirSync(HELDOUT)
    .sort()
    .forEach((name) => {
      copyFileSync(join(HELDOUT, name), join(shapes, name));
      utimesSync(join(shapes, name), NEW, NEW);
    });
  for (const name of readdirSync(join(REPO, 'assets/photos'))) {
    copyFileSync(join(REPO, 'assets/photos', name), join(photos, name));
    utimesSync(join(photos, name), OLD, OLD);
  }
  const said: [string, string][] = [
    ['red.txt', 'a red circle on a blue background'],
    ['yellow.txt', 'three yellow stars on a grey background'],
    ['black.txt', 'two black squares on a pink background'],
  ];
  for (const [name, text] of said) writeFileSync(join(notes, name), text);
  for (const name of ['coffee-brewing-log.md', 'garden-journal.md', 'sync-protocol-meeting.md']) {
    copyFileSync(join(REPO, 'assets/notes', name), join(notes, name));
  }
  dir.trove('index', dir.files, '--text-model', 'none', '--json', '--quiet');
  return dir;
}

/**
 * A folder to add from the page: every held-out render, each several times with a different
 * tail after the PNG's end (the same picture, distinct bytes), so indexing takes long enough
 * to be watched.
 */
export function folderToAdd(dir: LibraryDir, copies = 3): string {
  const folder = join(dir.root, 'to-add');
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(HELDOUT)) {
    const bytes = readFileSync(join(HELDOUT, name));
    for (let copy = 0; copy < copies; copy++) {
      const tail = Buffer.from(`trove-e2e-copy-${copy}`);
      writeFileSync(join(folder, `${name.replace('.png', '')}-${copy}.png`), Buffer.concat([bytes, tail]));
    }
  }
  return folder;
}
