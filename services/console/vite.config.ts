import { defineConfig, type Plugin } from 'vite';

/**
 * Fails the build when a Node-only module would be shipped to the browser (Vite replaces it by
 * an empty stub that breaks at run time): what the console imports from libs/ must run in a page.
 */
function noNodeModules(): Plugin {
  return {
    name: 'isac-no-node-modules',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle))
        if (chunk.type === 'chunk')
          for (const id of chunk.moduleIds)
            if (id.includes('__vite-browser-external'))
              this.error(
                `${chunk.fileName} would ship the Node-only module ${id.split(':').slice(1).join(':')}`,
              );
    },
  };
}

/**
 * The console's build (ADR 0018). Everything the page loads is a file of dist/ served by the hub:
 * no inlined data: URIs (assetsInlineLimit 0) and no inline script, so the CSP needs no
 * 'unsafe-inline'. JSX is compiled for Preact by Vite's own transformer (no plugin).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [noNodeModules()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
