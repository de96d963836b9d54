import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The UI's protocol constants come from server/protocol/. Writing them here, as
// the config loads, covers `vite`, `vite build` and `vitest` alike, through make or not.
const repo = fileURLToPath(new URL('..', import.meta.url))
const venvPython = `${repo}.venv/bin/python`
execFileSync(
  existsSync(venvPython) ? venvPython : 'python3',
  ['-m', 'server.protocol.js_export', 'ui/src/protocol.generated.js'],
  { cwd: repo, stdio: 'inherit' },
)

export default defineConfig({
  plugins: [vue()],
  // Served by the lanchat server at "/", and from a file path nowhere: plain absolute URLs work.
  base: '/',
  define: {
    // vue-i18n: composition API only, no devtools hooks; lets the bundler drop the rest.
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
  },
  server: {
    // `npm run dev` talks to a lanchat server started separately on the default port.
    proxy: {
      '/api': 'http://127.0.0.1:8765',
      '/ws': { target: 'ws://127.0.0.1:8765', ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.js'],
    setupFiles: ['src/testing/loadedModules.js'],
    restoreMocks: true,
  },
})
