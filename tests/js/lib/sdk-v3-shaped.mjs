// A 3.x-SHAPED `@apps-in-toss/web-framework` module and a 3.x-shaped host, for tests only. NOT the real SDK 3.x:
// the registry reachable here serves the SDK up to 2.10.8 only, so this module is written from the facts collected in
// the team's `sdk-v3.md` ("The web SDK's 3.x line", the public code that uses or observes 3.x) and nothing else, so
// the package can be tested against what is known of 3.x. Every 2.10.8 test keeps running against the real SDK.
//
// Facts used, each with its line in sdk-v3.md ("What changed that touches payments" and "Shapes seen on real devices"):
// * sdk-v3.md:21-22  3.x calls `window.__appsInTossNativeBridge.callAsyncMethod(name, params)`, which returns the
//                    native promise. The host below is ONLY that object: no `window.ReactNativeWebView`, no
//                    `window.__CONSTANT_HANDLER_MAP`, no `window.__GRANITE_NATIVE_EMITTER` (the 2.x transport, :19-21).
// * sdk-v3.md:24-25  `TossPay.authorize({ payToken })` replaces `checkoutPayment({ params: { payToken } })` (no
//                    `params` wrapper); `checkoutPayment` and `TossPay.checkoutPayment` remain, deprecated. Both
//                    deprecated functions are here and record their calls, so a test can prove they are not used.
// * sdk-v3.md:26     `TossPay.authorizeSubscription({ wrappedToken })` replaces `requestTossPayPaysBilling` (so this
//                    module has no `requestTossPayPaysBilling`: the fact says it was replaced, not that it remains).
// * sdk-v3.md:27     `appLogin` stays; it is also `TossAuth.login` (the same function here).
// * sdk-v3.md:28-33  IAP keeps its member names (`createOneTimePurchaseOrder`, `createSubscriptionPurchaseOrder`,
//                    `getProductItemList`, `getPendingOrders`, `completeProductGrant`, `getCompletedOrRefundedOrders`,
//                    `getSubscriptionInfo`), each with an `isSupported()` and a minimum app version; the minimums are
//                    the table MIN_VERSIONS below, copied from those lines.
// * sdk-v3.md:34     3.x throws where 2.x resolved `undefined`; at least one call throws `UNSUPPORTED_APP_VERSION`.
//                    Here a function whose `isSupported()` is false throws an Error with `code: 'UNSUPPORTED_APP_VERSION'`
//                    (async calls reject, the two purchase calls throw synchronously), and the host can be told to
//                    reject with that code too (the native side's own gate).
// * sdk-v3.md:39-41  Replies seen on devices: `getPendingOrders` resolves `{ orders, orderIds }`, a last page of
//                    `getCompletedOrRefundedOrders` can lack `nextKey`, `getSubscriptionInfo` resolves `{}` when
//                    nothing is set up. The default host answers exactly these shapes (plus extra keys elsewhere).
//
// What sdk-v3.md does NOT say, and how this module fills it (assumptions, kept minimal and named):
// * sdk-v3.md:35 says the native method names are unknown: `callAsyncMethod` gets the module path of the function
//   (`'TossPay.authorize'`, `'IAP.getProductItemList'`, ...) and the function's argument as `params`, unchanged.
// * Where the constants `getPlatformOS`, `getTossAppVersion`, `getOperationalEnvironment` come from in 3.x is not
//   known; here they are functions of the module answering the configured values (the 2.x names and values,
//   sdk-web-bridge.md §1.2), and the host has no constant table.
// * `isSupported()` answers from the configured app version against MIN_VERSIONS (no sandbox bypass: sdk-v3.md does
//   not mention one), unless a test overrides it per function (`supported`). Functions without a known minimum
//   (TossPay.*, appLogin) answer true.
// * Argument and result shapes not restated in sdk-v3.md are the 2.x ones (sdk-web-bridge.md §1.2), since the member
//   names are unchanged: `TossPay.authorize` resolves `{ success, reason? }`; the purchase calls take
//   `{ options: { sku, processProductGrant, offerId? }, onEvent, onError }` and return a cleanup function.
// * The call with no host at all rejects with a plain Error (what 3.x does then is not known).

