// Writes docs/BENCHMARKS.md from the figures `./build.sh bench` leaves in target/bench/: the package size
// (size.txt, size-parts.md), the browser benchmarks (browser.json, bench/run.mjs) and the partner server's
// throughput (partner-*.json, ait-loadgen --json). Every figure in the document comes from those files; the prose
// around them is fixed here and says how each was measured; bench/limits.md (hand-written) closes it with what
// limits each goal that is missed.
//
//   node bench/report.mjs [target/bench] [docs/BENCHMARKS.md]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.resolve(root, process.argv[2] ?? 'target/bench');
const out = path.resolve(root, process.argv[3] ?? 'docs/BENCHMARKS.md');
const read = (name) => (existsSync(path.join(dir, name)) ? readFileSync(path.join(dir, name), 'utf8') : null);
const json = (name) => { const t = read(name); return t ? JSON.parse(t) : null; };

const f = (x, d = 1) => (x == null ? '–' : Number(x).toFixed(d));
const spread = (s, d = 1) => (s ? `${f(s.median, d)} [${f(s.min, d)}–${f(s.max, d)}]` : '–');
const goal = (ok) => (ok ? 'met' : '**missed**');
let commit = 'unknown';
try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(); } catch {}

const lines = [];
const p = (...xs) => lines.push(...xs);
p('# Benchmarks', '',
  '<!-- Written by `./build.sh bench` (bench/report.mjs). Edit the script, not this file. -->', '',
  `Measured at commit \`${commit}\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ` +
  `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB of memory, ${os.type()}. These machines are shared and noisy: ` +
  'every figure is a median over repetitions with its spread (min–max) where it has one, and comparisons are measured ' +
  'side by side, interleaved, in one run. Reproduce everything with `./build.sh bench` (or one part: ' +
  '`./build.sh bench size|browser|partner`); nothing here is asserted in a test.', '');

// 1. Size.
p('## 1. Package size', '', 'Command: `./build.sh bench size` (`./build.sh build`, then `./build.sh sizes` and `node scripts/size-table.mjs`). Goal: ≤ 80 KB gzip (80,000 bytes, wasm + JS).', '');
const size = read('size.txt');
if (size) {
  p('```', size.trim(), '```', '');
  const total = /size: (\d+) bytes gzip/.exec(size);
  if (total) p(`Goal ≤ 80,000 bytes gzip: ${goal(Number(total[1]) <= 80000)} (${Number(total[1]).toLocaleString('en')} bytes). docs/SIZE.md says what was cut and what was tried.`, '');
}
const parts = read('size-parts.md');
if (parts) p('What each part of the wasm costs (twiggy, grouped by crate or source file; Rust inlines the flows into the JS surface that polls them):', '', parts.trim(), '');

