// Bundles harness.js (real SDK + dev host) into generated/harness.js for the wasm-bindgen browser tests.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { sdkAliases } from '../../scripts/lib/import-map.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [path.join(here, 'harness.js')],
  outfile: path.join(here, 'generated', 'harness.js'),
  bundle: true,
  format: 'esm',
  alias: sdkAliases(),
  logLevel: 'warning',
});
