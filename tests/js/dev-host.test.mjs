// The dev host (www/dev-host.js) against the REAL Apps-in-Toss web SDK 2.10.8 in headless Chromium.
// Run: node --test tests/js/
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../scripts/lib/server.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';

const IAP_CODES = [
  'INVALID_PRODUCT_ID', 'PAYMENT_PENDING', 'NETWORK_ERROR', 'INVALID_USER_ENVIRONMENT', 'ITEM_ALREADY_OWNED',
  'APP_MARKET_VERIFICATION_FAILED', 'TOSS_SERVER_VERIFICATION_FAILED', 'INTERNAL_ERROR', 'KOREAN_ACCOUNT_ONLY',
  'USER_CANCELED', 'PRODUCT_NOT_GRANTED_BY_PARTNER',
];

let server, browser;
const pages = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
afterEach(async () => {
  while (pages.length) await pages.pop().context().close();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function fresh() {
  const page = await openPage(browser, `${server.url}/tests/js/pages/dev-host.html`);
  await page.waitForFunction(() => window.ready === true);
  pages.push(page);
  return page;
}

// A purchase through the real SDK, run to quiescence, returned as a snapshot plus the host's messages.
async function runPurchase(page, opts = {}, scenario) {
  return page.evaluate(async ({ opts, scenario }) => {
    if (scenario) host.purchase(scenario);
    const from = host.messages.length;
    const rec = h.purchase(opts);
    await host.idle();
    return { rec: h.snapshot(rec), messages: host.messages.slice(from) };
  }, { opts, scenario });
}

test('server serves the page, the SDK through the import map, and JS/wasm MIME types', async () => {
  const html = await fetch(`${server.url}/tests/js/pages/dev-host.html`).then((r) => r.text());
  assert.match(html, /<script type="importmap">/);
  const js = await fetch(`${server.url}/www/dev-host.js`);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.equal((await fetch(`${server.url}/nope.wasm`)).status, 404);
});

test('globals: ReactNativeWebView and the constants map are defined, the emitter is the SDK\'s own', async () => {
  const page = await fresh();
  const r = await page.evaluate(() => ({
    rn: typeof window.ReactNativeWebView?.postMessage,
    os: sdk.getPlatformOS(), version: sdk.getTossAppVersion(), env: sdk.getOperationalEnvironment(),
    locale: sdk.getLocale(), emitter: typeof window.__GRANITE_NATIVE_EMITTER?.on,
    tossPay: 'TossPay' in sdk,
  }));
  assert.deepEqual(r, { rn: 'function', os: 'ios', version: '5.260.0', env: 'toss', locale: 'ko-KR', emitter: 'function', tossPay: false });
  const r2 = await page.evaluate(() => {
    host.configure({ os: 'android', appVersion: '5.240.1', environment: 'sandbox' });
    return [sdk.getPlatformOS(), sdk.getTossAppVersion(), sdk.getOperationalEnvironment()];
  });
  assert.deepEqual(r2, ['android', '5.240.1', 'sandbox']);
});

test('every method answers with its default success through the real SDK', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => ({
    login: await h.call(sdk.appLogin),
    checkout: await h.call(sdk.checkoutPayment, { params: { payToken: 'PT1' } }),
    billing: await h.call(sdk.requestTossPayPaysBilling, { params: { wrappedToken: 'WT1' } }),
    integrated: await h.call(sdk.getIsTossLoginIntegratedService),
    products: await h.call(sdk.IAP.getProductItemList),
    pending: await h.call(sdk.IAP.getPendingOrders),
    history: await h.call(sdk.IAP.getCompletedOrRefundedOrders),
    complete: await h.call(sdk.IAP.completeProductGrant, { params: { orderId: 'ord-pending-0001' } }),
    pendingAfter: await h.call(sdk.IAP.getPendingOrders),
    sub: await h.call(sdk.IAP.getSubscriptionInfo, { params: { orderId: 'ord-hist-0002' } }),
    messages: host.messages.map((m) => [m.type, m.functionName, JSON.stringify(m.args)]),
  }));
  for (const [k, v] of Object.entries(r)) if (k !== 'messages') assert.equal(v.status, 'resolved', k);
  assert.match(r.login.value.authorizationCode, /\S/);
  assert.equal(r.login.value.referrer, 'DEFAULT');
  assert.deepEqual(r.checkout.value, { success: true });
  assert.deepEqual(r.billing.value, { success: true });
  assert.equal(r.integrated.value, true);
  const types = new Set(r.products.value.products.map((p) => p.type));
  assert.deepEqual([...types].sort(), ['CONSUMABLE', 'NON_CONSUMABLE', 'SUBSCRIPTION']);
  for (const p of r.products.value.products) {
    for (const f of ['sku', 'displayAmount', 'displayName', 'iconUrl', 'description']) assert.equal(typeof p[f], 'string', f);
  }
  const sub = r.products.value.products.find((p) => p.type === 'SUBSCRIPTION' && p.offers);
  assert.ok(sub.renewalCycle);
  assert.deepEqual(sub.offers.map((o) => o.type), ['FREE_TRIAL', 'NEW_SUBSCRIPTION', 'RETURNING']);
  assert.deepEqual(r.pending.value.orders.map((o) => o.orderId), ['ord-pending-0001']);
  assert.ok(r.pending.value.orders[0].sku && r.pending.value.orders[0].paymentCompletedDate);
  assert.equal(typeof r.history.value.hasNext, 'boolean');
  assert.ok(Array.isArray(r.history.value.orders));
  assert.equal(r.complete.value, true);
  assert.deepEqual(r.pendingAfter.value.orders, []);
  assert.deepEqual(Object.keys(r.sub.value.subscription).sort(),
    ['catalogId', 'expiresAt', 'gracePeriodExpiresAt', 'isAccessible', 'isAutoRenew', 'status']);
  // the wire messages the real SDK posted
  assert.deepEqual(r.messages.slice(0, 4), [
    ['method', 'appLogin', '[]'],
    ['method', 'checkoutPayment', '[{"params":{"payToken":"PT1"}}]'],
    ['method', 'requestTossPayPaysBilling', '[{"params":{"wrappedToken":"WT1"}}]'],
    ['method', 'getIsTossLoginIntegratedService', '[]'],
  ]);
  assert.deepEqual(r.messages[4], ['method', 'iapGetProductItemList', '[]']);
  assert.deepEqual(page.problems, []);
});

