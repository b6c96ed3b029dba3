// The built npm package (pkg/) in a plain page with an import map, against the real SDK and the dev host:
// the scenarios of the Rust browser tests, reached from JavaScript through the public API.
// Needs ./build.sh build first (./build.sh test does it). Run: node --test tests/js/
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startServer } from '../../scripts/lib/server.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';
import { repoRoot } from '../../scripts/lib/import-map.mjs';

const IAP_CODES = [
  'INVALID_PRODUCT_ID', 'PAYMENT_PENDING', 'NETWORK_ERROR', 'INVALID_USER_ENVIRONMENT', 'ITEM_ALREADY_OWNED',
  'APP_MARKET_VERIFICATION_FAILED', 'TOSS_SERVER_VERIFICATION_FAILED', 'INTERNAL_ERROR', 'KOREAN_ACCOUNT_ONLY',
  'USER_CANCELED', 'PRODUCT_NOT_GRANTED_BY_PARTNER',
];

let server, browser;
const pages = [];

before(async () => {
  assert.ok(existsSync(`${repoRoot}/pkg/index.js`), 'pkg/ is missing: run ./build.sh build');
  server = await startServer();
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

async function fresh(path = '/tests/js/pages/pkg.html') {
  const page = await openPage(browser, `${server.url}${path}`);
  pages.push(page);
  if (path.endsWith('pkg.html')) await page.waitForFunction(() => window.ready === true);
  return page;
}

// Builds a checkout in the page with a grant of the given behaviour, runs `body`, returns its snapshot.
function run(page, body, { grant = 'true', config = {}, timeouts } = {}) {
  return page.evaluate(async ({ body, grant, config, timeouts }) => {
    host.reset();
    host.configure(config);
    window.granted = [];
    window.events = [];
    const grants = {
      true: () => true,
      false: () => false,
      throw: () => { throw new Error('db down'); },
      reject: async () => { throw new Error('db down'); },
      hang: () => new Promise(() => {}),
    };
    const checkout = new Checkout({
      sdk,
      grant: (order) => { granted.push(order); return grants[grant](order); },
      onEvent: (e) => events.push(e),
      timeouts: timeouts ?? { bridgeMs: 5000, interactionMs: 8000, grantMs: 1000 },
    });
    const fn = new Function('checkout', 'host', `return (async () => { ${body} })()`);
    const outcome = await attempt(() => fn(checkout, host));
    await host.idle();
    return { outcome, granted, events, messages: host.messages };
  }, { body, grant, config, timeouts });
}

const of = (messages, type, fn) => messages.filter((m) => m.type === type && m.functionName === fn);

test('the package exports init, Checkout and a real Error subclass', async () => {
  const page = await fresh();
  const shape = await page.evaluate(() => ({
    checkout: typeof Checkout,
    errorIsError: Object.getPrototypeOf(CheckoutError.prototype) === Error.prototype,
  }));
  assert.deepEqual(shape, { checkout: 'function', errorIsError: true });
  const { outcome } = await run(page, `return checkout.environment();`, { config: { os: 'android', appVersion: '5.241.0' } });
  assert.deepEqual(outcome.value, { platform: 'android', appVersion: '5.241.0', operationalEnvironment: 'toss' });
});

test('new Checkout() without sdk uses the module init() imported', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    host.reset();
    const checkout = new Checkout({ grant: () => true });
    return attempt(() => checkout.products());
  });
  assert.equal(r.ok, true);
  assert.ok(r.value.length > 0);
});

test('products are tagged by type', async () => {
  const { outcome } = await run(await fresh(), `return checkout.products();`);
  const types = new Set(outcome.value.map((p) => p.type));
  assert.deepEqual([...types].sort(), ['CONSUMABLE', 'NON_CONSUMABLE', 'SUBSCRIPTION']);
  const sub = outcome.value.find((p) => p.type === 'SUBSCRIPTION' && p.offers);
  assert.ok(sub.renewalCycle);
});

