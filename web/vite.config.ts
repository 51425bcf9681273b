import { defineConfig } from 'vite';

// The portal: a single-page app served by the server at /portal/ (src/http/portal.ts).
// Paths are relative to this folder, which is Vite's root (`vite build web`).
export default defineConfig({
  base: '/portal/',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // Everything as files of our own: the server's CSP allows no data: URLs.
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  server: {
    // `npm run dev:web`: the API comes from a server started with `npm start` (or `npm run dialback -- serve`).
    proxy: { '/api': 'http://localhost:8080', '/callnow': 'http://localhost:8080' },
  },
});
