// The built npm package (pkg/) against the real partner server and Toss emulated by the sandbox: what a mini-app
// page sees of the partner contract through the public JS API (login, payWithTossPay's receipt, entitlements() and
// onEntitlements, orderHistory's revoked grants, logout()).
// Needs the stack that `./build.sh test` starts before the JS tests (ait-partner --sandbox, with the page origin
// allowed); by hand: `source <(sed '/^case "\${1:-}" in/,$d' build.sh) && start_stack && node --test tests/js/`.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startServer } from '../../scripts/lib/server.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';
import { repoRoot } from '../../scripts/lib/import-map.mjs';

const { AIT_PARTNER_URL, AIT_SANDBOX_CONTROL_URL, AIT_SANDBOX_USER_KEY, WASM_BINDGEN_TEST_ADDRESS } = process.env;

// The receipt of the contract (ait_api::partner::PaymentReceipt): always present, and present when known.
const RECEIPT_REQUIRED = { orderNo: 'string', payToken: 'string', amount: 'number', paidAmount: 'number', payMethod: 'string', transactionId: 'string', approvalTime: 'string' };
const RECEIPT_OPTIONAL = { discountedAmount: 'number', mode: 'string', cardCompanyName: 'string', cardNum4Print: 'string', salesCheckLinkUrl: 'string', accountBankName: 'string', accountNumber: 'string' };
const TWO_BAGS_OF_BEANS = { items: [{ sku: 'beans_200g', quantity: 2 }] };

let server, browser;
const pages = [];