test('purchase resolves with the order once granted, and sends the cleanup', async () => {
  const { outcome, granted, messages, events } = await run(await fresh(), `host.purchase({ orderId: 'js-1' }); return checkout.purchase('gem_100');`);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  assert.deepEqual(Object.keys(outcome.value).sort(),
    ['amount', 'currency', 'displayAmount', 'displayName', 'fraction', 'miniAppIconUrl', 'orderId', 'sku']);
  assert.equal(outcome.value.orderId, 'js-1');
  assert.equal(outcome.value.sku, 'gem_100');
  assert.equal(typeof outcome.value.amount, 'number');
  assert.equal(typeof outcome.value.fraction, 'number');
  assert.deepEqual(granted, [{ orderId: 'js-1', sku: 'gem_100' }]);
  assert.deepEqual(of(messages, 'method', 'processProductGrant')[0].args, [{ orderId: 'js-1', isProductGranted: true }]);
  assert.equal(of(messages, 'removeEventListener', 'requestOneTimePurchase').length, 1);
  assert.ok(events.some((e) => e.name === 'purchase.succeeded' && typeof e.elapsedMs === 'number'));
});

test('each of the 11 IAP error codes rejects with a CheckoutError of that code', async () => {
  const page = await fresh();
  for (const code of IAP_CODES) {
    const { outcome } = await run(page, `host.purchase({ error: '${code}' }); return checkout.purchase('gem_100');`);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.isCheckoutError, true);
    assert.equal(outcome.isError, true);
    assert.equal(outcome.name, 'CheckoutError');
    assert.equal(outcome.code, code);
    assert.equal(typeof outcome.retryable, 'boolean');
    assert.match(outcome.userMessage, /[가-힣]/, 'a Korean message for the user');
    assert.match(outcome.message, /[a-z]/);
  }
});

for (const grant of ['false', 'throw', 'reject', 'hang']) {
  test(`a grant that answers ${grant} rejects PRODUCT_NOT_GRANTED_BY_PARTNER and tells the host false`, async () => {
    const { outcome, messages } = await run(await fresh(), `host.purchase({ orderId: 'g-1' }); return checkout.purchase('gem_100');`, { grant });
    assert.equal(outcome.code, 'PRODUCT_NOT_GRANTED_BY_PARTNER');
    assert.equal(outcome.orderId, 'g-1');
    assert.deepEqual(of(messages, 'method', 'processProductGrant')[0].args, [{ orderId: 'g-1', isProductGranted: false }]);
  });
}

test('onError then success settles once, without an unhandled rejection', async () => {
  const { outcome, events } = await run(await fresh(), `host.purchase({ errorThenSuccess: 'NETWORK_ERROR' }); return checkout.purchase('gem_100');`);
  assert.equal(outcome.code, 'NETWORK_ERROR');
  assert.equal(outcome.retryable, true);
  assert.equal(events.filter((e) => e.name === 'purchase.failed').length, 1);
});

test('duplicate purchased events grant once', async () => {
  const { outcome, granted } = await run(await fresh(), `host.purchase({ duplicatePurchased: true, orderId: 'd-1' }); return checkout.purchase('gem_100');`);
  assert.equal(outcome.ok, true);
  assert.equal(granted.length, 1);
});

test('a second purchase of the same SKU is ALREADY_IN_PROGRESS', async () => {
  const { outcome } = await run(await fresh(), `
    host.purchase({ never: true });
    const first = checkout.purchase('gem_100');
    first.catch(() => {});
    return checkout.purchase('gem_100');`);
  assert.equal(outcome.code, 'ALREADY_IN_PROGRESS');
});

test('a call below its minimum version fails at once naming the minimums; the sandbox bypasses', async () => {
  const page = await fresh();
  let r = await run(page, `return checkout.purchase('gem_100');`, { config: { os: 'ios', appVersion: '5.218.0' } });
  assert.equal(r.outcome.code, 'UNSUPPORTED_APP_VERSION');
  assert.deepEqual(r.outcome.minVersions, { android: '5.219.0', ios: '5.219.0' });
  assert.deepEqual(r.outcome.keys, ['code', 'minVersions', 'name', 'retryable', 'userMessage']);
  assert.equal(r.messages.length, 0);
  r = await run(page, `return checkout.restorePendingOrders();`, { config: { os: 'android', appVersion: '5.233.0' } });
  assert.equal(r.outcome.code, 'UNSUPPORTED_APP_VERSION');
  r = await run(page, `return checkout.restorePendingOrders();`, { config: { os: 'android', appVersion: '5.100.0', environment: 'sandbox' } });
  assert.equal(r.outcome.ok, true);
});

