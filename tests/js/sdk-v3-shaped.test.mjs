// The built npm package (pkg/) against a 3.x-SHAPED SDK module (tests/js/lib/sdk-v3-shaped.mjs), in headless
// Chromium. SDK 3.x cannot be installed from the registry reachable here, so the module is written from the facts
// of sdk-v3.md (its header cites each); the page loads no real SDK and no dev host, so no 2.x global exists. Checks
// the package's real code: a 3.x host counts as "in Toss", TossPay goes through `TossPay.authorize({ payToken })`,
// `isSupported()` decides before the built-in version table, a thrown UNSUPPORTED_APP_VERSION maps to ours, no host
// at all is NOT_IN_TOSS_APP, and replies with extra or absent optional keys decode. One payment runs through the
// real partner server (ait-partner --sandbox, started here like tests/js/e2e-demo.test.mjs does).
// Needs ./build.sh build (pkg/) and target/debug/ait-partner built with `--features sandbox`.
// Run: node --test tests/js/sdk-v3-shaped.test.mjs
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../scripts/lib/server.mjs';
import { repoRoot } from '../../scripts/lib/import-map.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';

const PAGE = '/tests/js/pages/sdk-v3-shaped.html';
const TWO_X_GLOBALS = ['ReactNativeWebView', '__CONSTANT_HANDLER_MAP', '__GRANITE_NATIVE_EMITTER'];
// sdk-v3.md:30-33 (the same values as the package's built-in table for these calls).
const MIN = {
  oneTime: { android: '5.219.0', ios: '5.219.0' },
  productList: { android: '5.219.0', ios: '5.219.0' },
  pending: { android: '5.234.0', ios: '5.231.0' },
  subscription: { android: '5.248.0', ios: '5.249.0' },
  subscriptionInfo: { android: '5.253.0', ios: '5.250.0' },
};

let server, browser;
const pages = [];

