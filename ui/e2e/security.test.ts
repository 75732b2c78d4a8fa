// The server's door: nothing without the launch's key, and files only by id.

import { describe, expect, inject, it } from 'vitest';

const main = inject('main');
const auth = { Authorization: `Bearer ${main.token}` };

describe('the server refuses', () => {
  it('requests without the key (401), from the API and for the page', async () => {
    const api = await fetch(`${main.base}/api/status`);
    expect(api.status).toBe(401);
    expect((await api.json()).error.kind).toBe('unauthorized');
    const page = await fetch(`${main.base}/`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('trove serve');
    const wrong = await fetch(`${main.base}/api/status?token=0000`);
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${main.base}/api/status`, { headers: auth });
    expect(ok.status).toBe(200);
  });

  it('paths instead of ids on the file endpoints (404)', async () => {
    for (const path of [
      '/api/items/..%2F..%2F..%2Fetc%2Fpasswd/original',
      '/api/items/%2e%2e%2f%2e%2e%2fetc%2fpasswd/thumbnail',
      '/api/items/1/..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/items/%2Fetc%2Fpasswd/original',
      '/api/items/999999/original',
      '/..%2F..%2Fetc%2Fpasswd',
    ]) {
      const answer = await fetch(`${main.base}${path}`, { headers: auth });
      expect(answer.status, path).toBe(404);
      expect(await answer.text(), path).not.toContain('root:');
    }
  });
});
