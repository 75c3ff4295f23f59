/**
 * electron-vite builds the three Electron bundles:
 *   main     src-main/electron/main.ts     -> out/main/index.js (ESM; package.json "main")
 *   preload  src-main/electron/preload.ts  -> out/preload/index.cjs (CommonJS: sandboxed preloads cannot be ESM)
 *   renderer src-renderer/index.html       -> out/renderer (also what browser mode serves)
 */
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const root = import.meta.dirname

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      lib: { entry: { index: resolve(root, 'src-main/electron/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      lib: { entry: { index: resolve(root, 'src-main/electron/preload.ts') }, formats: ['cjs'] },
      rolldownOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    // Written by scripts/build-node.mjs: the Noto Sans KR slices (fonts/), copied as they are.
    publicDir: resolve(root, 'out/public'),
    plugins: [vue()],
    define: {
      // vue-i18n: composition API only, and no runtime message compiler that would need eval.
      __VUE_I18N_FULL_INSTALL__: 'false',
      __VUE_I18N_LEGACY_API__: 'false',
      __INTLIFY_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_DEVTOOLS__: 'false',
    },
    build: {
      outDir: resolve(root, 'out/renderer'),
      chunkSizeWarningLimit: 2000,
      // CONSENSUS_LAB_UNMINIFIED=1 keeps function names, for a CPU profile of the page (test/e2e/ui-load.spec.ts).
      minify: !process.env.CONSENSUS_LAB_UNMINIFIED,
      rolldownOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
  },
})
