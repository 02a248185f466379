import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The UI is served by `weft server` / `weft dev` from `ui/dist` on the API's own port, so every
 * request is same-origin (`/graphql`). `npm run dev -w @weft/ui` proxies /graphql to a running
 * server (WEFT_API, default http://127.0.0.1:4000).
 */
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/graphql': { target: process.env['WEFT_API'] ?? 'http://127.0.0.1:4000', changeOrigin: false } } },
});
