// Benchmarks of the built package in headless Chromium against the real SDK and the dev host (issue 11): start-up,
// the bridge's overhead per call, a purchase, and memory after many calls and purchases. Prints the figures; with
// `--json FILE` also writes them for bench/report.mjs (docs/BENCHMARKS.md). No thresholds: timing goals are read
// here, never asserted in tests.
//
//   node bench/run.mjs [--json target/bench/browser.json] [--quick]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../scripts/lib/server.mjs';
import { summary } from './lib/summary.mjs';
import { launchBrowser, openPage } from '../tests/js/lib/browser.mjs';

const argv = process.argv.slice(2);
const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : null;
const quick = argv.includes('--quick'); // a smoke run of the harness itself, not figures to publish
const N = quick
  ? { loads: 5, calls: 200, timerCalls: 50, purchases: 50, memCalls: 500, memPurchases: 50 }
  : { loads: 30, calls: 2000, timerCalls: 300, purchases: 300, memCalls: 10000, memPurchases: 1000 };

const results = { when: new Date().toISOString(), counts: N };

// 1. Start-up, the bytes in the HTTP cache: one load to fill it, then N.loads timed loads.
{
  const server = await startServer({ cacheControl: 'public, max-age=3600', isolated: true });
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
      compileAgain: summary(loads.map((l) => l.compileMs)),
      instantiateAgain: summary(loads.map((l) => l.instantiateMs)),
      wasmFetch: summary(loads.map((l) => l.wasmFetchMs ?? 0)),
      loadsWithWasmFromCache: cached,
    };
    if (page.problems.length) throw new Error(`start-up page: ${page.problems.join('; ')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

const server = await startServer({ isolated: true }); // 5 µs clock steps, not 100 µs
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

  // 4. Memory: JS heap (after a full GC) and the wasm's linear memory, read before and after each batch: N.memCalls
  // calls straight to the SDK (what the SDK and the dev host keep by themselves), N.memCalls `products()`, then two
  // rounds of N.memPurchases purchases on one Checkout (a second round that grows as much as the first is a leak; a
  // first that grows and a second that does not is a high-water mark). The dev host's own records are cleared before
  // each reading.
  const reading = async (label) => {
    await page.evaluate(() => {
      host.messages.length = 0; host.rawMessages.length = 0; host.emitted.length = 0; host.purchases.length = 0;
      host.data.history.length = 0; // the dev host records every completed purchase (the store's history)
    });
    await cdp.send('HeapProfiler.collectGarbage');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50))); // FinalizationRegistry callbacks run after GC
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const wasm = await page.evaluate(() => wasmExports.memory.buffer.byteLength);
    // SDK 2.x's emitter keeps an (emptied) entry per resolve and reject event name of every call it made.
    const emitterKeys = await page.evaluate(() => Object.keys(window.__GRANITE_NATIVE_EMITTER?.events ?? {}).length);
    return { label, jsHeapUsed: heap.usedSize, wasmMemory: wasm, emitterKeys };
  };
  await page.evaluate(() => {
    host.reset();
    host.configure({ instant: true });
    window.memCheckout = new Checkout({ sdk, grant: () => true });
  });
  const readings = [await reading('before')];
  await page.evaluate(async (n) => { for (let i = 0; i < n; i++) await sdk.IAP.getProductItemList(); }, N.memCalls);
  readings.push(await reading(`after ${N.memCalls} calls straight to the SDK`));
  await page.evaluate(async (n) => { for (let i = 0; i < n; i++) await memCheckout.products(); }, N.memCalls);
  readings.push(await reading(`after ${N.memCalls} \`products()\` calls`));
  for (const round of ['', 'more ']) {
    await page.evaluate(async (n) => { for (let i = 0; i < n; i++) await memCheckout.purchase('gem_100'); }, N.memPurchases);
    readings.push(await reading(`after ${N.memPurchases} ${round}purchases`));
  }
  results.memory = { readings, listeners: await page.evaluate(() => host.listeners.size) };
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
for (const r of results.memory.readings) {
  console.log(`memory ${r.label}: JS heap ${r.jsHeapUsed} bytes, wasm ${r.wasmMemory} bytes, SDK emitter keys ${r.emitterKeys}`);
}
console.log(`host listeners left open: ${results.memory.listeners}`);
if (jsonOut) {
  await mkdir(path.dirname(jsonOut), { recursive: true });
  await writeFile(jsonOut, JSON.stringify(results, null, 2));
}
