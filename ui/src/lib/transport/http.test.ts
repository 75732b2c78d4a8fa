import { describe, expect, it } from 'vitest';
import { TroveError } from './errors';
import { HttpTransport } from './http';

function answering(status: number, body: unknown, seen: Request[] = []) {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(new Request(`http://trove${String(input)}`, init));
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { 'Content-Type': 'application/json' } });
  };
}

describe('the HTTP transport', () => {
  it('sends JSON and reads JSON', async () => {
    const seen: Request[] = [];
    const t = new HttpTransport('', answering(200, { query: 'x', photos: [], notes: [] }, seen));
    const results = await t.search({ query: 'x', limit: 3 });
    expect(results.query).toBe('x');
    expect(seen[0].method).toBe('POST');
    expect(new URL(seen[0].url).pathname).toBe('/api/search');
    expect(await seen[0].json()).toEqual({ query: 'x', limit: 3 });
  });

  it('turns the API error shape into typed errors', async () => {
    const t = new HttpTransport('', answering(404, { error: { kind: 'not_found', message: 'no item 9' } }));
    const error = await t.item(9).catch((e) => e);
    expect(error).toBeInstanceOf(TroveError);
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe('no item 9');
    expect(error.status).toBe(404);
  });

  it('keeps the status meaning when the body is not the API shape', async () => {
    const t = new HttpTransport('', answering(413, 'too big'));
    const error = await t.status().catch((e) => e);
    expect(error.kind).toBe('too_large');
  });

  it('tells the page when its key is refused', async () => {
    const t = new HttpTransport('', answering(401, { error: { kind: 'unauthorized', message: 'no key' } }));
    let told = false;
    t.onUnauthorized = () => (told = true);
    await t.roots().catch(() => {});
    expect(told).toBe(true);
  });

  it('uploads a photo as its bytes with its type', async () => {
    const seen: Request[] = [];
    const t = new HttpTransport('', answering(200, { id: 'u1', width: 1, height: 1, format: 'png', bytes: 3 }, seen));
    await t.upload(new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }));
    expect(seen[0].headers.get('Content-Type')).toBe('image/png');
    expect(new Uint8Array(await seen[0].arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('says so when the server is gone', async () => {
    const t = new HttpTransport('', async () => {
      throw new TypeError('fetch failed');
    });
    const error = await t.status().catch((e) => e);
    expect(error.kind).toBe('network');
    expect(error.message).toContain('trove serve');
  });

  it('names files by id only, and cannot open them in the browser', async () => {
    const t = new HttpTransport();
    expect(t.thumbnailUrl(5)).toBe('/api/items/5/thumbnail');
    expect(t.originalUrl(5)).toBe('/api/items/5/original');
    expect(t.viewUrl(5)).toBe('/api/items/5/view');
    expect(t.capabilities).toEqual({ open: false, reveal: false, pickFolder: false, autostart: false, nativeDrop: false, quit: false });
    expect(t.uploadUrl('abc')).toBeNull();
    await expect(t.open(5)).rejects.toThrow('desktop app');
  });
});
