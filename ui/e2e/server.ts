// A real `trove serve` for the browser tests: started on a free port, its first JSON line read
// for the address, the rest of its output drained so it never blocks.

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type LibraryDir, troveBin } from './fixtures';

export interface Server {
  /** The address with its key, as `trove serve` prints it. */
  url: string;
  base: string;
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function serve(dir: LibraryDir, models = ['--text-model', 'none']): Promise<Server> {
  const child = spawn(troveBin(), dir.args('serve', '--port', '0', '--json', ...models), {
    env: dir.env(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('trove serve did not say where it listens')), 60_000);
    child.once('exit', (code) => reject(new Error(`trove serve exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      const first = JSON.parse(line);
      if (first.event !== 'listening') reject(new Error(`unexpected first line: ${line}`));
      resolve(first.url);
    });
  });
  // Keep reading, so the pipe never fills.
  lines.on('line', () => {});
  const [base, token] = url.split('/?token=');
  return {
    url,
    base,
    token,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}