test('a host that never answers is BRIDGE_TIMEOUT; a malformed reply is INVALID_BRIDGE_RESPONSE', async () => {
  const page = await fresh();
  let r = await run(page, `host.respond('iapGetProductItemList', { never: true }); return checkout.products();`, { timeouts: { bridgeMs: 200 } });
  assert.equal(r.outcome.code, 'BRIDGE_TIMEOUT');
  r = await run(page, `host.respond('iapGetProductItemList', { raw: '{"products": 5}' }); return checkout.products();`);
  assert.equal(r.outcome.code, 'INVALID_BRIDGE_RESPONSE');
});

test('the legacy flow of old apps works the same from the caller', async () => {
  const page = await fresh();
  let r = await run(page, `host.purchase({ orderId: 'l-1' }); return checkout.purchase('gem_100');`, { config: { os: 'android', appVersion: '5.231.0' } });
  assert.equal(r.outcome.value.orderId, 'l-1');
  assert.equal(of(r.messages, 'method', 'iapCreateOneTimePurchaseOrder').length, 1);
  r = await run(page, `host.purchase({ orderId: 'l-2' }); return checkout.purchase('gem_100');`, { grant: 'false', config: { os: 'android', appVersion: '5.231.0' } });
  assert.equal(r.outcome.code, 'PRODUCT_NOT_GRANTED_BY_PARTNER');
});

test('subscribe passes the offer', async () => {
  const { outcome, messages } = await run(await fresh(), `host.purchase({ orderId: 's-1', subscriptionId: 'sub-9' }); return checkout.subscribe('pro_monthly', { offerId: 'trial' });`);
  assert.equal(outcome.value.subscriptionId, 'sub-9');
  assert.deepEqual(of(messages, 'addEventListener', 'requestSubscriptionPurchase')[0].args, { sku: 'pro_monthly', offerId: 'trial' });
});

