// Benchmarks of the built package in headless Chromium against the real SDK and the dev host (issue 11): start-up,
// the bridge's overhead per call, a purchase, and memory after many calls and purchases. Prints the figures; with
// `--json FILE` also writes them for bench/report.mjs (docs/BENCHMARKS.md). No thresholds: timing goals are read
// here, never asserted in tests.
//
//   node bench/run.mjs [--json target/bench/browser.json] [--quick]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../scripts/lib/server.mjs';
import { launchBrowser, openPage } from '../tests/js/lib/browser.mjs';

const argv = process.argv.slice(2);
const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : null;
const quick = argv.includes('--quick'); // a smoke run of the harness itself, not figures to publish
const N = quick
  ? { loads: 5, calls: 200, timerCalls: 50, purchases: 50, memCalls: 500, memPurchases: 50 }
  : { loads: 30, calls: 2000, timerCalls: 300, purchases: 300, memCalls: 10000, memPurchases: 1000 };

const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(s.length * p))];
  return { n: s.length, median: at(0.5), p99: at(0.99), min: s[0], max: s[s.length - 1] };
};

const results = { when: new Date().toISOString(), counts: N };

// 1. Start-up, the bytes in the HTTP cache: one load to fill it, then N.loads timed loads.
{
  const server = await startServer({ cacheControl: 'public, max-age=3600' });
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser, `${server.url}/bench/pages/startup.html`);
    await page.waitForFunction(() => window.startup);
    const loads = [];
    for (let i = 0; i < N.loads; i++) {
      await page.goto(`${server.url}/bench/pages/startup.html`);
      await page.waitForFunction(() => window.startup);
      loads.push(await page.evaluate(() => window.startup));
    }
    const cached = loads.filter((l) => l.wasmTransferBytes === 0).length;
    results.startup = {
      init: summary(loads.map((l) => l.initMs)),
      newCheckout: summary(loads.map((l) => l.newCheckoutMs)),
      total: summary(loads.map((l) => l.totalMs)),
      wasmFetch: summary(loads.map((l) => l.wasmFetchMs ?? 0)),
      loadsWithWasmFromCache: cached,
    };
    if (page.problems.length) throw new Error(`start-up page: ${page.problems.join('; ')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await openPage(browser, `${server.url}/bench/pages/bench.html`);
  await page.waitForFunction(() => window.ready === true);
  const cdp = await page.context().newCDPSession(page);

  // 2. The same call through the package and straight through the SDK, interleaved (the order alternates), with a
  // host that answers in a microtask (`instant`), then with the dev host's usual 0 ms timers.
  const pairs = (n, instant) => page.evaluate(async ({ n, instant }) => {
    host.reset();
    host.configure({ instant });
    const checkout = new Checkout({ sdk, grant: () => true });
    const sdkCall = () => sdk.IAP.getProductItemList();
    const pkgCall = () => checkout.products();
    for (let i = 0; i < 100; i++) { await sdkCall(); await pkgCall(); } // warm-up (JIT, caches)
    const time = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
    const sdkMs = [], pkgMs = [];
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) { sdkMs.push(await time(sdkCall)); pkgMs.push(await time(pkgCall)); }
      else { pkgMs.push(await time(pkgCall)); sdkMs.push(await time(sdkCall)); }
    }
    return { sdkMs, pkgMs };
  }, { n, instant });
  const overhead = ({ sdkMs, pkgMs }) => ({
    sdk: summary(sdkMs),
    pkg: summary(pkgMs),
    added: summary(pkgMs.map((p, i) => p - sdkMs[i])),
  });
  results.bridge = {
    instantHost: overhead(await pairs(N.calls, true)),
    timerHost: overhead(await pairs(N.timerCalls, false)),
  };

  // 3. A purchase (one-time product, granted by the page's callback) against the instant dev host.
  results.purchase = summary(await page.evaluate(async (n) => {
    host.reset();
    host.configure({ instant: true });
    const checkout = new Checkout({ sdk, grant: () => true });
    const xs = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await checkout.purchase('gem_100');
      xs.push(performance.now() - t);
    }
    return xs;
  }, N.purchases));

  // 4. Memory: JS heap (after a full GC) and the wasm's linear memory, before and after N.memCalls bridge calls and
  // N.memPurchases purchases on one Checkout. The dev host's own records are cleared before each reading.
  const reading = async () => {
    await page.evaluate(() => { host.messages.length = 0; host.rawMessages.length = 0; host.emitted.length = 0; host.purchases.length = 0; });
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const wasm = await page.evaluate(() => wasmExports.memory.buffer.byteLength);
    return { jsHeapUsed: heap.usedSize, wasmMemory: wasm };
  };
  await page.evaluate(() => {
    host.reset();
    host.configure({ instant: true });
    window.memCheckout = new Checkout({ sdk, grant: () => true });
  });
  const before = await reading();
  await page.evaluate(async (n) => { for (let i = 0; i < n; i++) await memCheckout.products(); }, N.memCalls);
  const afterCalls = await reading();
  await page.evaluate(async (n) => { for (let i = 0; i < n; i++) await memCheckout.purchase('gem_100'); }, N.memPurchases);
  const afterPurchases = await reading();
  results.memory = { before, afterCalls, afterPurchases, listeners: await page.evaluate(() => host.listeners.size) };
  if (page.problems.length) throw new Error(`bench page: ${page.problems.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}

const ms = (s) => `median ${s.median.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms (n=${s.n})`;
console.log(`start-up: init() ${ms(results.startup.init)}; new Checkout ${ms(results.startup.newCheckout)}; wasm from cache in ${results.startup.loadsWithWasmFromCache}/${N.loads} loads`);
for (const [name, b] of Object.entries(results.bridge)) {
  console.log(`bridge (${name}): SDK ${ms(b.sdk)}; products() ${ms(b.pkg)}; added ${ms(b.added)}`);
}
console.log(`purchase (instant dev host): ${ms(results.purchase)}`);
const m = results.memory;
console.log(`memory: JS heap ${m.before.jsHeapUsed} -> ${m.afterCalls.jsHeapUsed} (after ${N.memCalls} calls) -> ${m.afterPurchases.jsHeapUsed} (after ${N.memPurchases} purchases) bytes; wasm ${m.before.wasmMemory} -> ${m.afterCalls.wasmMemory} -> ${m.afterPurchases.wasmMemory}; host listeners ${m.listeners}`);
if (jsonOut) {
  await mkdir(path.dirname(jsonOut), { recursive: true });
  await writeFile(jsonOut, JSON.stringify(results, null, 2));
}