test('sandbox: appLogin referrer is SANDBOX', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => { host.configure({ environment: 'sandbox' }); return h.call(sdk.appLogin); });
  assert.equal(r.value.referrer, 'SANDBOX');
});

test('one-time purchase, default scenario: purchased → grant → processProductGrant → success; cleanup posts removeEventListener', async () => {
  const page = await fresh();
  const { rec, messages } = await runPurchase(page, { sku: 'gem_500' });
  assert.deepEqual(rec.outcomes, ['event']);
  assert.equal(rec.grants.length, 1);
  const orderId = rec.grants[0].orderId;
  assert.match(orderId, /\S/);
  assert.deepEqual(rec.events[0], { type: 'success', data: {
    orderId, displayName: '보석 500개', displayAmount: '5,500원', amount: 5500, currency: 'KRW', fraction: 0,
    miniAppIconUrl: rec.events[0].data.miniAppIconUrl } });
  assert.equal(messages[0].type, 'addEventListener');
  assert.equal(messages[0].functionName, 'requestOneTimePurchase');
  assert.deepEqual(messages[0].args, { sku: 'gem_500' });
  assert.deepEqual(messages[1], { type: 'method', functionName: 'processProductGrant', eventId: messages[1].eventId,
    args: [{ orderId, isProductGranted: true }] });
  assert.equal(messages.length, 2);
  const after = await page.evaluate(async (orderId) => {
    const listenersBefore = host.listeners.size;
    // cleanup of the most recent purchase record is not reachable from here; run a new one and clean it up
    const rec = h.purchase({ sku: 'gem_100' });
    await host.idle();
    const add = host.messages.filter((m) => m.type === 'addEventListener').at(-1);
    rec.cleanup();
    const rm = await host.waitForMessage({ type: 'removeEventListener', eventId: add.eventId });
    const history = await sdk.IAP.getCompletedOrRefundedOrders();
    return { listenersBefore, listenersAfter: host.listeners.size, rm, latest: history.orders[0], second: history.orders[1], orderId };
  }, orderId);
  assert.equal(after.listenersBefore, 1);
  assert.equal(after.listenersAfter, 1);
  assert.deepEqual(Object.keys(after.rm).sort(), ['eventId', 'functionName', 'type']);
  assert.equal(after.rm.functionName, 'requestOneTimePurchase');
  assert.equal(after.second.orderId, after.orderId);
  assert.equal(after.second.status, 'COMPLETED');
});

test('cleanup right after the call: removeEventListener is posted, no purchased and no grant happen', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    const rec = h.purchase({ sku: 'gem_100' });
    rec.cleanup();
    await host.idle();
    return { rec: h.snapshot(rec), types: host.messages.map((m) => m.type), listeners: host.listeners.size };
  });
  assert.deepEqual(r.types, ['addEventListener', 'removeEventListener']);
  assert.deepEqual(r.rec.grants, []);
  assert.deepEqual(r.rec.outcomes, []);
  assert.equal(r.listeners, 0);
});

