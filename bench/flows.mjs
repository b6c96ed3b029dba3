// Whole flows in headless Chromium (issue 11 item 4): `payWithTossPay` and `purchase` through the built package, the
// real SDK and the dev host, against ait-partner and the sandbox on loopback. Per flow: the total, the time spent
// waiting outside the package per step (create, sheet, execute; order, grant), and what the package itself added
// (the total minus all of that). bench/pages/flows.html does the timing. No thresholds: goals are read here.
//
// The same flows written by hand in plain JS (no checks, deadlines or types) run interleaved with them: what any page
// making those calls adds, under the same timing.
//
// Needs the stack that `./build.sh bench browser` starts (build.sh start_stack release: the partner with the page's
// origin allowed and no rate limit); prints the figures and, with `--json FILE`, writes them for bench/report.mjs.
//
// `--profile` also samples the page's CPU (CDP, 50 µs) over the measured flows and prints where the time went, by
// script and by function: what to look at when the added time is over its goal.
//
//   node bench/flows.mjs [--json target/bench/flows.json] [--quick] [--profile] [--flows tosspay,purchase]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../scripts/lib/server.mjs';
import { summary } from './lib/summary.mjs';
import { launchBrowser, openPage } from '../tests/js/lib/browser.mjs';

const argv = process.argv.slice(2);
const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : null;
const quick = argv.includes('--quick'); // a smoke run of the harness itself, not figures to publish
const profile = argv.includes('--profile');
// The flows, interleaved in this order: through the package, and the same calls in plain JS (bench/pages/flows.html).
const flowNames = argv.includes('--flows')
  ? argv[argv.indexOf('--flows') + 1].split(',')
  : ['tosspay', 'tosspay-plain', 'purchase', 'purchase-plain'];
const N = quick ? { warmup: 5, flows: 20 } : { warmup: 20, flows: 250 };

const { AIT_PARTNER_URL, AIT_SANDBOX_CONTROL_URL, AIT_SANDBOX_USER_KEY, WASM_BINDGEN_TEST_ADDRESS } = process.env;
if (!(AIT_PARTNER_URL && AIT_SANDBOX_CONTROL_URL && AIT_SANDBOX_USER_KEY && WASM_BINDGEN_TEST_ADDRESS)) {
  console.error('bench/flows.mjs needs the running partner + sandbox of build.sh start_stack (./build.sh bench browser)');
  process.exit(2);
}

// The page must come from the origin the partner allows (start_stack pins it).
const server = await startServer({ port: Number(WASM_BINDGEN_TEST_ADDRESS.split(':').at(-1)), isolated: true });
const browser = await launchBrowser();
const results = { when: new Date().toISOString(), counts: N };
try {
  const page = await openPage(browser, `${server.url}/bench/pages/flows.html`);
  await page.waitForFunction(() => window.ready === true);
  if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the page is not cross-origin isolated');
  await page.evaluate(async ({ partner, control, userKey }) => {
    host.reset();
    host.configure({ instant: true });
    host.useSandbox({ controlUrl: control, userKey: Number(userKey) });
    host.paymentSheet('approve');
    window.checkout = new Checkout({ sdk, partnerBaseUrl: partner });
    await checkout.login();
  }, { partner: AIT_PARTNER_URL, control: AIT_SANDBOX_CONTROL_URL, userKey: AIT_SANDBOX_USER_KEY });

  // One flow in the page; the host's records are cleared so that they do not grow over the run.
  const once = (name) => page.evaluate(async ({ name, partner }) => {
    host.messages.length = 0; host.rawMessages.length = 0; host.emitted.length = 0; host.purchases.length = 0;
    host.data.history.length = 0;
    const order = { items: [{ sku: 'beans_200g', quantity: 1 }] };
    const flows = {
      tosspay: () => checkout.payWithTossPay({ order, expectedAmount: 12000 }).then((r) => r.orderNo),
      purchase: () => checkout.purchase('gem_100').then((r) => r.orderId),
      'tosspay-plain': () => plain.payWithTossPay(partner, order),
      'purchase-plain': () => plain.purchase(partner, 'gem_100'),
    };
    return timeFlow(flows[name]);
  }, { name, partner: AIT_PARTNER_URL });

  const runs = Object.fromEntries(flowNames.map((name) => [name, []]));
  for (let i = 0; i < N.warmup; i++) for (const name of Object.keys(runs)) await once(name);
  const cdp = profile ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp.send('Profiler.start');
  }
  // Interleaved: a TossPay payment through the package, the same in plain JS, then a purchase each way; N.flows times.
  for (let i = 0; i < N.flows; i++) {
    for (const name of Object.keys(runs)) {
      const r = await once(name);
      if (typeof r.value !== 'string' || r.pending !== 0 || r.underflow !== 0) throw new Error(`${name}: ${JSON.stringify(r)}`);
      runs[name].push(r);
    }
  }
  if (cdp) printProfile((await cdp.send('Profiler.stop')).profile);
  for (const [name, rs] of Object.entries(runs)) {
    const stepNames = [...new Set(rs.flatMap((r) => Object.keys(r.steps)))];
    const outside = (r) => Object.values(r.steps).reduce((a, b) => a + b, 0);
    results[name] = {
      total: summary(rs.map((r) => r.totalMs)),
      steps: Object.fromEntries(stepNames.map((s) => [s, summary(rs.map((r) => r.steps[s] ?? 0))])),
      added: summary(rs.map((r) => r.totalMs - outside(r))),
    };
  }
  if (page.problems.length) throw new Error(`flows page: ${page.problems.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}

// Self time per script and per function of a CDP CPU profile, the largest first.
function printProfile({ nodes, samples, timeDeltas }) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const self = new Map();
  samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  const byScript = new Map();
  const byFunction = new Map();
  for (const [id, us] of self) {
    const { functionName, url } = byId.get(id).callFrame;
    const script = url ? url.replace(/^https?:\/\/[^/]+/, '') : `(${functionName || 'native'})`;
    add(byScript, script, us);
    add(byFunction, `${functionName || '(anonymous)'} ${script}`, us);
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, us]) => `  ${(100 * us / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`).join('\n');
  console.log(`CPU profile of the measured flows (${(total / 1000).toFixed(0)} ms sampled), self time by script:\n${top(byScript, 12)}`);
  console.log(`by function:\n${top(byFunction, 30)}`);
}

const ms = (s) => `median ${s.median.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms`;
for (const name of Object.keys(results).filter((k) => results[k].total)) {
  const r = results[name];
  console.log(`${name} (n=${r.total.n}): total ${ms(r.total)}; added ${ms(r.added)}`);
  for (const [step, s] of Object.entries(r.steps)) console.log(`  ${step}: ${ms(s)}`);
}
if (jsonOut) {
  await mkdir(path.dirname(jsonOut), { recursive: true });
  await writeFile(jsonOut, JSON.stringify(results, null, 2));
}