// sdk-v3.md:30-33, per function path: [android, ios].
export const MIN_VERSIONS = {
  'IAP.createOneTimePurchaseOrder': { android: '5.219.0', ios: '5.219.0' },
  'IAP.getProductItemList': { android: '5.219.0', ios: '5.219.0' },
  'IAP.getPendingOrders': { android: '5.234.0', ios: '5.231.0' },
  'IAP.getCompletedOrRefundedOrders': { android: '5.234.0', ios: '5.231.0' },
  'IAP.completeProductGrant': { android: '5.233.0', ios: '5.233.0' },
  'IAP.createSubscriptionPurchaseOrder': { android: '5.248.0', ios: '5.249.0' },
  'IAP.getSubscriptionInfo': { android: '5.253.0', ios: '5.250.0' },
};

// Numeric x.y.z comparison (enough for the versions these tests configure).
function atLeast(version, minimum) {
  const a = String(version).split('.').map(Number);
  const b = String(minimum).split('.').map(Number);
  for (let i = 0; i < 3; i += 1) {
    if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
  }
  return true;
}

/** The `{ code: 'UNSUPPORTED_APP_VERSION' }`-style error 3.x throws where 2.x resolved `undefined` (sdk-v3.md:34). */
export function unsupportedError(path) {
  return Object.assign(new Error(`${path} is not supported by this Toss app version`), { code: 'UNSUPPORTED_APP_VERSION' });
}

/**
 * Builds a 3.x-shaped module object (what `import * as sdk from '@apps-in-toss/web-framework'` would give) plus the
 * records a test reads.
 *
 * config: { platform = 'android', appVersion = '5.260.0', environment = 'toss',
 *           supported = { [path]: boolean }   overrides a function's isSupported() answer,
 *           withIsSupported = true            false: no function has isSupported (a module that cannot tell) }
 * Returns { sdk, calls, asked, configure(patch) }:
 *   calls: every module function called, in order: { fn: 'TossPay.authorize', args: [...] } (JSON-safe copies);
 *   asked: every isSupported() asked: { fn, answer }.
 */