test('grant returning false → onError PRODUCT_NOT_GRANTED_BY_PARTNER and the order becomes pending', async () => {
  const page = await fresh();
  const { rec, messages } = await runPurchase(page, { sku: 'remove_ads', grant: false });
  assert.deepEqual(rec.outcomes, ['error']);
  assert.equal(rec.errors[0].code, 'PRODUCT_NOT_GRANTED_BY_PARTNER');
  assert.equal(messages[1].args[0].isProductGranted, false);
  const pending = await page.evaluate(() => sdk.IAP.getPendingOrders());
  assert.ok(pending.orders.some((o) => o.orderId === rec.grants[0].orderId && o.sku === 'remove_ads'));
});

test('subscription purchase: offerId forwarded, grant gets subscriptionId, success follows', async () => {
  const page = await fresh();
  const { rec, messages } = await runPurchase(page, { sku: 'pro_monthly', subscription: true, offerId: 'pro_monthly_new' },
    { subscriptionId: 'SUB-1', orderId: 'ORD-SUB-1' });
  assert.deepEqual(messages[0].args, { sku: 'pro_monthly', offerId: 'pro_monthly_new' });
  assert.equal(messages[0].functionName, 'requestSubscriptionPurchase');
  assert.deepEqual(rec.grants, [{ orderId: 'ORD-SUB-1', subscriptionId: 'SUB-1' }]);
  assert.deepEqual(rec.outcomes, ['event']);
  assert.equal(rec.events[0].data.orderId, 'ORD-SUB-1');
  const info = await page.evaluate(() => sdk.IAP.getSubscriptionInfo({ params: { orderId: 'ORD-SUB-1' } }));
  assert.equal(info.subscription.status, 'ACTIVE');
  const noOffer = await runPurchase(page, { sku: 'pro_yearly', subscription: true });
  assert.deepEqual(noOffer.messages[0].args, { sku: 'pro_yearly', offerId: null });
});

test('each of the 11 IAP error codes reaches createOneTimePurchaseOrder\'s onError as an Error with that code', async () => {
  const page = await fresh();
  for (const code of IAP_CODES) {
    const { rec, messages } = await runPurchase(page, { sku: 'gem_100' }, { error: code });
    assert.deepEqual(rec.outcomes, ['error'], code);
    const e = rec.errors[0];
    assert.equal(e.isError, true, code);
    assert.equal(e.code, code);
    assert.equal(e.own.__isError, true);
    assert.equal(e.name, 'Error');
    assert.equal(e.hasStack, true);
    assert.deepEqual(rec.grants, []);
    assert.equal(messages.length, 1);
  }
  // custom error props and message
  const { rec } = await runPurchase(page, { sku: 'gem_100' }, { error: { code: 'NETWORK_ERROR', message: 'boom', retryAfter: 3 } });
  assert.equal(rec.errors[0].message, 'boom');
  assert.equal(rec.errors[0].own.retryAfter, 3);
  // unknown SKU → INVALID_PRODUCT_ID by default
  const unknown = await runPurchase(page, { sku: 'no_such_sku' });
  assert.equal(unknown.rec.errors[0].code, 'INVALID_PRODUCT_ID');
});

test('errors are serialised like the host: {...ownProps, name, message, stack, __isError}', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    host.respondOnce('checkoutPayment', { error: { code: 'X1', message: 'boom', name: 'TossError', extra: { a: 1 } } });
    const res = await h.call(sdk.checkoutPayment, { params: { payToken: 'p' } });
    return { res, payload: JSON.parse(host.emitted.at(-1).payload), name: host.emitted.at(-1).name,
      eventId: host.messages.at(-1).eventId };
  });
  assert.equal(r.res.status, 'rejected');
  assert.equal(r.res.error.isError, true);
  assert.equal(r.res.error.message, 'boom');
  assert.equal(r.res.error.name, 'TossError');
  assert.equal(r.res.error.code, 'X1');
  assert.deepEqual(r.res.error.own.extra, { a: 1 });
  assert.equal(r.name, `checkoutPayment/reject/${r.eventId}`);
  assert.deepEqual(Object.keys(r.payload).sort(), ['__isError', 'code', 'extra', 'message', 'name', 'stack']);
  // a plain (non-Error) rejection value passes through unchanged
  const plain = await page.evaluate(async () => {
    host.respondOnce('appLogin', { rejectValue: { reason: 'plain' } });
    return h.call(sdk.appLogin);
  });
  assert.deepEqual(plain.error, { isError: false, value: { reason: 'plain' } });
});

