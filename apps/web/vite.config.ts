import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

const api = process.env.IMAGEFLOW_API_URL ?? 'http://127.0.0.1:8000';
// The API makes the URLs it answers with absolute under the Host it is asked with: the browser's (this
// server's), kept as it is, so that images and share links point here and come through this proxy.
const toApi = () => ({ target: api, changeOrigin: false });

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: { '@': path.resolve(import.meta.dirname, 'src') } },
  server: {
    port: 5173,
    // Share links: /s/:key is a page of this app; its files, /s/:key/images/… and /s/:key/thumbs/…, come from the API,
    // as do an upload's original files, /originals/….
    proxy: { '/api': toApi(), '/images': toApi(), '/thumbs': toApi(), '/originals': toApi(), '^/s/[^/]+/(images|thumbs)/': toApi() },
  },
  // The initial-JavaScript budget is measured by bench/web (gzip), not by this raw-size warning.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
});
