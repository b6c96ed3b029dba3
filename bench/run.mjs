// Benchmarks of the built package in headless Chromium against the real SDK and the dev host: how long init()
// takes, and the overhead a call and a whole purchase add. Prints medians and p95 over repeated runs; no thresholds
// (timing goals are read here, never asserted in tests).
import { startServer } from '../scripts/lib/server.mjs';
import { launchBrowser, openPage } from '../tests/js/lib/browser.mjs';

const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await openPage(browser, `${server.url}/tests/js/pages/pkg.html`);
  await page.waitForFunction(() => window.ready === true);
  const results = await page.evaluate(async () => {
    const stats = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return { n: s.length, median: s[Math.floor(s.length / 2)], p95: s[Math.floor(s.length * 0.95)] };
    };
    const time = async (n, fn) => {
      const xs = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await fn(i);
        xs.push(performance.now() - t);
      }
      return stats(xs);
    };
    const init = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
    host.reset();
    const checkout = new Checkout({ sdk, grant: () => true });
    const sdkOnly = await time(200, () => sdk.IAP.getProductItemList());
    const products = await time(200, () => checkout.products());
    const purchase = await time(50, (i) => { host.purchase({ orderId: `bench-${i}` }); return checkout.purchase('gem_100'); });
    const environment = await time(2000, () => checkout.environment());
    return { wasmFetchMs: init?.duration, sdkOnly, products, purchase, environment };
  });
  const row = (name, s) => console.log(`${name.padEnd(36)} median ${s.median.toFixed(3)} ms   p95 ${s.p95.toFixed(3)} ms   (n=${s.n})`);
  console.log(`wasm fetch + compile (resource timing)   ${results.wasmFetchMs?.toFixed(1)} ms`);
  row('SDK getProductItemList (no wrapper)', results.sdkOnly);
  row('checkout.products()', results.products);
  row('checkout.purchase() (dev host, auto)', results.purchase);
  row('checkout.environment()', results.environment);
} finally {
  await browser.close();
  await server.close();
}