test('host-side version gates resolve undefined below the minimum, on iOS and Android; sandbox bypasses them', async () => {
  const page = await fresh();
  const calls = {
    iapGetProductItemList: [{ android: '5.219.0', ios: '5.219.0' }, 'sdk.IAP.getProductItemList()'],
    getPendingOrders: [{ android: '5.234.0', ios: '5.231.0' }, 'sdk.IAP.getPendingOrders()'],
    getCompletedOrRefundedOrders: [{ android: '5.231.0', ios: '5.231.0' }, 'sdk.IAP.getCompletedOrRefundedOrders()'],
    completeProductGrant: [{ android: '5.233.0', ios: '5.233.0' }, 'sdk.IAP.completeProductGrant({params:{orderId:"o1"}})'],
    getSubscriptionInfo: [{ android: '5.253.0', ios: '5.250.0' }, 'sdk.IAP.getSubscriptionInfo({params:{orderId:"o1"}})'],
    requestTossPayPaysBilling: [{ android: '5.256.0', ios: '5.256.0' }, 'sdk.requestTossPayPaysBilling({params:{wrappedToken:"w"}})'],
    getIsTossLoginIntegratedService: [{ android: '5.237.0', ios: '5.237.0' }, 'sdk.getIsTossLoginIntegratedService()'],
  };
  const below = (v) => { const [a, b, c] = v.split('.').map(Number); return c > 0 ? `${a}.${b}.${c - 1}` : `${a}.${b - 1}.99`; };
  for (const [fn, [min, expr]] of Object.entries(calls)) {
    for (const os of ['ios', 'android']) {
      const r = await page.evaluate(async ({ os, low, exact, expr }) => {
        const run = async (cfg) => { host.configure(cfg); return h.call(() => (0, eval)(expr)); };
        return {
          low: await run({ os, appVersion: low, environment: 'toss' }),
          exact: await run({ os, appVersion: exact, environment: 'toss' }),
          sandbox: await run({ os, appVersion: '5.100.0', environment: 'sandbox' }),
          lastPayload: host.emitted.length,
        };
      }, { os, low: below(min[os]), exact: min[os], expr });
      assert.equal(r.low.status, 'resolved', `${fn} ${os}`);
      assert.equal(r.low.isUndefined, true, `${fn} ${os} below ${min[os]}`);
      assert.equal(r.exact.isUndefined, false, `${fn} ${os} at ${min[os]}`);
      assert.equal(r.sandbox.isUndefined, false, `${fn} ${os} sandbox`);
    }
  }
  // the gate answers with the literal text `undefined`, like the host's template
  const lit = await page.evaluate(async () => {
    host.configure({ os: 'ios', appVersion: '5.200.0', environment: 'toss' });
    await sdk.IAP.getProductItemList();
    return host.emitted.at(-1).payload;
  });
  assert.equal(lit, 'undefined');
  // ungated methods are answered at any version
  const old = await page.evaluate(async () => {
    host.configure({ os: 'android', appVersion: '5.100.0' });
    return [await h.call(sdk.appLogin), await h.call(sdk.checkoutPayment, { params: { payToken: 'p' } })];
  });
  assert.equal(old[0].isUndefined, false);
  assert.deepEqual(old[1].value, { success: true });
});

test('an unparsable app version makes gated calls reject with the SDK\'s semver error', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => { host.configure({ appVersion: 'garbage' }); return h.call(sdk.IAP.getPendingOrders); });
  assert.equal(r.status, 'rejected');
  assert.equal(r.error.message, "Invalid semver: 'garbage'");
});

test('page-side gate below 5.219.0: createOneTimePurchaseOrder is a silent no-op (nothing posted, no callback)', async () => {
  const page = await fresh();
  for (const os of ['ios', 'android']) {
    const r = await page.evaluate(async (os) => {
      host.reset();
      host.configure({ os, appVersion: '5.218.9' });
      const rec = h.purchase({ sku: 'gem_100' });
      rec.cleanup();
      await host.idle();
      return { rec: h.snapshot(rec), messages: host.messages.length };
    }, os);
    assert.equal(r.messages, 0, os);
    assert.deepEqual(r.rec.outcomes, []);
    assert.deepEqual(r.rec.grants, []);
    assert.equal(r.rec.cleanupIsFunction, true);
  }
  // subscriptions: 5.248.0 android / 5.249.0 iOS
  const sub = await page.evaluate(async () => {
    host.reset();
    host.configure({ os: 'ios', appVersion: '5.248.5' });
    const rec = h.purchase({ sku: 'pro_monthly', subscription: true });
    await host.idle();
    const iosCount = host.messages.length;
    host.configure({ os: 'android', appVersion: '5.248.5' });
    h.purchase({ sku: 'pro_monthly', subscription: true });
    await host.idle();
    return { iosCount, rec: h.snapshot(rec), androidMsgs: host.messages.map((m) => m.functionName) };
  });
  assert.equal(sub.iosCount, 0);
  assert.deepEqual(sub.rec.outcomes, []);
  assert.deepEqual(sub.androidMsgs, ['requestSubscriptionPurchase', 'processProductGrant']);
  // without the constants map the SDK throws synchronously
  const thrown = await page.evaluate(() => {
    host.uninstall();
    try { h.purchase({ sku: 'gem_100' }); return null; } catch (e) { return e.message; }
  });
  assert.equal(thrown, 'getOperationalEnvironment is not a constant handler');
});