// 2–4, 6. Browser.
const b = json('browser.json');
p('## 2. Start-up in headless Chromium', '');
if (b) {
  const s = b.startup;
  p(`Command: \`./build.sh bench browser\` (bench/run.mjs, page bench/pages/startup.html). ${s.init.n} page loads after one that filled the HTTP cache ` +
    `(the wasm came from the cache in ${s.loadsWithWasmFromCache} of them). The page imports the SDK, then times \`init()\` (fetch + compile + instantiate) and \`new Checkout\`.`, '',
    '| step | median ms | p99 ms | min–max ms |', '|---|---:|---:|---:|',
    `| \`init()\` | ${f(s.init.median, 2)} | ${f(s.init.p99, 2)} | ${f(s.init.min, 2)}–${f(s.init.max, 2)} |`,
    `| \`new Checkout\` | ${f(s.newCheckout.median, 2)} | ${f(s.newCheckout.p99, 2)} | ${f(s.newCheckout.min, 2)}–${f(s.newCheckout.max, 2)} |`,
    `| both | ${f(s.total.median, 2)} | ${f(s.total.p99, 2)} | ${f(s.total.min, 2)}–${f(s.total.max, 2)} |`,
    ...(s.compileAgain ? [
      `| (after: \`compileStreaming\` of the same bytes alone) | ${f(s.compileAgain.median, 2)} | ${f(s.compileAgain.p99, 2)} | ${f(s.compileAgain.min, 2)}–${f(s.compileAgain.max, 2)} |`,
      `| (after: \`instantiate\` of that module, stub imports) | ${f(s.instantiateAgain.median, 2)} | ${f(s.instantiateAgain.p99, 2)} | ${f(s.instantiateAgain.min, 2)}–${f(s.instantiateAgain.max, 2)} |`] : []),
    '',
    `Goal ≤ 10 ms: ${goal(s.total.median <= 10)}.`, '');
  p('## 3. Bridge overhead per call', '',
    '`checkout.products()` against `sdk.IAP.getProductItemList()` on one page, alternating which goes first, each pair timed back to back; ' +
    'the difference is taken pair by pair. "Instant host": the dev host answers in a microtask. "Timer host": its usual 0 ms `setTimeout`, ' +
    'which Chromium clamps to 4 ms once timers nest (the ~4 ms hops of the earlier bench). The page is cross-origin isolated, so `performance.now()` has 5 µs steps.', '',
    '| host | calls each | SDK median / p99 ms | package median / p99 ms | added median / p99 ms |', '|---|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(b.bridge)) {
    p(`| ${name === 'instantHost' ? 'instant' : 'timer'} | ${r.sdk.n} | ${f(r.sdk.median, 3)} / ${f(r.sdk.p99, 3)} | ${f(r.pkg.median, 3)} / ${f(r.pkg.p99, 3)} | ${f(r.added.median, 3)} / ${f(r.added.p99, 3)} |`);
  }
  p('', `Goal ≤ 0.050 ms median added: ${goal(b.bridge.instantHost.added.median <= 0.05)}.`, '');
} else {
  p('Not measured in this run (`./build.sh bench browser`).', '');
}

// 4. Whole flows against the partner.
p('## 4. Overhead per flow', '');
const fl = json('flows.json');
if (fl) {
  const STEP = {
    create: '`POST /tosspay/payments` (the partner calls make-payment)',
    sheet: '`checkoutPayment`: the payment sheet (the dev host approves through the sandbox)',
    execute: '`POST …/execute` (the partner calls execute-payment)',
    order: '`IAP.createOneTimePurchaseOrder`: the host, outside the grant callback',
    grant: '`POST /iap/grants` (the partner checks the order with Toss and grants)',
    entitlements: '`GET /iap/entitlements` (the refresh after a grant)',
  };
  p('Command: `./build.sh bench browser` (bench/flows.mjs, page bench/pages/flows.html), against `ait-partner --sandbox` (release build) on loopback with the dev host backed by the sandbox. ' +
    `${fl.counts.flows} flows of each kind below, interleaved, on one logged-in \`Checkout\`, after ${fl.counts.warmup} of each to warm up. ` +
    'The page times every way out of the package: each SDK function (through the `sdk` object the `Checkout` is given), `fetch`, and the reading of a response body. ' +
    'A step is the time spent outside the package, attributed to the call that left it; the grant callback the host makes during a purchase counts as the package\'s own time. ' +
    '"Added" is the total minus every step: for the package, the bridge, the flow logic and the values crossing into and out of the wasm. The page is cross-origin isolated, so `performance.now()` has 5 µs steps.', '',
    '| flow | step | median ms | p99 ms | min–max ms |', '|---|---|---:|---:|---:|');
  const FLOW = [['tosspay', '`payWithTossPay`'], ['tosspay-plain', 'plain JS, the same calls'], ['purchase', '`purchase`'], ['purchase-plain', 'plain JS, the same calls']];
  for (const [name, label] of FLOW.filter(([name]) => fl[name])) {
    const r = fl[name];
    p(`| ${label} | **total** | ${f(r.total.median, 2)} | ${f(r.total.p99, 2)} | ${f(r.total.min, 2)}–${f(r.total.max, 2)} |`);
    for (const [step, st] of Object.entries(r.steps).filter(([, st]) => st.p99 >= 0.05)) {
      p(`| | ${STEP[step] ?? step} | ${f(st.median, 2)} | ${f(st.p99, 2)} | ${f(st.min, 2)}–${f(st.max, 2)} |`);
    }
    p(`| | **added** (the total minus the steps) | ${f(r.added.median, 3)} | ${f(r.added.p99, 3)} | ${f(r.added.min, 3)}–${f(r.added.max, 3)} |`);
  }
  p('', 'Steps with a p99 under 0.05 ms (the SDK\'s synchronous environment reads) are left out of the table; they are in flows.json. ' +
    '"Plain JS" is the same flow written by hand in the page (bench/pages/flows.html: `fetch` with the same headers, the same SDK calls, no checks, deadlines, retries or types), ' +
    'interleaved with the package\'s flows under the same timing: what any page making these calls adds. The package\'s own share is the difference.', '');
  const net = (name) => (fl[`${name}-plain`] ? ` (plain JS ${f(fl[`${name}-plain`].added.median, 3)} ms)` : '');
  const verdict = ([name, label]) => `${label} ${goal(fl[name].added.median <= 1)}, ${f(fl[name].added.median, 3)} ms${net(name)}`;
  p(`Goal ≤ 1 ms added per flow (median): ${[['tosspay', '`payWithTossPay`'], ['purchase', '`purchase`']].filter(([name]) => fl[name]).map(verdict).join('; ')}.`, '');
} else {
  p('Not measured in this run (`./build.sh bench browser`).', '');
}
if (b) {
  p('### A purchase against the instant dev host', '', `\`checkout.purchase('gem_100')\` with no partner, granted by the page's callback: median ${f(b.purchase.median, 3)} ms, p99 ${f(b.purchase.p99, 3)} ms over ${b.purchase.n} purchases.`, '');
}