test('subscribe without options (or with a null offerId) sends no offer', async () => {
  const page = await fresh();
  for (const call of [`checkout.subscribe('pro_monthly')`, `checkout.subscribe('pro_monthly', { offerId: null })`, `checkout.subscribe('pro_monthly', null)`]) {
    const { outcome, messages } = await run(page, `host.purchase({ orderId: 's-2' }); return ${call};`);
    assert.equal(outcome.ok, true, `${call}: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.value.orderId, 's-2');
    // As the SDK itself sends it (`offerId ?? null`).
    assert.deepEqual(of(messages, 'addEventListener', 'requestSubscriptionPurchase')[0].args, { sku: 'pro_monthly', offerId: null }, call);
  }
  const { outcome } = await run(page, `return checkout.subscribe('pro_monthly', { offerId: 7 });`);
  assert.equal(outcome.code, 'INVALID_ARGUMENT');
  assert.match(outcome.message, /offerId/);
});

test('restorePendingOrders grants then completes', async () => {
  const { outcome, granted, messages } = await run(await fresh(), `return checkout.restorePendingOrders();`);
  assert.equal(outcome.ok, true);
  assert.ok(outcome.value.restored.length >= 1);
  assert.deepEqual(outcome.value.failed, []);
  assert.equal(granted.length, outcome.value.restored.length);
  assert.equal(of(messages, 'method', 'completeProductGrant').length, outcome.value.restored.length);
});

test('restorePendingOrders reports a failed grant as a CheckoutError and completes nothing', async () => {
  const { outcome, messages } = await run(await fresh(), `
    const r = await checkout.restorePendingOrders();
    return r.failed.map((f) => ({ orderId: f.orderId, isError: f.error instanceof CheckoutError, code: f.error.code }));`, { grant: 'false' });
  assert.ok(outcome.value.length >= 1);
  assert.ok(outcome.value.every((f) => f.isError && f.code === 'PRODUCT_NOT_GRANTED_BY_PARTNER'));
  assert.equal(of(messages, 'method', 'completeProductGrant').length, 0);
});

test('orderHistory pages with nextKey', async () => {
  const { outcome } = await run(await fresh(), `
    const pages = [];
    let key = null;
    do { const page = await checkout.orderHistory({ key }); pages.push(page); key = page.nextKey; } while (pages.at(-1).hasNext);
    return pages;`);
  assert.equal(outcome.value.flatMap((p) => p.orders).length, 5);
  assert.equal(outcome.value.at(-1).hasNext, false);
  assert.equal(outcome.value.at(-1).nextKey, null, 'the last page has nextKey null (declared string | null)');
  // Without a partner nothing is synced: every page says so with an empty `revoked`.
  assert.ok(outcome.value.every((p) => Array.isArray(p.revoked) && p.revoked.length === 0));
  for (const order of outcome.value.flatMap((p) => p.orders)) {
    assert.ok(['COMPLETED', 'REFUNDED'].includes(order.status), JSON.stringify(order));
    assert.equal(typeof order.orderId, 'string');
  }
});

test('orderHistory() without options is the first page', async () => {
  const { outcome } = await run(await fresh(), `
    const a = await checkout.orderHistory();
    const b = await checkout.orderHistory({ key: null });
    return [a, b];`);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  assert.deepEqual(outcome.value[0], outcome.value[1]);
  assert.ok(outcome.value[0].orders.length > 0);
});

test('checkoutPayment resolves, or rejects TOSSPAY_NOT_AUTHENTICATED with the reason', async () => {
  const page = await fresh();
  let r = await run(page, `return checkout.checkoutPayment('PT-1');`);
  assert.equal(r.outcome.ok, true);
  r = await run(page, `host.respond('checkoutPayment', { result: { success: false, reason: '인증 취소' } }); return checkout.checkoutPayment('PT-1');`);
  assert.equal(r.outcome.code, 'TOSSPAY_NOT_AUTHENTICATED');
  assert.equal(r.outcome.reason, '인증 취소');
});

test('no host is NOT_IN_TOSS_APP, an error with only the fields it has', async () => {
  const { outcome } = await run(await fresh(), `host.uninstall(); return checkout.environment();`);
  assert.equal(outcome.code, 'NOT_IN_TOSS_APP');
  // No reason, sdkCode, orderId or minVersions: they are set only when known.
  assert.deepEqual(outcome.keys, ['code', 'name', 'retryable', 'userMessage']);
});

test('inside a frame is IFRAME_NOT_ALLOWED', async () => {
  const page = await fresh('/tests/js/pages/framed.html');
  const frame = page.frame({ url: /pkg\.html/ });
  await frame.waitForFunction(() => window.ready === true);
  const r = await frame.evaluate(() => attempt(() => new Checkout({ sdk, grant: () => true }).environment()));
  assert.equal(r.code, 'IFRAME_NOT_ALLOWED');
});

test('bad arguments are INVALID_ARGUMENT CheckoutErrors', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    const results = [];
    results.push(await attempt(() => new Checkout({ sdk, grant: 5 })));
    results.push(await attempt(() => new Checkout({ sdk, onEvent: 'log' })));
    results.push(await attempt(() => new Checkout({ sdk, onEntitlements: {} })));
    results.push(await attempt(() => new Checkout({ sdk, partnerBaseUrl: 5 })));
    results.push(await attempt(() => new Checkout({ sdk, timeouts: { grantMs: 40000 } })));
    results.push(await attempt(() => new Checkout({ sdk, timeouts: { bridgeMs: 0 } })));
    results.push(await attempt(() => new Checkout({ sdk, timeouts: { bridgeMs: 'soon' } })));
    results.push(await attempt(() => new Checkout({ sdk, timeouts: 5 })));
    results.push(await attempt(() => new Checkout(5)));
    results.push(await attempt(() => new Checkout({ sdk: {} })));
    const checkout = new Checkout({ sdk, grant: () => true });
    results.push(await attempt(() => checkout.purchase(42)));
    results.push(await attempt(() => checkout.purchase('')));
    results.push(await attempt(() => new Checkout({ sdk }).purchase('gem_100')));
    return results.map((r) => [r.isCheckoutError, r.code]);
  });
  assert.equal(r.length, 13);
  for (const [isCheckoutError, code] of r) {
    assert.equal(isCheckoutError, true);
    assert.equal(code, 'INVALID_ARGUMENT');
  }
});

test('the calls that need the partner say so without partnerBaseUrl', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    const checkout = new Checkout({ sdk, grant: () => true });
    const order = { items: [{ sku: 'beans_200g', quantity: 1 }] };
    return [
      await attempt(() => checkout.login()),
      await attempt(() => checkout.logout()),
      await attempt(() => checkout.entitlements()),
      await attempt(() => checkout.payWithTossPay({ order, expectedAmount: 12000 })),
    ];
  });
  for (const [i, outcome] of r.entries()) {
    assert.equal(outcome.isCheckoutError, true, `call ${i}`);
    assert.equal(outcome.code, 'INVALID_ARGUMENT', `call ${i}`);
    assert.match(outcome.message, /partnerBaseUrl/, `call ${i}`);
  }
});

test('payWithTossPay refuses bad options with INVALID_ARGUMENT before any request', async () => {
  const page = await fresh();
  const requested = [];
  page.on('request', (request) => { if (request.url().includes('/no-partner')) requested.push(request.url()); });
  const r = await page.evaluate(async () => {
    host.reset();
    const checkout = new Checkout({ sdk, partnerBaseUrl: '/no-partner', timeouts: { partnerMs: 2000 } });
    const order = { items: [{ sku: 'beans_200g', quantity: 2 }] };
    const bad = {
      'a fractional amount': { order, expectedAmount: 24000.5 },
      'a zero amount': { order, expectedAmount: 0 },
      'a negative amount': { order, expectedAmount: -24000 },
      'NaN': { order, expectedAmount: NaN },
      'Infinity': { order, expectedAmount: Infinity },
      'an amount beyond 2^53': { order, expectedAmount: 2 ** 53 },
      'an amount as a string': { order, expectedAmount: '24000' },
      'no amount': { order },
      'no order': { expectedAmount: 24000 },
      'an order JSON cannot write': { order: { n: 10n }, expectedAmount: 24000 },
      'an empty key': { order, expectedAmount: 24000, idempotencyKey: '' },
      'a blank key': { order, expectedAmount: 24000, idempotencyKey: '   ' },
      'a key of 129 characters': { order, expectedAmount: 24000, idempotencyKey: 'k'.repeat(129) },
      'a key of 129 two-byte characters': { order, expectedAmount: 24000, idempotencyKey: 'é'.repeat(129) },
      'a key that is not a string': { order, expectedAmount: 24000, idempotencyKey: 42 },
      'no options': undefined,
    };
    const out = {};
    for (const [what, options] of Object.entries(bad)) out[what] = await attempt(() => checkout.payWithTossPay(options));
    return out;
  });
  for (const [what, outcome] of Object.entries(r)) {
    assert.equal(outcome.isCheckoutError, true, what);
    assert.equal(outcome.code, 'INVALID_ARGUMENT', `${what}: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.retryable, false, what);
  }
  assert.match(r['a fractional amount'].message, /expectedAmount/);
  assert.match(r['a key of 129 characters'].message, /idempotencyKey/);
  assert.deepEqual(requested, [], 'nothing reached the network');
});