test('legacy flow below 5.231.1 (android) / 5.230.0 (iOS): one-shot iapCreateOneTimePurchaseOrder, no processProductGrant message', async () => {
  const page = await fresh();
  for (const [os, version] of [['android', '5.231.0'], ['ios', '5.229.9']]) {
    const r = await page.evaluate(async ({ os, version }) => {
      host.reset();
      host.configure({ os, appVersion: version });
      host.purchase({ orderId: `LEGACY-${os}` });
      const rec = h.purchase({ sku: 'gem_100' });
      await host.idle();
      return { rec: h.snapshot(rec), messages: host.messages };
    }, { os, version });
    assert.deepEqual(r.messages.map((m) => [m.type, m.functionName, m.args]),
      [['method', 'iapCreateOneTimePurchaseOrder', [{ productId: 'gem_100' }]]], os);
    assert.deepEqual(r.rec.grants, [{ orderId: `LEGACY-${os}` }]);
    assert.deepEqual(r.rec.outcomes, ['event']);
    assert.equal(r.rec.events[0].type, 'success');
    assert.equal(r.rec.events[0].data.orderId, `LEGACY-${os}`);
    assert.equal(r.rec.events[0].data.displayName, '보석 100개');
  }
  // at the boundary the new event flow is used
  const boundary = await page.evaluate(async () => {
    host.reset();
    host.configure({ os: 'android', appVersion: '5.231.1' });
    h.purchase({ sku: 'gem_100' });
    await host.idle();
    return host.messages.map((m) => m.functionName);
  });
  assert.deepEqual(boundary, ['requestOneTimePurchase', 'processProductGrant']);
  // legacy errors reach onError; deprecated productId option works
  const err = await page.evaluate(async () => {
    host.reset();
    host.configure({ os: 'ios', appVersion: '5.225.0' });
    host.purchase({ error: 'USER_CANCELED' });
    const rec = h.purchase({ productId: 'gem_500' });
    await host.idle();
    return { rec: h.snapshot(rec), args: host.messages[0].args };
  });
  assert.deepEqual(err.args, [{ productId: 'gem_500' }]);
  assert.deepEqual(err.rec.outcomes, ['error']);
  assert.equal(err.rec.errors[0].code, 'USER_CANCELED');
});

test('never answering: the Promise stays pending while later calls settle; host.answer settles it later', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    host.respondOnce('appLogin', { never: true });
    const first = h.track(sdk.appLogin());
    const second = await h.call(sdk.appLogin);
    await host.idle();
    const statusBefore = first.status;
    const pending = host.pending.map((m) => m.functionName);
    const eventId = host.pending[0].eventId;
    await host.answer(eventId, { result: { authorizationCode: 'late', referrer: 'DEFAULT' } });
    await first.done;
    return { statusBefore, second: second.status, pending, after: first.status, value: first.value, pendingAfter: host.pending.length };
  });
  assert.equal(r.statusBefore, 'pending');
  assert.equal(r.second, 'resolved');
  assert.deepEqual(r.pending, ['appLogin']);
  assert.equal(r.after, 'resolved');
  assert.equal(r.value.authorizationCode, 'late');
  assert.equal(r.pendingAfter, 0);
  // unknown methods are never answered either (the real host only logs "X is not a function")
  const unknown = await page.evaluate(async () => {
    const bridge = sdk.createAsyncBridge('noSuchMethod');
    const p = h.track(bridge());
    await h.call(sdk.appLogin);
    await host.idle();
    return { status: p.status, pending: host.pending.map((m) => m.functionName) };
  });
  assert.equal(unknown.status, 'pending');
  assert.deepEqual(unknown.pending, ['noSuchMethod']);
  assert.ok(page.problems.some((p) => p.includes('noSuchMethod is not a function')));
  // a purchase that never answers
  const { rec } = await runPurchase(page, { sku: 'gem_100' }, { never: true });
  assert.deepEqual(rec.outcomes, []);
  assert.deepEqual(rec.grants, []);
});