// 5. Partner.
p('## 5. Partner server throughput', '',
  'Command: `./build.sh bench partner`: `ait-loadgen` (crates/ait-loadgen, release build) starts a fresh `ait-sandbox` and `ait-partner` per run ' +
  '(release builds, rate limits off; ait-partner is built with its `sandbox` feature, so one build also serves the browser flows of section 4, but here it talks to the separate ait-sandbox process), logs one page in per concurrent flow, and repeats the flow back to back. TossPay: create + approve (the sandbox, as the Toss app) + execute. ' +
  'IAP: order (the sandbox) + grant + decision. CPU is cores used over the measured window (partner summed over its instances); the PostgreSQL server\'s own CPU is not counted. ' +
  'Goal: ≥ 1,000 complete TossPay flows/s with p99 ≤ 25 ms at concurrency 32 (SQLite, one instance); two instances on PostgreSQL ≈ 2× one.', '');
const table = (data) => {
  p('| flow | conc. | instances | flows/s | p50 ms | p99 ms | partner cores | sandbox cores | loadgen cores | partner RSS MB | errors |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of data.points) {
    p(`| ${r.flow} | ${r.concurrency} | ${r.instances} | ${spread(r.flowsPerSec)} | ${spread(r.p50Ms)} | ${spread(r.p99Ms)} | ${f(r.partnerCores?.median, 2)} | ${f(r.sandboxCores?.median, 2)} | ${f(r.loadgenCores?.median, 2)} | ${f(r.partnerRssMb?.median, 0)} | ${r.errors} |`);
  }
  p('');
};
const sqlite = json('partner-sqlite.json');
if (sqlite) {
  p('### SQLite, one instance', '');
  table(sqlite);
  const at32 = sqlite.points.find((r) => r.flow === 'tosspay' && r.concurrency === 32);
  if (at32) p(`Goal at concurrency 32: ${goal(at32.flowsPerSec.median >= 1000 && at32.p99Ms.median <= 25)} (${f(at32.flowsPerSec.median)} flows/s, p99 ${f(at32.p99Ms.median)} ms).`, '');
}
/** A comparison of instance counts: its table, then two instances' throughput over one's, per flow. */
const instances = (data) => {
  table(data);
  for (const flow of ['tosspay', 'iap']) {
    const one = data.points.find((r) => r.flow === flow && r.instances === 1);
    const two = data.points.find((r) => r.flow === flow && r.instances === 2);
    if (one && two) p(`${flow}: two instances / one = ${f(two.flowsPerSec.median / one.flowsPerSec.median, 2)}.`);
  }
  p('');
};
const pg = json('partner-postgres.json');
if (pg) {
  p('### PostgreSQL, one instance and two, side by side', '');
  instances(pg);
}
const capped = json('partner-postgres-capped.json');
if (capped) {
  p(`### PostgreSQL, one instance and two, each held to ${capped.partnerCpus} CPUs`, '',
    'The same comparison with every partner instance held to a CPU quota of its own (a cgroup, `--partner-cpus`), so that the instances, not the two cores the database, the sandbox and the load generator share with them, are the limit: what it shows is whether anything serialises the instances.', '');
  instances(capped);
}
const direct = json('partner-direct.json');
if (direct) {
  p('### The partner\'s overhead on one Toss call', '',
    'The same make-payment, sent through the partner (`POST /tosspay/payments`: session, the insert that claims the payment, make-payment, the save of the payToken that gives the claim back) and straight to the sandbox with the partner\'s own mTLS Toss client, interleaved. CPU per call: partner + sandbox cores over calls per second (the load generator\'s own CPU not counted).', '');
  table(direct);
  for (const c of [...new Set(direct.points.map((r) => r.concurrency))]) {
    const via = direct.points.find((r) => r.flow === 'create' && r.concurrency === c);
    const straight = direct.points.find((r) => r.flow === 'makepayment' && r.concurrency === c);
    if (!via || !straight) continue;
    const cpu = (r) => ((r.partnerCores?.median ?? 0) + (r.sandboxCores?.median ?? 0)) / r.flowsPerSec.median * 1000;
    p(`Concurrency ${c}: through the partner ${f(via.p50Ms.median, 2)} ms p50 and ${f(cpu(via), 3)} ms CPU per call; straight ${f(straight.p50Ms.median, 2)} ms and ${f(cpu(straight), 3)} ms: ` +
      `${f(via.p50Ms.median / straight.p50Ms.median, 1)}× the latency, ${f(cpu(via) / cpu(straight), 1)}× the CPU.`);
  }
  p('');
}
if (!sqlite && !pg && !direct) p('Not measured in this run (`./build.sh bench partner`).', '');

