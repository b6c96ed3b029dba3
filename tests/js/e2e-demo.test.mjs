// End to end: the demo mini-app served by `ait-partner --sandbox` (which runs ait-sandbox in-process), driven in
// headless Chromium like a person would: log in, buy goods with TossPay and approve in the sheet, see the receipt,
// buy an IAP item in the order sheet, refund both. Screenshots of each step are kept in tests/artifacts/e2e/.
// Needs target/debug/ait-partner built with `--features sandbox` and pkg/ built (./build.sh test does both).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, openPage } from './lib/browser.mjs';
import { repoRoot } from '../../scripts/lib/import-map.mjs';

const artifacts = path.join(repoRoot, 'tests', 'artifacts', 'e2e');
const binary = path.join(repoRoot, 'target', 'debug', 'ait-partner');
let partner, demoUrl, browser, page, scratch;

/** Starts a fresh ait-partner --sandbox on a free port and resolves with the demo's URL. */
function startPartner() {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'ait-e2e-'));
  // The demo offers refunds from the page, so it turns them on (they are off by default).
  partner = spawn(binary, ['--sandbox', '--listen', '127.0.0.1:0', '--database', path.join(scratch, 'db.sqlite'),
    '--sandbox-cert-dir', path.join(scratch, 'certs'), '--static-root', repoRoot],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIT_PARTNER_PAGE_REFUNDS: 'true' } });
  let err = '';
  partner.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    partner.stdout.on('data', (d) => {
      out += d;
      const m = /demo on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    partner.on('exit', (code) => reject(new Error(`ait-partner exited (${code}): ${err}`)));
  });
}

async function shot(name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

const byTestId = (id) => page.locator(`[data-testid="${id}"]`);
const sheetButton = (action) => page.locator(`[data-dev-host="sheet"] [data-dev-host-action="${action}"]`);

before(async () => {
  assert.ok(existsSync(binary), 'target/debug/ait-partner is missing: cargo build -p ait-partner --features sandbox');
  assert.ok(existsSync(path.join(repoRoot, 'pkg', 'index.js')), 'pkg/ is missing: ./build.sh build');
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  demoUrl = await startPartner();
  browser = await launchBrowser();
  page = await openPage(browser, demoUrl);
  // Every body the page receives, for the secrets test below.
  page.on('response', async (r) => {
    try {
      received.push(`${r.url()}\n${JSON.stringify(await r.allHeaders())}\n${await r.text()}`);
    } catch {
      // A redirect or an aborted request has no body.
    }
  });
  await page.waitForFunction(() => window.demoReady === true, null, { timeout: 20000 });
});

const received = [];

after(async () => {
  await browser?.close();
  partner?.kill();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('the demo: log in, pay with TossPay, buy an IAP item, refund both', async () => {
  await shot('01-home');
  assert.match(await page.textContent('#env'), /토스 5\.260\.0/);

  // Log in: appLogin through the emulated app, the code exchanged by the partner at the sandbox.
  await byTestId('login').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="who"]').textContent === '로그인했어요');
  await shot('02-logged-in');

  // TossPay: two bags of beans, the sheet, approve, the receipt.
  await byTestId('add-beans_200g').click();
  await byTestId('add-beans_200g').click();
  assert.equal(await byTestId('total').textContent(), '24,000원');
  await byTestId('pay').click();
  await sheetButton('confirm').waitFor();
  await shot('03-payment-sheet');
  assert.match(await page.textContent('[data-dev-host="sheet"]'), /24,000원/);
  await sheetButton('confirm').click();
  await page.locator('#receipt-section:not([hidden])').waitFor();
  const receipt = await byTestId('receipt').textContent();
  assert.match(receipt, /결제 완료/);
  assert.match(receipt, /24,000원/);
  await shot('04-receipt');
  const orderNo = await page.locator('#receipt dd').nth(1).textContent();
  const paid = await page.evaluate(async (no) => (await fetch(`/api/ait/tosspay/payments/${no}`, { credentials: 'include' })).json(), orderNo);
  assert.equal(paid.status, 'PAY_COMPLETE');

  // IAP: the order sheet, buy, granted by the partner.
  await byTestId('buy-gem_100').click();
  await sheetButton('confirm').waitFor();
  await shot('05-order-sheet');
  await sheetButton('confirm').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent.includes('받았어요'));
  await page.locator('[data-testid="owned"] [data-sku="gem_100"]').waitFor();
  // The owned list names the product, not its SKU or the order's id.
  const ownedText = await byTestId('owned').textContent();
  assert.doesNotMatch(ownedText, /gem_100|[0-9a-f]{8}-[0-9a-f]{4}-/);
  await shot('06-iap-granted');

  // Refund the TossPay payment.
  await byTestId('refund').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="receipt"]').textContent.includes('환불 완료'));
  const refunded = await page.evaluate(async (no) => (await fetch(`/api/ait/tosspay/payments/${no}`, { credentials: 'include' })).json(), orderNo);
  assert.equal(refunded.status, 'REFUND_SUCCESS');
  await shot('07-tosspay-refunded');

  // The store refunds the IAP order; the history sync revokes the grant.
  await byTestId('history').click();
  const refundButton = page.locator('[data-testid^="store-refund-"]').first();
  await refundButton.waitFor();
  await refundButton.click();
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent.includes('회수'));
  await page.waitForFunction(() => !document.querySelector('[data-testid="owned"] [data-sku="gem_100"]'));
  assert.match(await byTestId('orders').textContent(), /환불됨/);
  await shot('08-iap-refunded');

  assert.deepEqual(page.problems, []);
});

// Runs after the demo flow above (node:test runs a file's tests in order): the page logged in, paid, bought and
// refunded, so every secret of the stack exists by now.
test('no secret reaches the page: Toss tokens and the mTLS key stay on the server', async () => {
  const demo = new URL(demoUrl);
  const sandbox = await (await fetch(new URL('/dev/sandbox.json', demo.origin))).json();
  const state = (await (await fetch(new URL('/state', sandbox.controlUrl))).json()).state;
  const tokens = [...Object.keys(state.accessTokens), ...Object.keys(state.refreshTokens)];
  assert.ok(tokens.length >= 2, 'the login issued tokens');
  const keyPem = readFileSync(path.join(scratch, 'certs', 'client-key.pem'), 'utf8');
  const keyLines = keyPem.split('\n').filter((l) => l.length > 40);
  assert.ok(keyLines.length > 0);

  const seen = await page.evaluate(() => ({
    html: document.documentElement.outerHTML,
    cookie: document.cookie,
    storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    iframes: document.querySelectorAll('iframe').length,
  }));
  const everything = [seen.html, seen.cookie, seen.storage, ...received].join('\n');
  for (const t of tokens) assert.ok(!everything.includes(t), 'a Toss token reached the page');
  for (const l of keyLines) assert.ok(!everything.includes(l), 'the mTLS client key reached the page');
  assert.doesNotMatch(everything, /PRIVATE KEY/);
  // The session cookie is HttpOnly: scripts on the page cannot read it.
  assert.doesNotMatch(seen.cookie, /ait_session/);
  assert.ok(received.some((r) => r.includes('/api/ait/login')), 'the partner replies were captured');
  assert.equal(seen.iframes, 0, 'no iframe is ever created');
});