before(async () => {
  assert.ok(existsSync(`${repoRoot}/pkg/index.js`), 'pkg/ is missing: run ./build.sh build');
  assert.ok(AIT_PARTNER_URL && AIT_SANDBOX_CONTROL_URL && AIT_SANDBOX_USER_KEY && WASM_BINDGEN_TEST_ADDRESS,
    'these tests need the running partner + sandbox of build.sh start_stack (./build.sh test starts it)');
  // The page must come from the origin the partner allows (start_stack pins it).
  server = await startServer({ port: Number(WASM_BINDGEN_TEST_ADDRESS.split(':').at(-1)) });
  browser = await launchBrowser();
});
afterEach(async () => {
  while (pages.length) {
    const page = pages.pop();
    assert.deepEqual(page.problems.filter((p) => !p.includes('is not a function')), [], 'no page errors, no unhandled rejections');
    await page.context().close();
  }
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function fresh() {
  const page = await openPage(browser, `${server.url}/tests/js/pages/pkg.html`);
  pages.push(page);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

// A Checkout on the partner, the dev host backed by the sandbox (the payment sheet approves); runs `body` with
// `checkout`, `host` and `partner` (the base URL), and returns its outcome, what onEntitlements heard and the events.
function session(page, body) {
  return page.evaluate(async ({ body, partner, control, userKey }) => {
    host.install();
    host.reset();
    host.useSandbox({ controlUrl: control, userKey: Number(userKey) });
    host.paymentSheet('approve');
    const heard = [];
    const events = [];
    const checkout = new Checkout({
      sdk,
      partnerBaseUrl: partner,
      onEvent: (e) => events.push(e),
      onEntitlements: (entitlements) => heard.push(entitlements),
      timeouts: { bridgeMs: 10000, interactionMs: 15000, grantMs: 10000, partnerMs: 10000 },
    });
    const fn = new Function('checkout', 'host', 'partner', `return (async () => { ${body} })()`);
    const outcome = await attempt(() => fn(checkout, host, partner));
    await host.idle();
    return { outcome, heard, events: events.map((e) => e.name) };
  }, { body, partner: AIT_PARTNER_URL, control: AIT_SANDBOX_CONTROL_URL, userKey: AIT_SANDBOX_USER_KEY });
}

function assertEntitlement(e) {
  assert.equal(typeof e.sku, 'string', JSON.stringify(e));
  for (const key of Object.keys(e)) assert.ok(['sku', 'orderId', 'grantedAt', 'provisional'].includes(key), `unexpected ${key}`);
  if ('orderId' in e) assert.equal(typeof e.orderId, 'string');
  if ('grantedAt' in e) assert.equal(typeof e.grantedAt, 'string');
  assert.equal(typeof e.provisional, 'boolean');
}

test('payWithTossPay resolves with the contract\'s whole receipt, as the partner stores it', async () => {
  const { outcome } = await session(await fresh(), `
    await checkout.login();
    const receipt = await checkout.payWithTossPay({ order: ${JSON.stringify(TWO_BAGS_OF_BEANS)}, expectedAmount: 24000 });
    const status = await fetch(partner + '/tosspay/payments/' + receipt.orderNo, { credentials: 'include' }).then((r) => r.json());
    return { receipt, status };`);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  const { receipt, status } = outcome.value;
  for (const [key, type] of Object.entries(RECEIPT_REQUIRED)) assert.equal(typeof receipt[key], type, `${key} of ${JSON.stringify(receipt)}`);
  for (const key of Object.keys(receipt)) {
    const type = RECEIPT_REQUIRED[key] ?? RECEIPT_OPTIONAL[key];
    assert.ok(type, `unexpected receipt field ${key}`);
    assert.equal(typeof receipt[key], type, key);
  }
  assert.equal(receipt.amount, 24000);
  assert.ok(receipt.paidAmount <= receipt.amount);
  // The same receipt, field for field, as the server's own status reply holds it (all 14 fields of the contract
  // reach the page, none dropped or renamed).
  assert.equal(status.status, 'PAY_COMPLETE');
  assert.deepEqual(receipt, status.receipt);
});

test('entitlements() is the partner\'s snapshot, heard by onEntitlements; logout() ends the session', async () => {
  const page = await fresh();
  const { outcome, heard, events } = await session(page, `
    await checkout.login();
    const owned = await checkout.entitlements();
    const loggedOut = await checkout.logout();
    const after = await attempt(() => checkout.entitlements());
    return { owned, loggedOut, after };`);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  const { owned, loggedOut, after } = outcome.value;
  assert.ok(Array.isArray(owned));
  owned.forEach(assertEntitlement);
  assert.deepEqual(heard, [owned], 'onEntitlements heard the snapshot once');
  assert.equal(loggedOut, undefined);
  assert.ok(events.includes('logout.succeeded'));
  // Without a session the partner refuses, typed.
  assert.equal(after.isCheckoutError, true);
  assert.equal(after.code, 'PARTNER_REJECTED', JSON.stringify(after));
  assert.equal(after.sdkCode, 'UNAUTHENTICATED');
  assert.equal(after.retryable, false);
  // Chromium logs the refused request; that one is expected, and the only problem.
  assert.deepEqual(page.problems, ['console.error: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
  page.problems.length = 0;
});

test('a purchase granted by the partner refreshes the entitlements on its own', async () => {
  const { outcome, heard, events } = await session(await fresh(), `
    await checkout.login();
    const bought = await checkout.purchase('gem_100');
    const owned = await checkout.entitlements();
    return { bought, owned };`);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  const { bought, owned } = outcome.value;
  assert.equal(bought.sku, 'gem_100');
  owned.forEach(assertEntitlement);
  const mine = owned.find((e) => e.orderId === bought.orderId);
  assert.ok(mine, `the order ${bought.orderId} is owned: ${JSON.stringify(owned)}`);
  assert.equal(mine.sku, 'gem_100');
  // Heard twice: the refresh after the purchase (unasked), then entitlements().
  assert.equal(heard.length, 2, JSON.stringify(heard));
  assert.ok(heard[0].some((e) => e.orderId === bought.orderId), 'the refresh after the purchase already has the order');
  assert.deepEqual(heard[1], owned);
  assert.ok(events.includes('entitlements.refreshed'));
});

test('orderHistory syncs with the partner: a refunded order comes back in `revoked` and leaves the entitlements', async () => {
  const { outcome, heard } = await session(await fresh(), `
    await checkout.login();
    const bought = await checkout.purchase('remove_ads');
    await host.refundOrder(bought.orderId);
    const revoked = [];
    let key = null;
    let page;
    do {
      page = await checkout.orderHistory({ key });
      revoked.push(...page.revoked);
      key = page.nextKey;
    } while (page.hasNext);
    return { bought, revoked };`);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  const { bought, revoked } = outcome.value;
  assert.deepEqual(revoked.filter((r) => r.orderId === bought.orderId), [{ orderId: bought.orderId, sku: 'remove_ads' }]);
  for (const r of revoked) assert.deepEqual(Object.keys(r).sort(), ['orderId', 'sku']);
  // The sync refreshed the snapshot: the last one heard no longer has the refunded order.
  assert.ok(heard.length >= 2);
  assert.ok(heard[0].some((e) => e.orderId === bought.orderId));
  assert.ok(!heard.at(-1).some((e) => e.orderId === bought.orderId), JSON.stringify(heard.at(-1)));
});