// 6. Memory: the page's, then the server's over a long run.
p('## 6. Memory', '');
if (b) {
  const m = b.memory;
  const kb = (x) => (x / 1024).toFixed(0);
  p('### In the browser', '', 'One `Checkout` and the instant dev host; the host\'s records cleared before each reading; JS heap read after forced GCs (CDP), wasm linear memory from the module\'s exports. The first batch calls the SDK straight: what the SDK and the host keep by themselves.', '',
    '| when | JS heap used KiB | wasm memory KiB | SDK emitter keys |', '|---|---:|---:|---:|',
    ...m.readings.map((r) => `| ${r.label} | ${kb(r.jsHeapUsed)} | ${kb(r.wasmMemory)} | ${r.emitterKeys ?? '–'} |`), '',
    'SDK 2.x\'s emitter (`__GRANITE_NATIVE_EMITTER.events`) keeps an emptied entry for the resolve and the reject event of every call made through it, whoever makes it: that part of the growth is the SDK\'s, and calls straight to the SDK show it too.', '',
    `Event subscriptions left open at the host: ${m.listeners}.`, '');
} else {
  p('The browser part was not measured in this run (`./build.sh bench browser`).', '');
}
const soak = json('partner-soak.json');
if (soak && soak.points[0]) {
  const r = soak.points[0];
  const tl = r.rssTimeline ?? [];
  p('### The partner over a long run', '',
    `IAP grants at concurrency 32 for 75 s on SQLite: ${f(r.flowsPerSec.median)} grants/s, the partner's resident memory every 5 s (flows counted from the start of the warm-up):`, '',
    '| flows | partner RSS MB |', '|---:|---:|',
    ...tl.map(([n, rss]) => `| ${n.toLocaleString('en')} | ${f(rss / 1e6, 1)} |`), '');
}


const limitsFile = path.join(root, 'bench', 'limits.md');
const limits = existsSync(limitsFile) ? readFileSync(limitsFile, 'utf8') : null;
if (limits) p(limits.trim(), '');
writeFileSync(out, lines.join('\n'));
console.log(`wrote ${path.relative(root, out)}`);