test('payWithTossPay accepts a whole amount and a key of 128 characters (256 UTF-8 bytes), and goes to the partner', async () => {
  const page = await fresh();
  const requested = [];
  page.on('request', (request) => {
    if (request.url().includes('/no-partner')) requested.push({ url: new URL(request.url()).pathname, body: request.postDataJSON() });
  });
  const outcome = await page.evaluate(async () => {
    host.reset();
    const checkout = new Checkout({ sdk, partnerBaseUrl: '/no-partner', timeouts: { partnerMs: 2000 } });
    const order = { items: [{ sku: 'beans_200g', quantity: 2 }], note: '선물 포장' };
    // The contract counts characters, as the server does, not bytes: 128 × 'é' is 256 bytes of UTF-8.
    return attempt(() => checkout.payWithTossPay({ order, expectedAmount: 24000, idempotencyKey: 'é'.repeat(128) }));
  });
  // The static server has no partner there: the request went out and failed as a partner failure, not an argument.
  // (Chromium logs the 404 it answered; that one is expected.)
  const expected404 = (p) => p.includes('status of 404 (Not Found)');
  assert.ok(page.problems.every(expected404), JSON.stringify(page.problems));
  page.problems.length = 0;
  assert.equal(outcome.isCheckoutError, true);
  assert.match(outcome.code, /^PARTNER_/, JSON.stringify(outcome));
  assert.ok(requested.length >= 1);
  assert.equal(requested[0].url, '/no-partner/tosspay/payments');
  // The order is sent as the page gave it, and the key as given.
  assert.deepEqual(requested[0].body, {
    order: { items: [{ sku: 'beans_200g', quantity: 2 }], note: '선물 포장' },
    idempotencyKey: 'é'.repeat(128),
  });
});