test('answering twice: the first answer settles, the second is ignored', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    host.respondOnce('checkoutPayment', { twice: [{ result: { success: true } }, { error: 'NETWORK_ERROR' }] });
    host.respondOnce('checkoutPayment', { twice: [{ error: 'NETWORK_ERROR' }, { result: { success: true } }] });
    const a = await h.call(sdk.checkoutPayment, { params: { payToken: 'a' } });
    const b = await h.call(sdk.checkoutPayment, { params: { payToken: 'b' } });
    await host.idle();
    return { a, b, names: host.emitted.map((e) => e.name.split('/').slice(0, 2).join('/')) };
  });
  assert.deepEqual(r.a.value, { success: true });
  assert.equal(r.b.status, 'rejected');
  assert.equal(r.b.error.code, 'NETWORK_ERROR');
  assert.deepEqual(r.names, ['checkoutPayment/resolve', 'checkoutPayment/reject', 'checkoutPayment/reject', 'checkoutPayment/resolve']);
  assert.deepEqual(page.problems, []);
});

test('malformed raw payloads are spliced as JS literals', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    host.respondOnce('iapGetProductItemList', { raw: '"oops"' });
    host.respondOnce('iapGetProductItemList', { raw: '{"products": 5}' });
    host.respondOnce('iapGetProductItemList', { raw: 'undefined' });
    host.respondOnce('iapGetProductItemList', { raw: 'null' });
    host.respondOnce('iapGetProductItemList', { raw: '"not an error"', reject: true });
    const out = [];
    for (let i = 0; i < 5; i++) out.push(await h.call(sdk.IAP.getProductItemList));
    return out;
  });
  assert.deepEqual(r[0].value, 'oops');
  assert.deepEqual(r[1].value, { products: 5 });
  assert.equal(r[2].isUndefined, true);
  assert.equal(r[3].value, null);
  assert.deepEqual(r[4].error, { isError: false, value: 'not an error' });
  // a syntactically broken payload: the injected script fails, the call never settles
  const broken = await page.evaluate(async () => {
    host.respondOnce('getPendingOrders', { raw: '{' });
    const p = h.track(sdk.IAP.getPendingOrders());
    await h.call(sdk.appLogin);
    await host.idle();
    return { status: p.status, errors: host.errors.length };
  });
  assert.equal(broken.status, 'pending');
  assert.equal(broken.errors, 1);
});

test('scripted outcomes: result, undefined, delay, function with fall-through, persistent vs one-shot order', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    host.respond('checkoutPayment', { result: { success: false, reason: 'persistent' } });
    host.respondOnce('checkoutPayment', { delayMs: 5, result: { success: true } });
    const a = await h.call(sdk.checkoutPayment, { params: { payToken: 'a' } });
    const b = await h.call(sdk.checkoutPayment, { params: { payToken: 'b' } });
    host.respondOnce('appLogin', { undefined: true });
    const c = await h.call(sdk.appLogin);
    host.respond('iapGetProductItemList', (args, msg) => (msg.functionName === 'iapGetProductItemList' && args.length === 1
      ? { result: { products: [] } } : undefined));
    const d = await h.call(sdk.IAP.getProductItemList, 'x');
    const e = await h.call(sdk.IAP.getProductItemList);
    host.clearResponses();
    const f = await h.call(sdk.checkoutPayment, { params: { payToken: 'f' } });
    return { a, b, c, d, e: e.value.products.length, f };
  });
  assert.deepEqual(r.a.value, { success: true });
  assert.deepEqual(r.b.value, { success: false, reason: 'persistent' });
  assert.equal(r.c.isUndefined, true);
  assert.deepEqual(r.d.value, { products: [] });
  assert.ok(r.e > 0);
  assert.deepEqual(r.f.value, { success: true });
});

test('duplicate purchased: the grant runs twice for the same orderId, success arrives once', async () => {
  const page = await fresh();
  const { rec, messages } = await runPurchase(page, { sku: 'gem_100' }, { duplicatePurchased: true, orderId: 'DUP-1' });
  assert.deepEqual(rec.grants, [{ orderId: 'DUP-1' }, { orderId: 'DUP-1' }]);
  assert.deepEqual(messages.filter((m) => m.functionName === 'processProductGrant').map((m) => m.args[0]),
    [{ orderId: 'DUP-1', isProductGranted: true }, { orderId: 'DUP-1', isProductGranted: true }]);
  assert.deepEqual(rec.outcomes, ['event']);
});

