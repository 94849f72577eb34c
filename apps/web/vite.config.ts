import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

const api = process.env.IMAGEFLOW_API_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: { '@': path.resolve(import.meta.dirname, 'src') } },
  server: {
    port: 5173,
    // Share links: /s/:key is a page of this app; its files, /s/:key/images/… and /s/:key/thumbs/…, come from the API,
    // as do an upload's original files, /originals/….
    proxy: { '/api': api, '/images': api, '/thumbs': api, '/originals': api, '^/s/[^/]+/(images|thumbs)/': api },
  },
  // The initial-JavaScript budget is measured by bench/web (gzip), not by this raw-size warning.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
});