export function createSdkV3(config = {}) {
  const settings = { platform: 'android', appVersion: '5.260.0', environment: 'toss', supported: {}, withIsSupported: true, ...config };
  const calls = [];
  const asked = [];
  const copy = (args) => JSON.parse(JSON.stringify(args, (k, v) => (typeof v === 'function' ? '[function]' : v)) ?? 'null');

  const supported = (path) => {
    if (path in settings.supported) return settings.supported[path];
    const min = MIN_VERSIONS[path];
    if (!min) return true;
    return atLeast(settings.appVersion, settings.platform === 'ios' ? min.ios : min.android);
  };

  // sdk-v3.md:21-22: the only transport. Read at call time, like the 2.x SDK reads its globals.
  const native = (name, params) => {
    const bridge = globalThis.__appsInTossNativeBridge;
    if (!bridge || typeof bridge.callAsyncMethod !== 'function') {
      return Promise.reject(new Error(`${name}: window.__appsInTossNativeBridge is not available`));
    }
    return bridge.callAsyncMethod(name, params);
  };

  // An SDK function: records its call, carries isSupported() (sdk-v3.md:30), throws UNSUPPORTED_APP_VERSION when
  // unsupported (sdk-v3.md:34).
  const fn = (path, body) => {
    const f = (...args) => {
      calls.push({ fn: path, args: copy(args) });
      return body(...args);
    };
    if (settings.withIsSupported) {
      f.isSupported = () => {
        const answer = supported(path);
        asked.push({ fn: path, answer });
        return answer;
      };
    }
    return f;
  };
  const asyncCall = (path) => fn(path, async (params) => {
    if (!supported(path)) throw unsupportedError(path);
    return native(path, params);
  });

  // The two purchase calls (2.x argument shape, sdk-web-bridge.md §1.2): the order, the partner's grant, the outcome.
  const purchaseCall = (path) => fn(path, ({ options, onEvent, onError }) => {
    if (!supported(path)) throw unsupportedError(path);
    let active = true;
    (async () => {
      try {
        const { sku, offerId } = options;
        const order = await native(path, offerId === undefined ? { sku } : { sku, offerId });
        const { subscriptionId, ...data } = order;
        const granted = await options.processProductGrant(subscriptionId === undefined
          ? { orderId: order.orderId } : { orderId: order.orderId, subscriptionId });
        await native('IAP.processProductGrant', { orderId: order.orderId, isProductGranted: granted === true });
        if (!active) return;
        if (granted === true) onEvent({ type: 'success', data });
        else onError(Object.assign(new Error('the partner did not grant the product'), { code: 'PRODUCT_NOT_GRANTED_BY_PARTNER' }));
      } catch (e) {
        if (active) onError(e);
      }
    })();
    return () => { active = false; };
  });

  const appLogin = asyncCall('appLogin');
  const checkoutPayment = asyncCall('checkoutPayment'); // deprecated (sdk-v3.md:25)
  const sdk = Object.create(null);
  Object.assign(sdk, {
    // sdk-v3.md:24-26
    TossPay: Object.freeze({
      authorize: asyncCall('TossPay.authorize'),
      authorizeSubscription: asyncCall('TossPay.authorizeSubscription'),
      checkoutPayment: asyncCall('TossPay.checkoutPayment'), // deprecated (sdk-v3.md:25)
    }),
    checkoutPayment,
    // sdk-v3.md:27
    appLogin,
    TossAuth: Object.freeze({ login: appLogin }),
    // sdk-v3.md:28-33
    IAP: Object.freeze({
      createOneTimePurchaseOrder: purchaseCall('IAP.createOneTimePurchaseOrder'),
      createSubscriptionPurchaseOrder: purchaseCall('IAP.createSubscriptionPurchaseOrder'),
      getProductItemList: asyncCall('IAP.getProductItemList'),
      getPendingOrders: asyncCall('IAP.getPendingOrders'),
      completeProductGrant: asyncCall('IAP.completeProductGrant'),
      getCompletedOrRefundedOrders: asyncCall('IAP.getCompletedOrRefundedOrders'),
      getSubscriptionInfo: asyncCall('IAP.getSubscriptionInfo'),
    }),
    // The constants, under their 2.x names (an assumption: see the header).
    getPlatformOS: () => settings.platform,
    getTossAppVersion: () => settings.appVersion,
    getOperationalEnvironment: () => settings.environment,
  });
  // What a module namespace looks like (`import * as sdk`): null prototype, tagged 'Module', frozen.
  Object.defineProperty(sdk, Symbol.toStringTag, { value: 'Module' });
  Object.freeze(sdk);

  return {
    sdk,
    calls,
    asked,
    configure(patch) {
      Object.assign(settings, patch, patch.supported ? { supported: { ...settings.supported, ...patch.supported } } : {});
    },
  };
}