test('errorThenSuccess: onError then a success event; successTwice: two successes; errorAfterGrant', async () => {
  const page = await fresh();
  const a = await runPurchase(page, { sku: 'gem_100' }, { errorThenSuccess: true, orderId: 'ETS-1' });
  assert.deepEqual(a.rec.outcomes, ['error', 'event']);
  assert.equal(a.rec.errors[0].code, 'NETWORK_ERROR');
  assert.equal(a.rec.events[0].data.orderId, 'ETS-1');
  const a2 = await runPurchase(page, { sku: 'gem_100' }, { errorThenSuccess: 'PAYMENT_PENDING' });
  assert.equal(a2.rec.errors[0].code, 'PAYMENT_PENDING');
  const b = await runPurchase(page, { sku: 'gem_100' }, { successTwice: true });
  assert.deepEqual(b.rec.outcomes, ['event', 'event']);
  assert.equal(b.rec.grants.length, 1);
  const c = await runPurchase(page, { sku: 'gem_100' }, { errorAfterGrant: 'INTERNAL_ERROR' });
  assert.deepEqual(c.rec.outcomes, ['error']);
  assert.equal(c.rec.grants.length, 1);
  assert.equal(c.rec.errors[0].code, 'INTERNAL_ERROR');
  // the processProductGrant bridge call rejecting: onError and then success (SDK behaviour, §2.4)
  const d = await page.evaluate(async () => {
    host.respondOnce('processProductGrant', { error: 'NETWORK_ERROR' });
    const rec = h.purchase({ sku: 'gem_100' });
    await host.idle();
    return h.snapshot(rec);
  });
  assert.deepEqual(d.outcomes, ['error', 'event']);
  // custom result fields are merged into the success data
  const e = await runPurchase(page, { sku: 'gem_100' }, { result: { displayAmount: '0원', amount: 0 } });
  assert.equal(e.rec.events[0].data.amount, 0);
  assert.equal(e.rec.events[0].data.displayName, '보석 100개');
  // persistent scenario, and a function scenario receiving the options
  const f = await page.evaluate(async () => {
    host.purchaseAlways((options) => ({ error: options.sku === 'gem_500' ? 'ITEM_ALREADY_OWNED' : 'USER_CANCELED' }));
    const x = h.purchase({ sku: 'gem_500' });
    const y = h.purchase({ sku: 'gem_100' });
    await host.idle();
    host.purchaseAlways(null);
    return [x.errors[0].code, y.errors[0].code];
  });
  assert.deepEqual(f, ['ITEM_ALREADY_OWNED', 'USER_CANCELED']);
});

test('history paging: {key} → {hasNext, nextKey, orders}; completed purchases appear first', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    const pages = [await sdk.IAP.getCompletedOrRefundedOrders()];
    while (pages.at(-1).hasNext) pages.push(await sdk.IAP.getCompletedOrRefundedOrders({ key: pages.at(-1).nextKey }));
    const args = host.messages.map((m) => m.args);
    const bogus = await sdk.IAP.getCompletedOrRefundedOrders({ key: 'no-such-key' });
    return { pages, args, bogus };
  });
  assert.deepEqual(r.pages.map((p) => p.orders.length), [2, 2, 1]);
  assert.deepEqual(r.pages.map((p) => p.hasNext), [true, true, false]);
  assert.equal(r.pages[2].nextKey, null);
  assert.deepEqual(r.args[0], []);
  assert.deepEqual(r.args[1], [{ key: r.pages[0].nextKey }]);
  const all = r.pages.flatMap((p) => p.orders);
  assert.equal(new Set(all.map((o) => o.orderId)).size, 5);
  assert.ok(all.some((o) => o.status === 'REFUNDED'));
  for (const o of all) assert.match(o.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.deepEqual(r.bogus, { hasNext: false, nextKey: null, orders: [] });
  // custom data and page size
  const custom = await page.evaluate(async () => {
    host.configure({ data: { pageSize: 10, history: [{ orderId: 'h1', sku: 's', status: 'REFUNDED', date: '2026-01-01T00:00:00' }] } });
    return sdk.IAP.getCompletedOrRefundedOrders();
  });
  assert.deepEqual(custom, { hasNext: false, nextKey: null,
    orders: [{ orderId: 'h1', sku: 's', status: 'REFUNDED', date: '2026-01-01T00:00:00' }] });
});

test('uninstall removes the globals ("no host"); install brings them back; reset restores defaults', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    host.respond('appLogin', { result: { authorizationCode: 'scripted', referrer: 'DEFAULT' } });
    host.configure({ appVersion: '5.220.0' });
    host.uninstall();
    const gone = { rn: 'ReactNativeWebView' in window, map: '__CONSTANT_HANDLER_MAP' in window,
      emitter: typeof window.__GRANITE_NATIVE_EMITTER };
    const login = await h.call(sdk.appLogin);
    let constant;
    try { sdk.getTossAppVersion(); } catch (e) { constant = e.message; }
    host.install();
    const back = await h.call(sdk.appLogin);
    host.reset();
    const afterReset = { version: sdk.getTossAppVersion(), login: (await sdk.appLogin()).authorizationCode,
      messages: host.messages.length };
    return { gone, login, constant, back, afterReset };
  });
  assert.deepEqual(r.gone, { rn: false, map: false, emitter: 'object' });
  assert.equal(r.login.status, 'rejected');
  assert.equal(r.login.error.message, 'ReactNativeWebView is not available in browser environment');
  assert.equal(r.constant, 'getTossAppVersion is not a constant handler');
  assert.equal(r.back.value.authorizationCode, 'scripted');
  assert.equal(r.afterReset.version, '5.260.0');
  assert.notEqual(r.afterReset.login, 'scripted');
  assert.equal(r.afterReset.messages, 1);
});

