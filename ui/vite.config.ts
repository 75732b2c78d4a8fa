/// <reference types="vitest" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// `npm run dev` talks to a running `trove serve`: TROVE_SERVE_URL is the address it printed.
const serve = process.env.TROVE_SERVE_URL;
const target = serve ? new URL(serve) : undefined;
const token = target?.searchParams.get('token');

export default defineConfig({
  plugins: [svelte()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: target
    ? {
        proxy: {
          '/api': {
            target: target.origin,
            headers: token ? { Authorization: `Bearer ${token}` } : {},
          },
        },
      }
    : undefined,
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
