import { describe, expect, it, vi } from 'vitest';
import { Latest, debounce } from './latest';

describe('search as you type', () => {
  it('delivers only the answer to the latest request, however they arrive', async () => {
    const latest = new Latest();
    const delivered: string[] = [];
    let release: (value: string) => void = () => {};
    const slow = latest.run(
      () => new Promise<string>((resolve) => (release = resolve)),
      (v) => delivered.push(v),
      () => delivered.push('error'),
    );
    const fast = latest.run(
      () => Promise.resolve('new'),
      (v) => delivered.push(v),
      () => delivered.push('error'),
    );
    await fast;
    release('old');
    expect(await slow).toBe(false);
    expect(delivered).toEqual(['new']);
  });

  it('reports the failure of the latest request only', async () => {
    const latest = new Latest();
    const failures: unknown[] = [];
    const first = latest.run(() => Promise.reject(new Error('stale')), () => {}, (e) => failures.push(e));
    const second = latest.run(() => Promise.reject(new Error('current')), () => {}, (e) => failures.push(e));
    await Promise.all([first, second]);
    expect(failures.map((e) => (e as Error).message)).toEqual(['current']);
  });

  it('debounces to the last call', () => {
    vi.useFakeTimers();
    const calls: number[] = [];
    const run = debounce(200, (n: number) => calls.push(n));
    run(1);
    run(2);
    vi.advanceTimersByTime(199);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([2]);
    run(3);
    run.cancel();
    vi.advanceTimersByTime(500);
    expect(calls).toEqual([2]);
    vi.useRealTimers();
  });
});
