// The built package consumed by a Vite build (as an app would install it), then run in headless Chromium against
// the real SDK and the dev host: a purchase must go through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { startServer } from '../../scripts/lib/server.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';
import { repoRoot, sdkAliases } from '../../scripts/lib/import-map.mjs';

test('a Vite app bundles the package and buys an item through the dev host', async () => {
  assert.ok(existsSync(path.join(repoRoot, 'pkg/index.js')), 'pkg/ is missing: run ./build.sh build');
  const app = path.join(repoRoot, 'target', 'vite-app');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  writeFileSync(path.join(app, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><p id="out">…</p><script type="module" src="./main.js"></script></body></html>`);
  writeFileSync(path.join(app, 'main.js'), `
import init, { Checkout, CheckoutError } from 'ait-checkout';
import * as sdk from '@apps-in-toss/web-framework';
import { installDevHost } from 'dev-host';
installDevHost();
await init();
const checkout = new Checkout({ sdk, grant: async ({ orderId }) => orderId.length > 0 });
const out = document.getElementById('out');
try {
  const bought = await checkout.purchase('gem_100');
  out.textContent = 'bought ' + bought.sku + ' ' + bought.orderId;
} catch (e) {
  out.textContent = 'failed ' + (e instanceof CheckoutError) + ' ' + e.code + ' ' + e.message;
}
`);
  await build({
    root: app,
    logLevel: 'warn',
    resolve: {
      alias: {
        ...sdkAliases(),
        'ait-checkout': path.join(repoRoot, 'pkg/index.js'),
        'dev-host': path.join(repoRoot, 'www/dev-host.js'),
      },
    },
    build: { outDir: path.join(app, 'dist'), target: 'esnext', emptyOutDir: true },
  });
  const server = await startServer({ root: path.join(app, 'dist') });
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser, `${server.url}/index.html`);
    await page.waitForFunction(() => document.getElementById('out').textContent !== '…', null, { timeout: 15000 });
    const text = await page.textContent('#out');
    assert.match(text, /^bought gem_100 \S+$/, text);
    assert.deepEqual(page.problems, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
