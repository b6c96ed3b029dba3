// The one place that decides how the SDK's bare specifiers resolve in test pages (import map) and bundles (aliases).
// Paths are relative to the repository root, which the test server serves at '/'.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Repository-relative module files for each bare specifier.
export function sdkModulePaths(root = repoRoot) {
  const nm = 'node_modules/@apps-in-toss';
  const fullFramework = `${nm}/web-framework/dist-web/index.js`;
  return {
    '@apps-in-toss/web-framework': existsSync(path.join(root, fullFramework)) ? fullFramework : 'scripts/lib/web-framework-entry.js',
    '@apps-in-toss/web-bridge': `${nm}/web-bridge/dist/index.js`,
    '@apps-in-toss/web-analytics': `${nm}/web-analytics/dist/index.js`,
    '@apps-in-toss/bridge-core': `${nm}/bridge-core/dist/index.js`,
    '@apps-in-toss/types': `${nm}/types/dist/index.js`,
  };
}

// Absolute file paths (for esbuild `alias`).
export function sdkAliases(root = repoRoot) {
  return Object.fromEntries(Object.entries(sdkModulePaths(root)).map(([k, v]) => [k, path.join(root, v)]));
}

// The import map object, with URLs under `base` (the URL path at which the repo root is served).
// `ait-checkout` resolves to the built package (pkg/, written by ./build.sh build).
export function importMap(base = '/', root = repoRoot) {
  const b = base.endsWith('/') ? base : `${base}/`;
  const paths = { ...sdkModulePaths(root), 'ait-checkout': 'pkg/index.js' };
  return { imports: Object.fromEntries(Object.entries(paths).map(([k, v]) => [k, b + v])) };
}

export const IMPORT_MAP_MARKER = '<!-- import-map -->';

// Replace the marker in an HTML page with an inline <script type="importmap">.
export function injectImportMap(html, base = '/') {
  const tag = `<script type="importmap">${JSON.stringify(importMap(base))}</script>`;
  return html.includes(IMPORT_MAP_MARKER) ? html.replace(IMPORT_MAP_MARKER, tag) : html;
}