before(async () => {
  assert.ok(existsSync(path.join(repoRoot, 'pkg', 'index.js')), 'pkg/ is missing: run ./build.sh build');
  server = await startServer();
  browser = await launchBrowser();
});
afterEach(async () => {
  while (pages.length) {
    const page = pages.pop();
    assert.deepEqual(page.problems, [], 'no page errors, no console errors, no unhandled rejections');
    await page.context().close();
  }
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function fresh() {
  const page = await openPage(browser, `${server.url}${PAGE}`);
  pages.push(page);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

// In the page: a fresh 3.x-shaped module (`sdk` = createSdkV3's config), the 3.x host unless `host: false`, a
// Checkout over them, then `body` (an async function body with `checkout`, `v3` and `host` in scope). Returns the
// outcome and every record: module calls, isSupported() answers, native calls, grants, 2.x globals present.
function run(page, body, { sdk = {}, host = true, grant = true, timeouts } = {}) {
  return page.evaluate(async ({ body, sdk, withHost, grant, timeouts }) => {
    delete window.__appsInTossNativeBridge;
    const v3 = createSdkV3(sdk);
    const host = withHost ? installNativeBridge() : null;
    const granted = [];
    const fn = new Function('checkout', 'v3', 'host', `return (async () => { ${body} })()`);
    const outcome = await attempt(async () => {
      const checkout = new Checkout({
        sdk: v3.sdk,
        grant: (order) => { granted.push(order); return grant; },
        timeouts: timeouts ?? { bridgeMs: 3000, interactionMs: 5000, grantMs: 1000 },
      });
      return fn(checkout, v3, host);
    });
    // Let trailing native calls (the purchase's grant report) land before reading the records.
    await new Promise((r) => setTimeout(r, 50));
    return {
      outcome,
      calls: v3.calls,
      asked: v3.asked,
      native: host ? host.calls : [],
      granted,
      twoXGlobals: ['ReactNativeWebView', '__CONSTANT_HANDLER_MAP', '__GRANITE_NATIVE_EMITTER'].filter((k) => k in window),
    };
  }, { body, sdk, withHost: host, grant, timeouts });
}

const named = (records, name) => records.filter((r) => (r.fn ?? r.name) === name);
const tossPayCalls = (calls) => calls.filter((c) => /^(TossPay\.|checkoutPayment$|requestTossPayPaysBilling$)/.test(c.fn));

function assertUnsupported(outcome, minVersions) {
  assert.equal(outcome.ok, false, JSON.stringify(outcome));
  assert.equal(outcome.isCheckoutError, true, JSON.stringify(outcome));
  assert.equal(outcome.code, 'UNSUPPORTED_APP_VERSION', JSON.stringify(outcome));
  assert.deepEqual(outcome.minVersions, minVersions, JSON.stringify(outcome));
  assert.equal(outcome.retryable, false);
  assert.match(outcome.userMessage, /[가-힣]/, 'a Korean message for the user');
}

test('(1) a 3.x host with no 2.x global is in Toss: environment() and products() work', async () => {
  const page = await fresh();
  let r = await run(page, 'return checkout.environment();', { sdk: { platform: 'ios', appVersion: '5.255.0' } });
  assert.deepEqual(r.twoXGlobals, [], 'the page has none of the 2.x host globals');
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.deepEqual(r.outcome.value, { platform: 'ios', appVersion: '5.255.0', operationalEnvironment: 'toss' });

  r = await run(page, 'return checkout.environment();', { sdk: { platform: 'android', appVersion: '5.241.0', environment: 'sandbox' } });
  assert.deepEqual(r.outcome.value, { platform: 'android', appVersion: '5.241.0', operationalEnvironment: 'sandbox' });

  r = await run(page, 'return checkout.products();');
  assert.deepEqual(r.twoXGlobals, []);
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.deepEqual(r.outcome.value.map((p) => [p.sku, p.type]), [
    ['gem_100', 'CONSUMABLE'], ['remove_ads', 'NON_CONSUMABLE'], ['pro_monthly', 'SUBSCRIPTION'], ['pro_yearly', 'SUBSCRIPTION'],
  ]);
  assert.deepEqual(named(r.native, 'IAP.getProductItemList').length, 1, 'the call went through callAsyncMethod');
  assert.deepEqual(r.asked.filter((a) => a.fn === 'IAP.getProductItemList'), [{ fn: 'IAP.getProductItemList', answer: true }],
    'isSupported() was asked once');
});

test('(2) checkoutPayment(payToken) goes through TossPay.authorize({ payToken }), never the deprecated calls', async () => {
  const page = await fresh();
  let r = await run(page, "return checkout.checkoutPayment('PT-v3-1');");
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.deepEqual(tossPayCalls(r.calls), [{ fn: 'TossPay.authorize', args: [{ payToken: 'PT-v3-1' }] }],
    'exactly one TossPay.authorize({ payToken }) with no params wrapper; checkoutPayment and TossPay.checkoutPayment untouched');
  assert.deepEqual(r.native, [{ name: 'TossPay.authorize', params: { payToken: 'PT-v3-1' } }]);

  r = await run(page, `host.respond('TossPay.authorize', { result: { success: false, reason: '사용자가 인증을 취소했어요' } });
    return checkout.checkoutPayment('PT-v3-2');`);
  assert.equal(r.outcome.code, 'TOSSPAY_NOT_AUTHENTICATED', JSON.stringify(r.outcome));
  assert.equal(r.outcome.reason, '사용자가 인증을 취소했어요');
  assert.deepEqual(tossPayCalls(r.calls).map((c) => c.fn), ['TossPay.authorize']);
});

test('(2) requestTossPayPaysBilling(wrappedToken) goes through TossPay.authorizeSubscription({ wrappedToken })', async () => {
  const r = await run(await fresh(), "return checkout.requestTossPayPaysBilling('WT-v3-1');");
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.deepEqual(tossPayCalls(r.calls), [{ fn: 'TossPay.authorizeSubscription', args: [{ wrappedToken: 'WT-v3-1' }] }]);
});

test('(3) isSupported() false refuses at once, naming the minimums, though the app version passes the table', async () => {
  const page = await fresh();
  // 5.260.0 is above every minimum of the built-in table; only isSupported() says no.
  let r = await run(page, 'return checkout.restorePendingOrders();',
    { sdk: { appVersion: '5.260.0', supported: { 'IAP.getPendingOrders': false } } });
  assertUnsupported(r.outcome, MIN.pending);
  assert.deepEqual(named(r.calls, 'IAP.getPendingOrders'), [], 'IAP.getPendingOrders was not called');
  assert.deepEqual(r.native, []);
  assert.deepEqual(named(r.asked, 'IAP.getPendingOrders'), [{ fn: 'IAP.getPendingOrders', answer: false }]);

  r = await run(page, 'return checkout.products();', { sdk: { platform: 'ios', supported: { 'IAP.getProductItemList': false } } });
  assertUnsupported(r.outcome, MIN.productList);
  assert.deepEqual(r.calls, []);
  assert.deepEqual(r.native, []);

  r = await run(page, "return checkout.purchase('gem_100');", { sdk: { supported: { 'IAP.createOneTimePurchaseOrder': false } } });
  assertUnsupported(r.outcome, MIN.oneTime);
  assert.deepEqual(named(r.calls, 'IAP.createOneTimePurchaseOrder'), [], 'createOneTimePurchaseOrder was not called');
  assert.deepEqual(r.native, []);
  assert.deepEqual(r.granted, []);

  r = await run(page, "return checkout.subscriptionInfo('s-1');", { sdk: { supported: { 'IAP.getSubscriptionInfo': false } } });
  assertUnsupported(r.outcome, MIN.subscriptionInfo);
  assert.deepEqual(r.native, []);
});

test('(3) isSupported() true lets a call through though the built-in table would refuse the app version', async () => {
  const page = await fresh();
  // android 5.220.0: below the table's getPendingOrders (5.234.0), completeProductGrant (5.233.0) and
  // getSubscriptionInfo (5.253.0) minimums.
  const sdk = { platform: 'android', appVersion: '5.220.0',
    supported: { 'IAP.getPendingOrders': true, 'IAP.completeProductGrant': true, 'IAP.getSubscriptionInfo': true } };
  let r = await run(page, 'return checkout.restorePendingOrders();', { sdk });
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.equal(r.outcome.value.restored.length, 2);
  assert.equal(named(r.native, 'IAP.getPendingOrders').length, 1);
  assert.equal(named(r.native, 'IAP.completeProductGrant').length, 2);

  r = await run(page, "return checkout.subscriptionInfo('s-1');", { sdk });
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.equal(named(r.native, 'IAP.getSubscriptionInfo').length, 1);

  // The same app without the override: the module's own isSupported() (from sdk-v3.md's minimums) refuses, and
  // the function is not called.
  r = await run(page, 'return checkout.restorePendingOrders();', { sdk: { platform: 'android', appVersion: '5.220.0' } });
  assertUnsupported(r.outcome, MIN.pending);
  assert.deepEqual(r.native, []);
});

test('(4) a thrown UNSUPPORTED_APP_VERSION becomes a CheckoutError UNSUPPORTED_APP_VERSION with the minimums', async () => {
  const page = await fresh();
  // The host rejects with an Error carrying the code (its own gate; isSupported() said yes).
  let r = await run(page, `host.respond('IAP.getProductItemList', { errorCode: 'UNSUPPORTED_APP_VERSION' });
    return checkout.products();`);
  assertUnsupported(r.outcome, MIN.productList);
  assert.equal(named(r.native, 'IAP.getProductItemList').length, 1, 'the call was made and threw');

  // A plain `{ code }` object, not an Error.
  r = await run(page, `host.respond('IAP.getPendingOrders', { error: { code: 'UNSUPPORTED_APP_VERSION', message: 'update the app' } });
    return checkout.restorePendingOrders();`);
  assertUnsupported(r.outcome, MIN.pending);

  r = await run(page, `host.respond('IAP.getSubscriptionInfo', { errorCode: 'UNSUPPORTED_APP_VERSION' });
    return checkout.subscriptionInfo('s-1');`);
  assertUnsupported(r.outcome, MIN.subscriptionInfo);

  // A non-gated call keeps the code (no minimums are known for it).
  r = await run(page, `host.respond('appLogin', { errorCode: 'UNSUPPORTED_APP_VERSION' }); return checkout.appLogin();`);
  assert.equal(r.outcome.isCheckoutError, true, JSON.stringify(r.outcome));
  assert.equal(r.outcome.code, 'UNSUPPORTED_APP_VERSION');
});

test('(4) a purchase the SDK refuses with UNSUPPORTED_APP_VERSION (onError, or a synchronous throw) names the minimums', async () => {
  const page = await fresh();
  // The native order call rejects: the module reports it through onError.
  let r = await run(page, `host.respond('IAP.createOneTimePurchaseOrder', { errorCode: 'UNSUPPORTED_APP_VERSION' });
    return checkout.purchase('gem_100');`);
  assertUnsupported(r.outcome, MIN.oneTime);
  assert.deepEqual(r.granted, []);

  r = await run(page, `host.respond('IAP.createSubscriptionPurchaseOrder', { errorCode: 'UNSUPPORTED_APP_VERSION' });
    return checkout.subscribe('pro_monthly', {});`);
  assertUnsupported(r.outcome, MIN.subscription);

  // A module without isSupported() whose purchase call throws synchronously (the table let it through).
  r = await run(page, "return checkout.purchase('gem_100');",
    { sdk: { withIsSupported: false, supported: { 'IAP.createOneTimePurchaseOrder': false } } });
  assertUnsupported(r.outcome, MIN.oneTime);
  assert.equal(named(r.calls, 'IAP.createOneTimePurchaseOrder').length, 1, 'the call was made and threw');
  assert.deepEqual(r.native, []);
});

test('(5) no host at all (no 2.x globals, no __appsInTossNativeBridge, no isSupported) is NOT_IN_TOSS_APP', async () => {
  const page = await fresh();
  const sdk = { withIsSupported: false };
  let r = await run(page, 'return checkout.environment();', { sdk, host: false });
  assert.deepEqual(r.twoXGlobals, []);
  assert.equal(await page.evaluate(() => '__appsInTossNativeBridge' in window), false);
  assert.equal(r.outcome.isCheckoutError, true, JSON.stringify(r.outcome));
  assert.equal(r.outcome.code, 'NOT_IN_TOSS_APP');
  assert.match(r.outcome.userMessage, /[가-힣]/);

  for (const body of ['return checkout.products();', "return checkout.checkoutPayment('PT-none');", 'return checkout.restorePendingOrders();']) {
    r = await run(page, body, { sdk, host: false });
    assert.equal(r.outcome.code, 'NOT_IN_TOSS_APP', `${body} ${JSON.stringify(r.outcome)}`);
    assert.deepEqual(r.calls, [], `${body}: no SDK function was called`);
  }
});

test('(6) replies with extra keys and absent optional keys decode', async () => {
  const page = await fresh();
  // Products with unknown keys (`badge`, `catalogVersion`) and a subscription without `offers`.
  let r = await run(page, 'return checkout.products();');
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  const yearly = r.outcome.value.find((p) => p.sku === 'pro_yearly');
  assert.equal(yearly.renewalCycle, 'YEARLY');
  assert.equal(yearly.offers ?? null, null);
  assert.deepEqual(r.outcome.value.find((p) => p.sku === 'pro_monthly').offers, [{ type: 'FREE_TRIAL', offerId: 'trial', period: 'P7D' }]);

  // getPendingOrders resolves { orders, orderIds }.
  r = await run(page, 'return checkout.restorePendingOrders();');
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.deepEqual(r.outcome.value.restored.map((o) => [o.orderId, o.sku]), [['p-1', 'gem_100'], ['p-2', 'remove_ads']]);
  assert.deepEqual(r.outcome.value.failed, []);
  assert.deepEqual(r.granted.map((g) => g.orderId), ['p-1', 'p-2']);
  assert.equal(named(r.native, 'IAP.completeProductGrant').length, 2);

  // Two history pages; the last has no nextKey.
  r = await run(page, `
    const first = await checkout.orderHistory({});
    const last = await checkout.orderHistory({ key: first.nextKey });
    return { first, last };`);
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  const { first, last } = r.outcome.value;
  assert.equal(first.hasNext, true);
  assert.equal(first.nextKey, 'page-2');
  assert.deepEqual(first.orders.map((o) => [o.orderId, o.status, o.date]),
    [['h-1', 'COMPLETED', '2026-08-01T10:00:00'], ['h-2', 'REFUNDED', '2026-08-02T11:00:00']]);
  assert.equal(last.hasNext, false);
  assert.equal(last.nextKey ?? null, null);
  assert.deepEqual(last.orders.map((o) => o.orderId), ['h-3']);
  assert.deepEqual(named(r.native, 'IAP.getCompletedOrRefundedOrders')[1].params, { key: 'page-2' }, 'the paging key is forwarded');

  // getSubscriptionInfo resolves {} when nothing is set up: null.
  r = await run(page, "return checkout.subscriptionInfo('s-1');");
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.equal(r.outcome.value, null);
});

test('a purchase and a subscription through the 3.x-shaped module resolve once granted', async () => {
  const page = await fresh();
  let r = await run(page, "return checkout.purchase('gem_100');");
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.equal(r.outcome.value.orderId, 'v3-order-1');
  assert.equal(r.outcome.value.sku, 'gem_100');
  assert.deepEqual(r.granted, [{ orderId: 'v3-order-1', sku: 'gem_100' }]);
  assert.deepEqual(named(r.native, 'IAP.processProductGrant').map((c) => c.params), [{ orderId: 'v3-order-1', isProductGranted: true }]);

  r = await run(page, "return checkout.subscribe('pro_monthly', { offerId: 'trial' });");
  assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
  assert.equal(r.outcome.value.subscriptionId, 'v3-subscription-1');
  assert.deepEqual(named(r.native, 'IAP.createSubscriptionPurchaseOrder')[0].params, { sku: 'pro_monthly', offerId: 'trial' });

  r = await run(page, "return checkout.purchase('gem_100');", { grant: false });
  assert.equal(r.outcome.code, 'PRODUCT_NOT_GRANTED_BY_PARTNER', JSON.stringify(r.outcome));
  assert.deepEqual(named(r.native, 'IAP.processProductGrant').map((c) => c.params.isProductGranted), [false]);
});

// ---- one payment through the real partner server and Toss sandbox ----------------------------------------------

describe('(2) payWithTossPay through ait-partner --sandbox', () => {
  const binary = path.join(repoRoot, 'target', 'debug', process.platform === 'win32' ? 'ait-partner.exe' : 'ait-partner');
  let partner, scratch, partnerUrl, sandbox;

  // ait-partner --sandbox on a free port, allowing this test server's origin (CORS with credentials), like
  // ./build.sh's start_stack.
  function startPartner() {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'ait-v3-'));
    partner = spawn(binary, ['--sandbox', '--listen', '127.0.0.1:0', '--database', path.join(scratch, 'db.sqlite'),
      '--sandbox-cert-dir', path.join(scratch, 'certs')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIT_PARTNER_ALLOWED_ORIGINS: server.url } });
    let out = '';
    let err = '';
    partner.stderr.on('data', (d) => { err += d; });
    return new Promise((resolve, reject) => {
      partner.stdout.on('data', (d) => {
        out += d;
        const m = /partner API on (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      partner.on('exit', (code) => reject(new Error(`ait-partner exited (${code}): ${err}`)));
    });
  }

  // The sandbox control API, from node (what the Toss app's servers would do).
  async function control(method, p, body) {
    const res = await fetch(sandbox.controlUrl + p, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`control ${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  before(async () => {
    assert.ok(existsSync(binary), 'target/debug/ait-partner is missing: cargo build -p ait-partner --features sandbox');
    partnerUrl = await startPartner();
    sandbox = await (await fetch(new URL('/dev/sandbox.json', partnerUrl))).json();
    assert.ok(sandbox.controlUrl, 'the partner runs in sandbox mode');
  });
  after(() => {
    partner?.kill();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('login then payWithTossPay: the user authorizes through TossPay.authorize({ payToken }) and the receipt comes back', async () => {
    const page = await fresh();
    await page.exposeFunction('stackControl', (method, p, body) => control(method, p, body));
    const userKey = 9301;
    const r = await page.evaluate(async ({ partnerUrl, userKey }) => {
      const v3 = createSdkV3();
      const host = installNativeBridge();
      // The 3.x host plays the Toss app against the sandbox: a login code, then the payment sheet approved.
      host.respond('appLogin', async () => ({
        authorizationCode: (await stackControl('POST', '/login/codes', { userKey })).authorizationCode, referrer: 'DEFAULT' }));
      host.respond('TossPay.authorize', async ({ payToken }) => {
        await stackControl('POST', `/payments/${encodeURIComponent(payToken)}/approve`, {});
        return { success: true };
      });
      const checkout = new Checkout({ sdk: v3.sdk, partnerBaseUrl: partnerUrl, timeouts: { bridgeMs: 5000, interactionMs: 10000, partnerMs: 10000 } });
      const outcome = await attempt(async () => {
        await checkout.login();
        return checkout.payWithTossPay({ order: { items: [{ sku: 'beans_200g', quantity: 2 }] }, expectedAmount: 24000 });
      });
      return { outcome, calls: v3.calls, native: host.calls };
    }, { partnerUrl, userKey });
    assert.equal(r.outcome.ok, true, JSON.stringify(r.outcome));
    const receipt = r.outcome.value;
    assert.equal(receipt.amount, 24000);
    assert.equal(receipt.paidAmount, 24000);
    assert.equal(typeof receipt.payToken, 'string');
    assert.deepEqual(tossPayCalls(r.calls), [{ fn: 'TossPay.authorize', args: [{ payToken: receipt.payToken }] }],
      'one TossPay.authorize({ payToken }), never checkoutPayment or TossPay.checkoutPayment');
    assert.deepEqual(r.native.map((c) => c.name), ['appLogin', 'TossPay.authorize']);
    const payment = await control('GET', `/payments/${encodeURIComponent(receipt.payToken)}`);
    assert.equal(payment.payStatus, 'PAY_COMPLETE', JSON.stringify(payment));
  });
});