test('fireEvent reaches active subscriptions; waitForMessage finds past and future messages', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    const got = [];
    const cleanup = sdk.SafeAreaInsets.subscribe({ onEvent: (e) => got.push(e) });
    const add = await host.waitForMessage({ type: 'addEventListener', functionName: 'safeAreaInsetsChange' });
    host.fireEvent('safeAreaInsetsChange', { top: 47, bottom: 34, left: 0, right: 0 });
    await host.idle();
    const future = host.waitForMessage((m) => m.type === 'removeEventListener');
    cleanup();
    const rm = await future;
    return { got, same: rm.eventId === add.eventId };
  });
  assert.deepEqual(r.got, [{ top: 47, bottom: 34, left: 0, right: 0 }]);
  assert.equal(r.same, true);
});

test('interactive order sheet (Korean overlay, no iframe): 구매, 취소 and the error-code picker', async () => {
  const page = await fresh();
  await page.evaluate(() => { host.purchase({ interactive: true }); window.__rec = h.purchase({ sku: 'gem_100' }); });
  await page.waitForSelector('[data-dev-host="sheet"]');
  const text = await page.textContent('[data-dev-host="sheet"]');
  assert.match(text, /보석 100개/);
  assert.match(text, /1,200원/);
  assert.match(text, /구매/);
  assert.match(text, /취소/);
  assert.equal(await page.locator('iframe').count(), 0);
  await page.click('[data-dev-host-action="confirm"]');
  const ok = await page.evaluate(async () => { await host.idle(); return h.snapshot(window.__rec); });
  assert.deepEqual(ok.outcomes, ['event']);
  assert.equal(await page.locator('[data-dev-host="sheet"]').count(), 0);

  await page.evaluate(() => { host.purchase({ interactive: true }); window.__rec = h.purchase({ sku: 'gem_100' }); });
  await page.click('[data-dev-host-action="cancel"]');
  const canceled = await page.evaluate(async () => { await host.idle(); return h.snapshot(window.__rec); });
  assert.equal(canceled.errors[0].code, 'USER_CANCELED');

  await page.evaluate(() => { host.configure({ interactive: true }); window.__rec = h.purchase({ sku: 'gem_100' }); });
  await page.selectOption('[data-dev-host-field="error-code"]', 'KOREAN_ACCOUNT_ONLY');
  await page.click('[data-dev-host-action="error"]');
  const picked = await page.evaluate(async () => { await host.idle(); return h.snapshot(window.__rec); });
  assert.equal(picked.errors[0].code, 'KOREAN_ACCOUNT_ONLY');

  // checkoutPayment sheet in interactive mode
  await page.evaluate(() => { window.__pay = h.track(sdk.checkoutPayment({ params: { payToken: 'PT-9' } })); });
  await page.waitForSelector('[data-dev-host="sheet"]');
  assert.match(await page.textContent('[data-dev-host="sheet"]'), /토스페이 결제/);
  await page.click('[data-dev-host-action="cancel"]');
  const pay = await page.evaluate(async () => { await window.__pay.done; return window.__pay.value; });
  assert.equal(pay.success, false);
});

test('bundled with esbuild together with the real SDK (as the Rust browser tests use it), a purchase runs end to end', async () => {
  const { build } = await import('esbuild');
  const { sdkAliases, repoRoot } = await import('../../scripts/lib/import-map.mjs');
  const out = await build({
    stdin: {
      contents: `import * as sdk from '@apps-in-toss/web-framework';
        import { installDevHost } from './www/dev-host.js';
        window.sdk = sdk; window.host = installDevHost({ os: 'android', appVersion: '5.250.0' });`,
      resolveDir: repoRoot, sourcefile: 'entry.js',
    },
    bundle: true, format: 'iife', write: false, alias: sdkAliases(), logLevel: 'silent',
  });
  assert.deepEqual(out.warnings, []);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/tests/js/pages/blank.html`);
    await page.addScriptTag({ content: out.outputFiles[0].text });
    const r = await page.evaluate(async () => {
      const got = [];
      sdk.IAP.createOneTimePurchaseOrder({ options: { sku: 'gem_100', processProductGrant: () => true },
        onEvent: (e) => got.push(e.type), onError: (e) => got.push(e.code) });
      await host.idle();
      return { got, version: sdk.getTossAppVersion(), fns: host.messages.map((m) => m.functionName) };
    });
    assert.deepEqual(r, { got: ['success'], version: '5.250.0', fns: ['requestOneTimePurchase', 'processProductGrant'] });
  } finally {
    await context.close();
  }
});