// The default native answers: the reply shapes seen on devices (sdk-v3.md:39-41), with extra keys elsewhere too.
function defaultAnswers() {
  let orderSeq = 0;
  const history = {
    first: { hasNext: true, nextKey: 'page-2', serverTime: '2026-08-30T12:00:00', orders: [
      { orderId: 'h-1', sku: 'gem_100', status: 'COMPLETED', date: '2026-08-01T10:00:00' },
      { orderId: 'h-2', sku: 'remove_ads', status: 'REFUNDED', date: '2026-08-02T11:00:00', refundReason: 'user' },
    ] },
    // The last page, without nextKey (sdk-v3.md:40).
    last: { hasNext: false, orders: [{ orderId: 'h-3', sku: 'gem_100', status: 'COMPLETED', date: '2026-08-03T09:30:00' }] },
  };
  return {
    appLogin: () => ({ authorizationCode: 'v3-auth-code', referrer: 'DEFAULT' }),
    'TossPay.authorize': () => ({ success: true }),
    'TossPay.authorizeSubscription': () => ({ success: true }),
    'TossPay.checkoutPayment': () => ({ success: true }),
    checkoutPayment: () => ({ success: true }),
    'IAP.getProductItemList': () => ({
      products: [
        { sku: 'gem_100', type: 'CONSUMABLE', displayName: '보석 100개', displayAmount: '1,100원', iconUrl: 'https://static.toss.im/gem.png', description: '보석 100개', badge: 'NEW' },
        { sku: 'remove_ads', type: 'NON_CONSUMABLE', displayName: '광고 제거', displayAmount: '3,300원', iconUrl: 'https://static.toss.im/ads.png', description: '광고 없이' },
        { sku: 'pro_monthly', type: 'SUBSCRIPTION', displayName: '프로 월간', displayAmount: '4,900원', iconUrl: 'https://static.toss.im/pro.png', description: '매달', renewalCycle: 'MONTHLY',
          offers: [{ type: 'FREE_TRIAL', offerId: 'trial', period: 'P7D' }] },
        // A subscription without the optional `offers`.
        { sku: 'pro_yearly', type: 'SUBSCRIPTION', displayName: '프로 연간', displayAmount: '49,000원', iconUrl: 'https://static.toss.im/pro.png', description: '매년', renewalCycle: 'YEARLY' },
      ],
      catalogVersion: 3,
    }),
    // `{ orders, orderIds }` (sdk-v3.md:39).
    'IAP.getPendingOrders': () => ({
      orders: [
        { orderId: 'p-1', sku: 'gem_100', paymentCompletedDate: '2026-08-01T10:00:00' },
        { orderId: 'p-2', sku: 'remove_ads', paymentCompletedDate: '2026-08-01T10:05:00' },
      ],
      orderIds: ['p-1', 'p-2'],
    }),
    'IAP.completeProductGrant': () => true,
    'IAP.getCompletedOrRefundedOrders': (params) => (params && params.key === 'page-2' ? history.last : history.first),
    // `{}` when nothing is set up (sdk-v3.md:40).
    'IAP.getSubscriptionInfo': () => ({}),
    'IAP.createOneTimePurchaseOrder': () => ({ orderId: `v3-order-${++orderSeq}`, displayName: '보석 100개', displayAmount: '1,100원',
      amount: 1100, currency: 'KRW', fraction: 0, miniAppIconUrl: null }),
    'IAP.createSubscriptionPurchaseOrder': () => ({ orderId: `v3-sub-${++orderSeq}`, subscriptionId: `v3-subscription-${orderSeq}`,
      displayName: '프로 월간', displayAmount: '4,900원', amount: 4900, currency: 'KRW', fraction: 0, miniAppIconUrl: null }),
    'IAP.processProductGrant': () => undefined,
  };
}

/**
 * Installs the 3.x-shaped host: `window.__appsInTossNativeBridge = { callAsyncMethod(name, params) }` and nothing
 * else (sdk-v3.md:21-22). Answers come from the default table above unless `respond` replaced them.
 * Returns { calls, respond(name, answer), uninstall() }:
 *   calls: every native call, in order: { name, params } (JSON-safe copies);
 *   answer: a function (params) => value | Promise, or { result } to resolve, or { error } to reject with that value
 *           as is, or { errorCode, message } to reject with an Error carrying `code`, or { never: true }.
 * Unknown names reject (a native method the host does not have).
 */
export function installNativeBridge(target = globalThis) {
  const answers = defaultAnswers();
  const calls = [];
  const bridge = {
    callAsyncMethod(name, params) {
      calls.push({ name, params: params === undefined ? null : JSON.parse(JSON.stringify(params)) });
      const answer = answers[name];
      return new Promise((resolve, reject) => {
        // Asynchronous, like a native reply.
        setTimeout(async () => {
          try {
            if (answer === undefined) throw new Error(`native method ${name} is not implemented by this host`);
            if (typeof answer === 'function') { resolve(await answer(params)); return; }
            if (answer.never) return;
            if ('error' in answer) { reject(answer.error); return; }
            if ('errorCode' in answer) {
              reject(Object.assign(new Error(answer.message ?? `${name} failed`), { code: answer.errorCode }));
              return;
            }
            resolve(answer.result);
          } catch (e) {
            reject(e);
          }
        }, 0);
      });
    },
  };
  target.__appsInTossNativeBridge = bridge;
  return {
    calls,
    respond(name, answer) { answers[name] = answer; },
    uninstall() { if (target.__appsInTossNativeBridge === bridge) delete target.__appsInTossNativeBridge; },
  };
}
