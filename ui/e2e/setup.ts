// Global setup: the fixture libraries and their servers, shared by every test file.

import { join } from 'node:path';
import type { GlobalSetupContext } from 'vitest/node';
import { LibraryDir, folderToAdd, mainLibrary } from './fixtures';
import { type Server, serve } from './server';

declare module 'vitest' {
  export interface ProvidedContext {
    main: { url: string; base: string; token: string; files: string };
    empty: { url: string; base: string; token: string; toAdd: string; config: string };
  }
}

let servers: Server[] = [];

export default async function setup({ provide }: GlobalSetupContext) {
  const main = mainLibrary();
  const mainServer = await serve(main);
  const empty = new LibraryDir();
  const toAdd = folderToAdd(empty);
  const emptyServer = await serve(empty);
  servers = [mainServer, emptyServer];
  provide('main', { url: mainServer.url, base: mainServer.base, token: mainServer.token, files: main.files });
  const config = join(empty.root, 'config.toml');
  provide('empty', { url: emptyServer.url, base: emptyServer.base, token: emptyServer.token, toAdd, config });
  return async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
}
