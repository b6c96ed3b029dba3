// dev-host.js — emulates the Toss app host (the React-Native WebView side of Apps in Toss) in a plain browser page.
//
// Dependency-free ES module. It speaks the wire protocol of @apps-in-toss/web-framework 2.10.8 byte for byte
// (see ../shared/sdk-web-bridge.md §2–§4):
//   page → host: window.ReactNativeWebView.postMessage(JSON string) with
//                {type:'method'|'addEventListener'|'removeEventListener', functionName, eventId, args}
//   host → page: a script `window.__GRANITE_NATIVE_EMITTER.emit('<fn>/<channel>/<eventId>', <JS literal>);`
//                evaluated asynchronously, like react-native-webview's injectJavaScript. Channels: resolve/reject for
//                methods, onEvent/onError for event subscriptions. Errors are serialised like the host:
//                {...ownEnumerableProps, name, message, stack, __isError: true}. A result of undefined becomes the text
//                `undefined`. __GRANITE_NATIVE_EMITTER is never defined here (the SDK creates it on import); it is
//                looked up at emit time.
//   constants:   window.__CONSTANT_HANDLER_MAP (getPlatformOS, getTossAppVersion, getOperationalEnvironment, ...).
// No iframe is used anywhere. The interactive order sheet is an overlay in the page itself.
//
// API
//   installDevHost(config?) → host        create a host and install it (defines window.ReactNativeWebView and
//                                          window.__CONSTANT_HANDLER_MAP). createDevHost(config?) creates without installing.
//   config / host.configure(partial):
//     os: 'ios'|'android' ('ios'), appVersion: '5.260.0', environment: 'toss'|'sandbox' ('toss'),
//     constants: {extra or overriding constant-map entries; a value of undefined removes the key},
//     hostGates: true (emulate the host-side minimum versions of HOST_MIN_VERSIONS),
//     strictSkus: true (purchasing a SKU missing from data.products fails with INVALID_PRODUCT_ID),
//     interactive: false (purchases and checkoutPayment show a Korean sheet a person answers),
//     instant: false (answers with no delay come in a microtask instead of a 0 ms timer, which browsers clamp to
//       4 ms when nested: benchmarks of the bridge's own overhead use it),
//     data: {products, pendingOrders, history, pageSize, subscriptions, isTossLoginIntegratedService},
//     sandbox: null | {controlUrl, userKey = '1234', payMethod?, pageSize?}   sandbox mode, see SANDBOX MODE below
//     configure() re-injects the constants map (a new object, like the real host's re-injection).
//   host.respond(functionName, outcome)      persistent scripted answer for a method (wire functionName)
//   host.respondOnce(functionName, outcome)  queued one-shot answers, used before the persistent one
//     outcome: {result: any}                         resolve with JSON.stringify(result) (undefined → `undefined`)
//            | {undefined: true}                     resolve with the literal text `undefined`
//            | {error: 'CODE' | {code?, message?, name?, ...extraProps}}   reject with a host-serialised Error
//            | {rejectValue: any}                    reject with a plain (non-Error) JSON value
//            | {raw: '<js literal text>', reject?: true}   splice this text as the payload (malformed answers)
//            | {never: true}                         never answer (the call is kept in host.pending)
//            | {twice: [outcome, outcome]}           answer the same eventId two times, in order
//            | {delayMs: n, ...outcome}              answer after n ms (plain setTimeout)
//            | (args, msg) => outcome | Promise<outcome>   null/undefined → fall through to the default behaviour
//     Scripts apply after the host-side version gate (they replace what the native Toss app answers).
//   host.purchase(scenario)       how the NEXT purchase behaves (queue of one-shots); host.purchaseAlways(scenario)
//                                 sets the persistent default. Applies to requestOneTimePurchase,
//                                 requestSubscriptionPurchase and the legacy method iapCreateOneTimePurchaseOrder.
//     scenario: {} (default: purchased {orderId[,subscriptionId]} → wait for method processProductGrant
//                 [{orderId,isProductGranted}] → resolve it (undefined) → granted ? onEvent {type:'success', data}
//                 : onError PRODUCT_NOT_GRANTED_BY_PARTNER (and the order goes to data.pendingOrders))
//              | {error: 'CODE' | {code, message, ...}}   onError right away (legacy: reject)
//              | {never: true}                            nothing at all
//              | {duplicatePurchased: true}               purchased emitted twice for the same orderId
//              | {errorThenSuccess: true | 'CODE' | {...}} onError (default NETWORK_ERROR) then a success event
//              | {successTwice: true}                     success emitted twice after the grant
//              | {errorAfterGrant: 'CODE' | {...}}        purchased → grant → onError instead of success
//              | {orderId, subscriptionId (null omits it), result: {fields merged into the success data}}
//              | {delayMs: n}                             delay before the first emit
//              | {interactive: true}                      Korean order sheet with 구매/취소 and an error-code picker
//              | (options, msg) => scenario | Promise<scenario>
//   host.answer(eventId, outcome)       answer a recorded method call later (e.g. one left pending by {never:true})
//   host.fireEvent(functionName, data, {error?: true})   emit onEvent/onError to every active subscription of functionName
//   host.emit(name, payloadText, delayMs?)                lowest level: schedule an emitter call with a raw literal
//   host.messages       every parsed message the page posted, in order;  host.rawMessages: the raw strings
//   host.emitted        every emit performed: {name, payload (text)}
//   host.pending        method messages not answered (never / unknown method)
//   host.listeners      Map 'fn/eventId' → addEventListener message, for active subscriptions
//   host.purchases      one record per purchase attempt {functionName, eventId, sku, orderId, grants:[...], ...}
//   host.data           mutable state: products, pendingOrders, history (newest first), pageSize, subscriptions, ...
//   host.waitForMessage(match, {timeoutMs=5000, from=0})  Promise of the first message (index ≥ from) matching
//                       match (an object whose fields must all be equal, or a predicate)
//   host.idle()         Promise resolved once the host has nothing scheduled or in progress (checked after letting
//                       the page run a task, so page reactions such as processProductGrant are included)
//   host.constants()    the constants map as last injected
//   host.install(), host.uninstall() (removes ReactNativeWebView and __CONSTANT_HANDLER_MAP; cancels scheduled emits)
//   host.reset()        defaults again (config given at creation), clears messages, scripts, data and scheduled emits
//   host.paymentSheet(mode, {payMethod?}?)  how checkoutPayment's sheet is answered from now on: 'approve' |
//                       'cancel' | 'interactive' (a person answers 결제하기 / 취소); null: the default, 'interactive'
//                       when `interactive` is on, else 'approve'. Applies with and without a sandbox.
//   host.refundOrder(orderId) → Promise   the store refunds a completed order ("스토어에서 환불"): in sandbox mode
//                       POST /iap/orders/{orderId}/refund (resolves the sandbox order, rejects on 404/409); without a
//                       sandbox, the host.data.history entry becomes REFUNDED, dated now, newest first.
//   exports: IAP_ERROR_CODES, HOST_MIN_VERSIONS, DEFAULT_PRODUCTS, hostIsMinVersionSupported(map, minVersions)
//
// SANDBOX MODE
//   installDevHost({sandbox: {controlUrl: 'http://127.0.0.1:18080', userKey: 1234}}), host.configure({sandbox}) or
//   host.useSandbox({controlUrl, userKey, payMethod?, pageSize?}) (null turns it off). The emulated Toss app then talks
//   to ait-sandbox's control API (crates/ait-sandbox/README.md; plain HTTP, CORS for allowed pages) the way the real
//   app talks to Toss's servers, so a partner server pointed at the same sandbox sees consistent state. userKey: the
//   logged-in Toss user (a positive integer). Everything else stays as described above: the host-side version gates answer
//   first, then scripts (respond / respondOnce / purchase / purchaseAlways), and only the default answers change:
//     appLogin              POST /login/codes {userKey} → {authorizationCode, referrer} (referrer 'SANDBOX' when the
//                           environment is 'sandbox', else 'DEFAULT'); a control failure rejects (below).
//     checkoutPayment       GET /payments/{payToken}; unless PAY_STANDBY: {success:false, reason:'이미 처리된 결제예요'}
//                           (unknown token: '결제 정보를 찾을 수 없어요'). Then the sheet (productDesc and amount,
//                           결제하기 / 취소, per paymentSheet) → POST .../approve {payMethod?} → {success:true}, or
//                           POST .../cancel → {success:false, reason:'사용자가 결제를 취소했어요'}.
//     purchases             (requestOneTimePurchase, requestSubscriptionPurchase) the order sheet or scenario as above;
//                           on 구매: POST /iap/orders {userKey, sku, paid:true} (ORDER_IN_PROGRESS, paid; orderId = the
//                           sandbox's UUID v7 unless the scenario gives one) → purchased {orderId} → processProductGrant:
//                           granted → POST /iap/orders/{id}/decide {granted:true} (PAYMENT_COMPLETED) → success;
//                           not granted → the order is left paid and in progress, i.e. pending (not FAILED, which
//                           would end it: getPendingOrders/completeProductGrant recover it) → PRODUCT_NOT_GRANTED_BY_PARTNER.
//                           Cancel / a picked or scripted error code: no order, except PAYMENT_PENDING, which creates an
//                           unpaid order (POST /iap/orders/{id}/paid later makes it pending). errorThenSuccess completes
//                           the order without a grant; errorAfterGrant decides by the grant, then errs.
//     iapCreateOneTimePurchaseOrder (legacy apps) creates the order and decides {status:'PURCHASED'} (no grant step).
//     getPendingOrders      GET /iap/orders?userKey=&pending=true (paid, ORDER_IN_PROGRESS), oldest first →
//                           {orderId, sku, paymentCompletedDate} (dates: "YYYY-MM-DDTHH:mm:ss", KST, sandbox clock).
//     completeProductGrant  a pending order of userKey → decide {granted:true} → true; already PAYMENT_COMPLETED → true;
//                           unknown, another user's, unpaid, FAILED or REFUNDED → false.
//     getCompletedOrRefundedOrders  the sandbox orders of userKey: PAYMENT_COMPLETED/PURCHASED → COMPLETED (dated by the
//                           order), REFUNDED → REFUNDED (dated by the refund); newest first; pages of sandbox.pageSize
//                           (default host.data.pageSize); nextKey is an opaque cursor (an unknown key: an empty page).
//     Products (iapGetProductItemList, the sheet's names and prices), subscriptions info and the rest stay local
//     (host.data); the sandbox has no catalogue.
//   A failed control call (developer message in English) rejects method calls / fails purchases with an Error whose
//   code is NETWORK_ERROR (sandbox unreachable) or INTERNAL_ERROR (an error answer), plus sandboxStatus and
//   sandboxCode; checkoutPayment resolves {success:false, reason} instead. host.sandboxCalls records every control
//   call {method, path, body, status}; host.sandboxRequest(method, path, body?) makes one (JSON in, JSON out);
//   host.sandbox is the current sandbox config (or null). The sheets say '샌드박스' in sandbox mode.

export const IAP_ERROR_CODES = Object.freeze([
  'INVALID_PRODUCT_ID',
  'PAYMENT_PENDING',
  'NETWORK_ERROR',
  'INVALID_USER_ENVIRONMENT',
  'ITEM_ALREADY_OWNED',
  'APP_MARKET_VERIFICATION_FAILED',
  'TOSS_SERVER_VERIFICATION_FAILED',
  'INTERNAL_ERROR',
  'KOREAN_ACCOUNT_ONLY',
  'USER_CANCELED',
  'PRODUCT_NOT_GRANTED_BY_PARTNER',
]);

const ERROR_MESSAGES = {
  INVALID_PRODUCT_ID: 'The product ID is not valid.',
  PAYMENT_PENDING: 'The payment is pending approval.',
  NETWORK_ERROR: 'The request failed because of a network problem.',
  INVALID_USER_ENVIRONMENT: 'This device or account cannot make purchases.',
  ITEM_ALREADY_OWNED: 'The user already owns this item.',
  APP_MARKET_VERIFICATION_FAILED: 'The app market could not verify the purchase.',
  TOSS_SERVER_VERIFICATION_FAILED: 'The Toss server could not verify the purchase.',
  INTERNAL_ERROR: 'Internal error.',
  KOREAN_ACCOUNT_ONLY: 'Only Korean store accounts can purchase.',
  USER_CANCELED: 'The user canceled the purchase.',
  PRODUCT_NOT_GRANTED_BY_PARTNER: 'The partner did not grant the product.',
};

// Korean labels for the interactive sheet's error picker (user-facing).
const ERROR_LABELS_KO = {
  INVALID_PRODUCT_ID: '잘못된 상품 ID',
  PAYMENT_PENDING: '결제 승인 대기 중',
  NETWORK_ERROR: '네트워크 오류',
  INVALID_USER_ENVIRONMENT: '구매할 수 없는 환경',
  ITEM_ALREADY_OWNED: '이미 가진 상품',
  APP_MARKET_VERIFICATION_FAILED: '앱 마켓 검증 실패',
  TOSS_SERVER_VERIFICATION_FAILED: '토스 서버 검증 실패',
  INTERNAL_ERROR: '내부 오류',
  KOREAN_ACCOUNT_ONLY: '한국 계정만 구매 가능',
  USER_CANCELED: '사용자 취소',
  PRODUCT_NOT_GRANTED_BY_PARTNER: '파트너 지급 실패',
};

// Host-side minimum versions (sdk-web-bridge.md §3). Below them the host resolves `undefined`.
export const HOST_MIN_VERSIONS = Object.freeze({
  iapGetProductItemList: { android: '5.219.0', ios: '5.219.0' },
  getPendingOrders: { android: '5.234.0', ios: '5.231.0' },
  getCompletedOrRefundedOrders: { android: '5.231.0', ios: '5.231.0' },
  completeProductGrant: { android: '5.233.0', ios: '5.233.0' },
  getSubscriptionInfo: { android: '5.253.0', ios: '5.250.0' },
  requestTossPayPaysBilling: { android: '5.256.0', ios: '5.256.0' },
  getIsTossLoginIntegratedService: { android: '5.237.0', ios: '5.237.0' },
});

const ICON = 'https://static.toss.im/icons/png/4x/icon-gift-fill.png';

export const DEFAULT_PRODUCTS = Object.freeze([
  { sku: 'gem_100', type: 'CONSUMABLE', displayName: '보석 100개', displayAmount: '1,200원', amount: 1200,
    iconUrl: ICON, description: '게임에서 쓰는 보석 100개예요.' },
  { sku: 'gem_500', type: 'CONSUMABLE', displayName: '보석 500개', displayAmount: '5,500원', amount: 5500,
    iconUrl: ICON, description: '게임에서 쓰는 보석 500개예요.' },
  { sku: 'remove_ads', type: 'NON_CONSUMABLE', displayName: '광고 제거', displayAmount: '3,300원', amount: 3300,
    iconUrl: ICON, description: '광고 없이 즐겨요.' },
  { sku: 'premium_theme', type: 'NON_CONSUMABLE', displayName: '프리미엄 테마', displayAmount: '2,200원', amount: 2200,
    iconUrl: ICON, description: '프리미엄 테마를 열어요.' },
  { sku: 'pro_monthly', type: 'SUBSCRIPTION', displayName: '프로 월간 구독', displayAmount: '4,900원', amount: 4900,
    iconUrl: ICON, description: '매달 자동으로 갱신돼요.', renewalCycle: 'MONTHLY',
    offers: [
      { type: 'FREE_TRIAL', offerId: 'pro_monthly_trial_7d', period: 'P7D' },
      { type: 'NEW_SUBSCRIPTION', offerId: 'pro_monthly_new', period: 'P1M', displayAmount: '990원' },
      { type: 'RETURNING', offerId: 'pro_monthly_return', period: 'P1M', displayAmount: '2,900원' },
    ] },
  { sku: 'pro_yearly', type: 'SUBSCRIPTION', displayName: '프로 연간 구독', displayAmount: '49,000원', amount: 49000,
    iconUrl: ICON, description: '매년 자동으로 갱신돼요.', renewalCycle: 'YEARLY' },
]);

const DEFAULT_PENDING = [
  { orderId: 'ord-pending-0001', sku: 'gem_100', paymentCompletedDate: '2026-11-20T10:15:00' },
];

const DEFAULT_HISTORY = [
  { orderId: 'ord-hist-0005', sku: 'gem_500', status: 'COMPLETED', date: '2026-11-19T09:00:00' },
  { orderId: 'ord-hist-0004', sku: 'remove_ads', status: 'REFUNDED', date: '2026-11-18T12:30:00' },
  { orderId: 'ord-hist-0003', sku: 'gem_100', status: 'COMPLETED', date: '2026-11-10T08:00:00' },
  { orderId: 'ord-hist-0002', sku: 'pro_monthly', status: 'COMPLETED', date: '2026-10-01T20:00:00' },
  { orderId: 'ord-hist-0001', sku: 'gem_100', status: 'COMPLETED', date: '2026-09-22T00:00:00' },
];

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

function defaultData() {
  return {
    products: clone(DEFAULT_PRODUCTS),
    pendingOrders: clone(DEFAULT_PENDING),
    history: clone(DEFAULT_HISTORY),
    pageSize: 2,
    subscriptions: {},
    isTossLoginIntegratedService: true,
  };
}

// --- version comparison: the same logic as the SDK's compareVersions / isMinVersionSupported ----------------------
const SEMVER_REGEX = /^[v^~<>=]*?(\d+)(?:\.([x*]|\d+)(?:\.([x*]|\d+)(?:\.([x*]|\d+))?(?:-([\da-z\\-]+(?:\.[\da-z\\-]+)*))?(?:\+[\da-z\\-]+(?:\.[\da-z\\-]+)*)?)?)?$/i;
const isWildcard = (v) => ['*', 'x', 'X'].includes(v);
const tryParse = (v) => { const n = parseInt(v, 10); return isNaN(n) ? v : n; };
const coerce = (a, b) => (typeof a === typeof b ? [a, b] : [String(a), String(b)]);
function compareValues(a, b) {
  if (isWildcard(a) || isWildcard(b)) return 0;
  const [x, y] = coerce(tryParse(a), tryParse(b));
  return x > y ? 1 : x < y ? -1 : 0;
}
function parseVersion(v) {
  if (typeof v !== 'string') throw new TypeError('Invalid argument: expected a string');
  const m = v.match(SEMVER_REGEX);
  if (!m) throw new Error(`Invalid semver: '${v}'`);
  const [, major, minor, patch, build, pre] = m;
  return [major, minor, patch, build, pre];
}
function compareSegments(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const r = compareValues(a[i] ?? '0', b[i] ?? '0');
    if (r !== 0) return r;
  }
  return 0;
}
function compareVersions(v1, v2) {
  const s1 = parseVersion(v1), s2 = parseVersion(v2);
  const p1 = s1.pop(), p2 = s2.pop();
  const main = compareSegments(s1, s2);
  if (main !== 0) return main;
  if (p1 && p2) return compareSegments(p1.split('.'), p2.split('.'));
  if (p1) return -1;
  if (p2) return 1;
  return 0;
}
export function hostIsMinVersionSupported(constants, minVersions) {
  if (constants.getOperationalEnvironment === 'sandbox') return true;
  const min = constants.getPlatformOS === 'ios' ? minVersions.ios : minVersions.android;
  if (min === undefined) return false;
  if (min === 'always') return true;
  if (min === 'never') return false;
  return compareVersions(constants.getTossAppVersion, min) >= 0;
}

// --- serialisation like the host ---------------------------------------------------------------------------------
function makeError(spec) {
  if (spec instanceof Error) return spec;
  if (typeof spec === 'string') spec = { code: spec };
  const { message, name, stack, ...rest } = spec || {};
  const err = new Error(message ?? ERROR_MESSAGES[rest.code] ?? 'Error');
  Object.assign(err, rest);
  if (name !== undefined) err.name = name;
  if (stack !== undefined) err.stack = stack;
  return err;
}
// FW/dist/index.js:2297-2312
const errorReplacer = (_, value) => (value instanceof Error
  ? { ...value, name: value.name, message: value.message, stack: value.stack, __isError: true }
  : value);
const errorText = (spec) => String(JSON.stringify(makeError(spec), errorReplacer));
const resultText = (value) => String(JSON.stringify(value, null, 0)); // undefined → 'undefined', like the template

function isoNow(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 864e5);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
const randomId = () => Math.random().toString(36).slice(2, 10);
// Unix seconds → "YYYY-MM-DDTHH:mm:ss" in KST, like the sandbox's (and Toss's) IAP dates.
const errorCode = (spec) => (typeof spec === 'string' ? spec : spec && spec.code);
const kstDate = (secs) => (secs == null ? null : new Date((Number(secs) + 9 * 3600) * 1000).toISOString().slice(0, 19));
const DEFAULT_SANDBOX_USER_KEY = '1234';
const PAYMENT_CANCELED_REASON = '사용자가 결제를 취소했어요';

function matches(msg, match) {
  if (typeof match === 'function') return !!match(msg);
  return Object.entries(match || {}).every(([k, v]) => msg[k] === v);
}

// --- the host -----------------------------------------------------------------------------------------------------
export function installDevHost(config = {}) {
  const host = createDevHost(config);
  host.install();
  return host;
}

export function createDevHost(initialConfig = {}) {
  const w = globalThis;
  let settings;
  let generation = 0; // bumped by reset/uninstall: cancels scheduled emits
  let orderSeq = 0;
  const timers = new Set();
  let onceScripts, persistentScripts, purchaseQueue, purchaseDefault, grantWaiters;
  let paymentSheetMode = null; // null: 'interactive' when settings.interactive, else 'approve'
  let paymentSheetOptions = {};
  let inflight = 0; // message handlers still running (awaiting scripts, the interactive sheet, ...)

  const host = {
    messages: [],
    rawMessages: [],
    emitted: [],
    pending: [],
    listeners: new Map(),
    purchases: [],
    errors: [],
    sandboxCalls: [],
    data: null,
    installed: false,
  };
  const waiters = new Set();

  function baseSettings() {
    return { os: 'ios', appVersion: '5.260.0', environment: 'toss', constants: {}, hostGates: true,
      strictSkus: true, interactive: false, instant: false, sandbox: null };
  }

  function normalizeSandbox(sb) {
    if (sb == null || sb === false) return null;
    if (typeof sb !== 'object' || typeof sb.controlUrl !== 'string' || !sb.controlUrl.trim()) {
      throw new TypeError('dev-host: sandbox needs {controlUrl: "http://127.0.0.1:<port>", userKey}');
    }
    const userKey = sb.userKey ?? DEFAULT_SANDBOX_USER_KEY;
    if (!/^[1-9][0-9]*$/.test(String(userKey).trim())) {
      throw new TypeError(`dev-host: sandbox userKey must be a positive integer (login-me reports it as int64), got ${JSON.stringify(userKey)}`);
    }
    return { controlUrl: sb.controlUrl.trim().replace(/\/+$/, ''), userKey: String(userKey).trim(),
      payMethod: sb.payMethod ?? null, pageSize: sb.pageSize ?? null };
  }

  function buildConstants() {
    const map = {
      getLocale: 'ko-KR',
      getSchemeUri: 'intoss://ait-checkout',
      getPlatformOS: settings.os,
      getOperationalEnvironment: settings.environment,
      getTossAppVersion: settings.appVersion,
      getDeviceId: 'dev-host-device',
      getGroupId: 'dev-host-group',
      getSafeAreaInsets: { top: 0, bottom: 0, left: 0, right: 0 },
      deploymentId: 'local',
      brandDisplayName: 'ait-checkout 데모',
      brandIcon: ICON,
      brandPrimaryColor: '#3182F6',
      getServerTime_isSupported: false,
      requestReview_isSupported: false,
      getDeclaredAgeRange_isSupported: false,
      loadAppsInTossAdMob_isSupported: false,
      showAppsInTossAdMob_isSupported: false,
      isAppsInTossAdMobLoaded_isSupported: false,
      loadFullScreenAd_isSupported: false,
      showFullScreenAd_isSupported: false,
      fetchTossAd_isSupported: false,
      fetchAppsInTossAd_isSupported: false,
      getDeploymentId: 'local',
      getWebViewType: 'partner',
      getAppName: 'ait-checkout',
      ...settings.constants,
    };
    // the host injects JSON.stringify(map): undefined values disappear
    return JSON.parse(JSON.stringify(map));
  }

  let injectedConstants = null;
  function injectConstants() {
    injectedConstants = buildConstants();
    if (host.installed) w.__CONSTANT_HANDLER_MAP = clone(injectedConstants);
  }
  // The host's own view of the constants: the live page map if present (tests may mutate it), else the injected one.
  function liveConstants() {
    const m = host.installed ? w.__CONSTANT_HANDLER_MAP : null;
    return m && typeof m === 'object' ? m : injectedConstants;
  }

  function applyConfig(cfg = {}) {
    for (const k of ['os', 'appVersion', 'environment', 'hostGates', 'strictSkus', 'interactive', 'instant']) {
      if (k in cfg) settings[k] = cfg[k];
    }
    if (cfg.constants) settings.constants = { ...settings.constants, ...cfg.constants };
    if ('sandbox' in cfg) settings.sandbox = normalizeSandbox(cfg.sandbox);
    if (cfg.data) for (const [k, v] of Object.entries(cfg.data)) host.data[k] = clone(v);
  }

  function resetState() {
    generation++;
    inflight = 0;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    settings = baseSettings();
    host.data = defaultData();
    onceScripts = new Map();
    persistentScripts = new Map();
    purchaseQueue = [];
    purchaseDefault = null;
    grantWaiters = new Map(); // orderId → purchase record
    paymentSheetMode = null;
    paymentSheetOptions = {};
    host.messages.length = 0;
    host.rawMessages.length = 0;
    host.emitted.length = 0;
    host.pending.length = 0;
    host.purchases.length = 0;
    host.errors.length = 0;
    host.sandboxCalls.length = 0;
    host.listeners.clear();
    closeOverlay();
    applyConfig(initialConfig);
    injectConstants();
  }

  // --- emitting ---------------------------------------------------------------------------------------------------
  // A payload that is JSON (or the literal `undefined`) means the same as a JS literal, so it is handed to the emitter
  // directly: no eval, so the dev host runs under a page CSP without 'unsafe-eval' (ait-partner serves the demo with
  // one) and no CSP violation is reported. Anything else (a raw JS literal a test scripted) is evaluated like
  // injectJavaScript.
  function jsonPayload(text) {
    if (text === 'undefined') return { ok: true, value: undefined };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  }

  function runInjected(name, text) {
    const script = `window.__GRANITE_NATIVE_EMITTER.emit('${name}', ${text});`;
    host.emitted.push({ name, payload: text });
    try {
      const payload = jsonPayload(text);
      if (payload.ok) w.__GRANITE_NATIVE_EMITTER.emit(name, payload.value);
      else (0, eval)(script); // indirect eval: global scope, like injectJavaScript
    } catch (e) {
      host.errors.push(e);
      console.error(`[dev-host] injected script failed: ${script.slice(0, 200)}`, e);
    }
  }

  function schedule(fn, delayMs = 0) {
    const g = generation;
    if (settings.instant && delayMs === 0) {
      queueMicrotask(() => { if (g === generation) fn(); });
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      if (g === generation) fn();
    }, delayMs);
    timers.add(t);
  }

  function emit(name, text, delayMs = 0) {
    schedule(() => runInjected(name, text), delayMs);
  }

  // --- the sandbox control API (ait-sandbox; plain HTTP on loopback, CORS for allowed pages) ----------------------
  // Rejects with an Error carrying code (NETWORK_ERROR when unreachable, else INTERNAL_ERROR), sandboxStatus (HTTP
  // status, 0 when unreachable) and sandboxCode (the control API's error code), so it can be handed to the page as is.
  async function control(method, path, body) {
    const sb = settings.sandbox;
    if (!sb) throw new Error('dev-host: no sandbox configured; call host.useSandbox({controlUrl, userKey}) first');
    const call = { method, path, body, status: null };
    host.sandboxCalls.push(call);
    const init = { method, headers: {} };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    let res, text;
    try {
      res = await fetch(sb.controlUrl + path, init);
      text = await res.text();
    } catch (e) {
      call.status = 0;
      throw makeError({ code: 'NETWORK_ERROR', sandboxStatus: 0, sandboxCode: null,
        message: `dev-host: the sandbox control API at ${sb.controlUrl} is unreachable (${method} ${path}): ${e && e.message}` });
    }
    call.status = res.status;
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    if (!res.ok) {
      const err = (json && json.error) || {};
      throw makeError({ code: 'INTERNAL_ERROR', sandboxStatus: res.status, sandboxCode: err.code ?? null,
        message: `dev-host: sandbox ${method} ${path} answered ${res.status} ${err.code ?? ''}: ${err.message ?? text}` });
    }
    return json;
  }
  const q = encodeURIComponent;
  const sandboxOrders = async (query = '') =>
    (await control('GET', `/iap/orders?userKey=${q(settings.sandbox.userKey)}${query}`)).orders || [];
  // A sandbox order as Toss reports it to the SDK: granted orders (PAYMENT_COMPLETED, legacy PURCHASED) are
  // COMPLETED, dated by the order; REFUNDED ones are dated by the refund. Anything else is not history.
  function historyEntry(o) {
    if (o.status === 'PAYMENT_COMPLETED' || o.status === 'PURCHASED') {
      return { orderId: o.orderId, sku: o.sku, status: 'COMPLETED', at: o.createdAt };
    }
    if (o.status === 'REFUNDED') {
      return { orderId: o.orderId, sku: o.sku, status: 'REFUNDED', at: o.statusDeterminedAt ?? o.createdAt };
    }
    return null;
  }
  // History paging over the sandbox: newest first by (date, orderId); the key is an opaque cursor after the last
  // order of the page, so orders added or refunded meanwhile neither repeat nor shift the following pages.
  async function sandboxHistoryPage(params) {
    const key = params && params.key != null ? params.key : null;
    let after = null;
    if (key !== null) {
      try { after = JSON.parse(atob(String(key).replace(/^sbx\./, ''))); } catch { after = null; }
      if (!Array.isArray(after) || after.length !== 2) return { hasNext: false, nextKey: null, orders: [] };
    }
    const desc = (a, b) => (b.at - a.at) || (a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0);
    let all = (await sandboxOrders()).map(historyEntry).filter(Boolean).sort(desc);
    if (after) all = all.filter((o) => desc({ at: after[0], orderId: after[1] }, o) < 0); // strictly after the cursor
    const size = Math.max(1, (settings.sandbox.pageSize ?? host.data.pageSize) | 0);
    const page = all.slice(0, size);
    const last = page[page.length - 1];
    const hasNext = all.length > size;
    return { hasNext, nextKey: hasNext ? `sbx.${btoa(JSON.stringify([last.at, last.orderId]))}` : null,
      orders: page.map(({ orderId, sku, status, at }) => ({ orderId, sku, status, date: kstDate(at) })) };
  }

  // --- methods ----------------------------------------------------------------------------------------------------
  function takeScript(fn) {
    const q = onceScripts.get(fn);
    if (q && q.length) return q.shift();
    return persistentScripts.get(fn);
  }

  // Answer a method message with an outcome. Returns the largest delay used (so follow-ups can be ordered after it).
  async function answer(msg, outcome, baseDelay = 0) {
    const fn = msg.functionName, id = msg.eventId;
    if (typeof outcome === 'function') outcome = await outcome(msg.args, msg);
    if (outcome == null) return null;
    const delay = baseDelay + (outcome.delayMs ?? 0);
    const resolveName = `${fn}/resolve/${id}`, rejectName = `${fn}/reject/${id}`;
    if (outcome.never) { host.pending.push(msg); return delay; }
    if (Array.isArray(outcome.twice)) {
      let max = delay;
      for (const o of outcome.twice) max = Math.max(max, (await answer(msg, o, delay)) ?? delay);
      return max;
    }
    if ('raw' in outcome) emit(outcome.reject ? rejectName : resolveName, String(outcome.raw), delay);
    else if ('error' in outcome) emit(rejectName, errorText(outcome.error), delay);
    else if ('rejectValue' in outcome) emit(rejectName, resultText(outcome.rejectValue), delay);
    else if (outcome.undefined) emit(resolveName, 'undefined', delay);
    else if ('result' in outcome) emit(resolveName, resultText(outcome.result), delay);
    else throw new Error(`dev-host: unknown outcome for ${fn}: ${JSON.stringify(outcome)}`);
    return delay;
  }

  async function onMethod(msg) {
    const fn = msg.functionName;
    const gate = HOST_MIN_VERSIONS[fn];
    if (gate && settings.hostGates) {
      let ok;
      try {
        ok = hostIsMinVersionSupported(liveConstants(), gate);
      } catch (e) {
        return answer(msg, { error: e });
      }
      if (!ok) {
        if (fn === 'requestTossPayPaysBilling') {
          console.warn(`[dev-host] requestTossPayPaysBilling needs Toss app ${gate.android} (android) / ${gate.ios} (ios)`);
        }
        return answer(msg, { undefined: true });
      }
    }
    let delay = null;
    const script = takeScript(fn);
    if (script !== undefined) delay = await answer(msg, script);
    if (delay === null) {
      const handler = (settings.sandbox && sandboxDefaults[fn]) || defaults[fn];
      if (!handler) {
        console.error(`${fn} is not a function`); // what the real host logs; the page's Promise never settles
        host.pending.push(msg);
        return;
      }
      delay = await answer(msg, await handler(msg.args || [], msg));
    }
    if (fn === 'processProductGrant') await onGrant(msg.args && msg.args[0], delay ?? 0);
  }

  function historyPage(params) {
    const key = params && params.key != null ? params.key : null;
    const all = host.data.history;
    const size = Math.max(1, host.data.pageSize | 0);
    const start = key === null ? 0 : all.findIndex((o) => o.orderId === key);
    if (start < 0) return { hasNext: false, nextKey: null, orders: [] };
    const orders = all.slice(start, start + size).map(({ orderId, sku, status, date }) => ({ orderId, sku, status, date }));
    const next = all[start + size];
    return { hasNext: !!next, nextKey: next ? next.orderId : null, orders };
  }

  const publicProduct = ({ amount, ...p }) => p;
  const findProduct = (sku) => host.data.products.find((p) => p.sku === sku);

  // 'approve' | 'cancel' | 'interactive' (the sheet; a person answers).
  const paymentMode = () => paymentSheetMode ?? (settings.interactive ? 'interactive' : 'approve');
  async function paymentDecision(lines) {
    const mode = paymentMode();
    if (mode === 'approve') return true;
    if (mode === 'cancel') return false;
    const choice = await showSheet({ title: '토스페이 결제', lines, confirm: '결제하기', cancel: '취소', codes: false });
    return choice.action === 'confirm';
  }

  // Default answers when a sandbox is configured: the emulated Toss app talks to ait-sandbox's control API the way
  // the real app talks to Toss's servers. Handlers missing here fall back to `defaults`.
  const sandboxDefaults = {
    appLogin: async () => {
      let code;
      try {
        code = await control('POST', '/login/codes', { userKey: Number(settings.sandbox.userKey) });
      } catch (e) { return { error: e }; }
      return { result: { authorizationCode: code.authorizationCode,
        referrer: liveConstants().getOperationalEnvironment === 'sandbox' ? 'SANDBOX' : 'DEFAULT' } };
    },
    checkoutPayment: async (args) => {
      const payToken = args[0] && args[0].params && args[0].params.payToken;
      const path = `/payments/${q(String(payToken ?? ''))}`;
      let p;
      try {
        p = await control('GET', path);
      } catch (e) {
        console.error(`[dev-host] checkoutPayment: ${e.message}`);
        return { result: { success: false, reason: e.sandboxStatus === 404 ? '결제 정보를 찾을 수 없어요' : '결제 정보를 불러오지 못했어요' } };
      }
      if (p.payStatus !== 'PAY_STANDBY') {
        console.error(`[dev-host] checkoutPayment: payment ${payToken} is ${p.payStatus}, not PAY_STANDBY`);
        return { result: { success: false, reason: '이미 처리된 결제예요' } };
      }
      const amount = `${Number(p.amount).toLocaleString('ko-KR')}원`;
      const ok = await paymentDecision([p.productDesc, `결제 금액 ${amount}`]);
      try {
        if (ok) {
          const payMethod = paymentSheetOptions.payMethod ?? settings.sandbox.payMethod;
          await control('POST', `${path}/approve`, payMethod ? { payMethod } : {});
          return { result: { success: true } };
        }
        await control('POST', `${path}/cancel`, {});
      } catch (e) {
        console.error(`[dev-host] checkoutPayment: ${e.message}`);
        if (ok) return { result: { success: false, reason: '결제를 완료하지 못했어요' } };
      }
      return { result: { success: false, reason: PAYMENT_CANCELED_REASON } };
    },
    getPendingOrders: async () => {
      try {
        const orders = (await sandboxOrders('&pending=true'))
          .sort((a, b) => (a.createdAt - b.createdAt) || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
        return { result: { orders: orders.map((o) => ({ orderId: o.orderId, sku: o.sku, paymentCompletedDate: kstDate(o.createdAt) })) } };
      } catch (e) { return { error: e }; }
    },
    getCompletedOrRefundedOrders: async (args) => {
      try { return { result: await sandboxHistoryPage(args[0] ?? { key: null }) }; } catch (e) { return { error: e }; }
    },
    // Pending (paid, not granted) → PAYMENT_COMPLETED: true. Already completed: true (a retry after a lost reply).
    // Unknown, another user's, refunded or failed: false.
    completeProductGrant: async (args) => {
      const orderId = args[0] && args[0].params && args[0].params.orderId;
      try {
        const o = (await sandboxOrders()).find((x) => x.orderId === orderId);
        if (!o) return { result: false };
        if (o.status === 'PAYMENT_COMPLETED') return { result: true };
        if (o.status !== 'ORDER_IN_PROGRESS' || !o.paid) return { result: false };
        await control('POST', `/iap/orders/${q(orderId)}/decide`, { granted: true });
        return { result: true };
      } catch (e) { return { error: e }; }
    },
  };

  const defaults = {
    appLogin: () => ({ result: {
      authorizationCode: `dev-auth-${randomId()}`,
      referrer: liveConstants().getOperationalEnvironment === 'sandbox' ? 'SANDBOX' : 'DEFAULT' } }),
    checkoutPayment: async (args) => {
      const payToken = args[0] && args[0].params && args[0].params.payToken;
      const ok = await paymentDecision([`결제 토큰 ${payToken ?? '-'}`]);
      return { result: ok ? { success: true } : { success: false, reason: PAYMENT_CANCELED_REASON } };
    },
    requestTossPayPaysBilling: () => ({ result: { success: true } }),
    getIsTossLoginIntegratedService: () => ({ result: host.data.isTossLoginIntegratedService }),
    iapGetProductItemList: () => ({ result: { products: host.data.products.map(publicProduct) } }),
    getPendingOrders: () => ({ result: { orders: host.data.pendingOrders.map((o) => ({ ...o })) } }),
    getCompletedOrRefundedOrders: (args) => ({ result: historyPage(args[0] ?? { key: null }) }),
    completeProductGrant: (args) => {
      const orderId = args[0] && args[0].params && args[0].params.orderId;
      const i = host.data.pendingOrders.findIndex((o) => o.orderId === orderId);
      if (i >= 0) {
        const [o] = host.data.pendingOrders.splice(i, 1);
        host.data.history.unshift({ orderId: o.orderId, sku: o.sku, status: 'COMPLETED', date: isoNow() });
      }
      return { result: true };
    },
    getSubscriptionInfo: (args) => {
      const orderId = args[0] && args[0].params && args[0].params.orderId;
      const sub = host.data.subscriptions[orderId] ?? { catalogId: 1001, status: 'ACTIVE', expiresAt: isoNow(30),
        isAutoRenew: true, gracePeriodExpiresAt: null, isAccessible: true };
      return { result: { subscription: sub } };
    },
    processProductGrant: () => ({ undefined: true }),
    iapCreateOneTimePurchaseOrder: (args, msg) => legacyPurchase(args[0] || {}, msg),
    eventLog: () => ({ undefined: true }),
    debugLog: () => ({ undefined: true }),
  };

  // --- purchases --------------------------------------------------------------------------------------------------
  async function nextScenario(options, msg) {
    let sc = purchaseQueue.length ? purchaseQueue.shift() : purchaseDefault;
    if (typeof sc === 'function') sc = await sc(options, msg);
    sc = { ...(settings.interactive ? { interactive: true } : {}), ...(sc || {}) };
    return sc;
  }

  function orderResult(rec) {
    const p = findProduct(rec.sku) || {};
    return { orderId: rec.orderId, displayName: p.displayName ?? rec.sku, displayAmount: p.displayAmount ?? '0원',
      amount: p.amount ?? 0, currency: 'KRW', fraction: 0, miniAppIconUrl: p.iconUrl ?? null,
      ...(rec.scenario.result || {}) };
  }

  // Resolve the scenario into a concrete plan (after the interactive sheet, if any).
  async function preparePurchase(rec) {
    let sc = rec.scenario;
    if (sc.interactive && !sc.never) {
      const p = findProduct(rec.sku);
      const lines = [p ? `${p.displayName} · ${p.displayAmount}` : `상품 ${rec.sku}`];
      if (rec.kind === 'subscription') lines.push(rec.offerId ? `구독 혜택 ${rec.offerId}` : '정기 구독');
      const choice = await showSheet({ title: rec.kind === 'subscription' ? '구독 주문' : '주문 확인', lines,
        confirm: '구매', cancel: '취소', codes: true });
      if (choice.action === 'cancel') sc = { ...sc, error: 'USER_CANCELED' };
      else if (choice.action === 'error') sc = { ...sc, error: choice.code };
      rec.scenario = sc;
    }
    if (!sc.error && !sc.never && settings.strictSkus && !findProduct(rec.sku) && !sc.result) {
      rec.scenario = sc = { ...sc, error: 'INVALID_PRODUCT_ID' };
    }
    return sc;
  }

  function newOrderId(sc) {
    return sc.orderId ?? `ord-${String(++orderSeq).padStart(4, '0')}-${randomId()}`;
  }

  // Sandbox mode: the user bought, so the store charge went through and Toss has the order (ORDER_IN_PROGRESS,
  // paid: pending until the grant is decided). The order id is the sandbox's (UUID v7) unless the scenario gives one.
  async function createSandboxOrder(rec, sc, paid = true) {
    const body = { userKey: settings.sandbox.userKey, sku: rec.sku, paid };
    if (sc.orderId !== undefined) body.orderId = sc.orderId;
    const o = await control('POST', '/iap/orders', body);
    rec.sandbox = true;
    rec.orderId = o.orderId;
    return o;
  }
  const decideOrder = (orderId, body) => control('POST', `/iap/orders/${q(orderId)}/decide`, body);

  async function startPurchase(kind, msg) {
    const opts = msg.args || {};
    const rec = { kind, functionName: msg.functionName, eventId: msg.eventId, sku: opts.sku, offerId: opts.offerId ?? null,
      orderId: null, subscriptionId: undefined, grants: [], settled: false, removed: false, scenario: null };
    host.purchases.push(rec);
    rec.scenario = await nextScenario(opts, msg);
    const sc = await preparePurchase(rec);
    const base = `${msg.functionName}/`, id = msg.eventId;
    const onEvent = (payload, d) => emit(`${base}onEvent/${id}`, resultText(payload), d);
    const onError = (e, d) => emit(`${base}onError/${id}`, errorText(e), d);
    const delay = sc.delayMs ?? 0;
    if (sc.never) return;
    const g = generation;
    if (settings.sandbox) {
      try {
        if (sc.error) {
          // the payment awaits the store's approval: Toss has an unpaid order (POST /iap/orders/{id}/paid later)
          if (errorCode(sc.error) === 'PAYMENT_PENDING') await createSandboxOrder(rec, sc, false);
        } else {
          await createSandboxOrder(rec, sc);
          // a host that reports success without asking for the grant: Toss counts the order as completed
          if (sc.errorThenSuccess) await decideOrder(rec.orderId, { granted: true });
        }
      } catch (e) {
        if (g === generation) onError(e, delay);
        return;
      }
      if (g !== generation) return;
    } else {
      rec.orderId = newOrderId(sc);
    }
    if (sc.error) { onError(sc.error, delay); return; }
    if (sc.errorThenSuccess) {
      onError(sc.errorThenSuccess === true ? 'NETWORK_ERROR' : sc.errorThenSuccess, delay);
      onEvent({ type: 'success', data: orderResult(rec) }, delay);
      rec.settled = true;
      return;
    }
    const data = { orderId: rec.orderId };
    if (kind === 'subscription') {
      rec.subscriptionId = sc.subscriptionId === undefined ? `sub-${randomId()}` : sc.subscriptionId;
      if (rec.subscriptionId !== null) data.subscriptionId = rec.subscriptionId;
    }
    grantWaiters.set(rec.orderId, rec);
    const times = sc.duplicatePurchased ? 2 : 1;
    for (let i = 0; i < times; i++) {
      // the native onPurchased callback is unregistered by removeEventListener
      schedule(() => { if (!rec.removed) runInjected(`${base}onEvent/${id}`, resultText({ type: 'purchased', data })); }, delay);
    }
  }

  async function onGrant(params, delay) {
    const rec = params && grantWaiters.get(params.orderId);
    if (!rec) return;
    rec.grants.push(params.isProductGranted);
    if (rec.settled) return;
    rec.settled = true;
    const sc = rec.scenario, name = `${rec.functionName}/`, id = rec.eventId;
    const granted = params.isProductGranted === true;
    // Sandbox: a grant completes the order (PAYMENT_COMPLETED). A refused grant leaves it paid and in progress,
    // which is what getPendingOrders lists and completeProductGrant finishes later (FAILED would end it for good).
    if (rec.sandbox && granted) {
      const g = generation;
      try {
        await decideOrder(rec.orderId, { granted: true });
      } catch (e) {
        if (g === generation) emit(`${name}onError/${id}`, errorText(e), delay);
        return;
      }
      if (g !== generation) return;
    }
    if (granted) {
      if (!rec.sandbox) host.data.history.unshift({ orderId: rec.orderId, sku: rec.sku, status: 'COMPLETED', date: isoNow() });
      if (rec.kind === 'subscription') {
        host.data.subscriptions[rec.orderId] = { catalogId: 1001, status: 'ACTIVE', expiresAt: isoNow(30),
          isAutoRenew: true, gracePeriodExpiresAt: null, isAccessible: true };
      }
      if (sc.errorAfterGrant) { emit(`${name}onError/${id}`, errorText(sc.errorAfterGrant), delay); return; }
      const payload = resultText({ type: 'success', data: orderResult(rec) });
      emit(`${name}onEvent/${id}`, payload, delay);
      if (sc.successTwice) emit(`${name}onEvent/${id}`, payload, delay);
    } else {
      if (!rec.sandbox) host.data.pendingOrders.push({ orderId: rec.orderId, sku: rec.sku, paymentCompletedDate: isoNow() });
      emit(`${name}onError/${id}`, errorText('PRODUCT_NOT_GRANTED_BY_PARTNER'), delay);
    }
  }

  // Legacy one-shot method (apps below 5.231.1 android / 5.230.0 iOS): resolves with the order result; the page
  // then calls the partner's processProductGrant itself and reports success without telling the host.
  async function legacyPurchase(params, msg) {
    const rec = { kind: 'legacy', functionName: msg.functionName, eventId: msg.eventId, sku: params.productId ?? params.sku,
      offerId: null, orderId: null, grants: [], settled: true, removed: false, scenario: null };
    host.purchases.push(rec);
    rec.scenario = await nextScenario(params, msg);
    const sc = await preparePurchase(rec);
    if (sc.never) return { never: true };
    const d = sc.delayMs ?? 0;
    if (settings.sandbox) {
      // The legacy flow has no grant step: Toss records the order as PURCHASED (SDK 1.1.2 and older).
      try {
        if (!sc.error) {
          await createSandboxOrder(rec, sc);
          await decideOrder(rec.orderId, { status: 'PURCHASED' });
        } else if (errorCode(sc.error) === 'PAYMENT_PENDING') {
          await createSandboxOrder(rec, sc, false);
        }
      } catch (e) {
        return { error: e, delayMs: d };
      }
    } else {
      rec.orderId = newOrderId(sc);
    }
    if (sc.error) return { error: sc.error, delayMs: d };
    const result = orderResult(rec);
    if (!rec.sandbox) host.data.history.unshift({ orderId: rec.orderId, sku: rec.sku, status: 'COMPLETED', date: isoNow() });
    if (sc.errorThenSuccess) {
      return { delayMs: d, twice: [{ error: sc.errorThenSuccess === true ? 'NETWORK_ERROR' : sc.errorThenSuccess }, { result }] };
    }
    if (sc.successTwice || sc.duplicatePurchased) return { delayMs: d, twice: [{ result }, { result }] };
    return { result, delayMs: d };
  }

  // --- message entry point ----------------------------------------------------------------------------------------
  function postMessage(str) {
    host.rawMessages.push(str);
    let msg;
    try { msg = JSON.parse(str); } catch { return; }
    if (!msg || typeof msg.functionName !== 'string' || typeof msg.eventId !== 'string' || typeof msg.type !== 'string') return;
    host.messages.push(msg);
    for (const wt of [...waiters]) wt(msg);
    const key = `${msg.functionName}/${msg.eventId}`;
    const track = (p) => {
      const g = generation;
      inflight++;
      p.catch((e) => { host.errors.push(e); console.error('[dev-host] handler failed', e); })
        .finally(() => { if (g === generation) inflight--; });
    };
    switch (msg.type) {
      case 'method':
        track(onMethod(msg));
        break;
      case 'addEventListener':
        host.listeners.set(key, msg);
        if (msg.functionName === 'requestOneTimePurchase') track(startPurchase('oneTime', msg));
        else if (msg.functionName === 'requestSubscriptionPurchase') track(startPurchase('subscription', msg));
        break;
      case 'removeEventListener':
        host.listeners.delete(key);
        for (const r of host.purchases) if (r.functionName === msg.functionName && r.eventId === msg.eventId) r.removed = true;
        break;
      default:
        break;
    }
  }

  // --- overlay (interactive sheet; Korean, no iframe) ---------------------------------------------------------------
  let overlay = null;
  function closeOverlay() {
    if (overlay) { overlay.el.remove(); overlay.done({ action: 'cancel' }); overlay = null; }
  }
  function showSheet({ title, lines, confirm, cancel, codes }) {
    if (typeof document === 'undefined' || !document.body) return Promise.resolve({ action: 'confirm' });
    closeOverlay();
    return new Promise((resolve) => {
      const el = document.createElement('div');
      el.setAttribute('data-dev-host', 'sheet');
      el.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.45);display:flex;'
        + 'align-items:flex-end;justify-content:center;font-family:system-ui,-apple-system,"Apple SD Gothic Neo",sans-serif';
      const sheet = document.createElement('div');
      sheet.style.cssText = 'background:#fff;color:#191f28;width:100%;max-width:480px;border-radius:20px 20px 0 0;'
        + 'padding:24px 20px 28px;box-sizing:border-box;box-shadow:0 -4px 24px rgba(0,0,0,.15)';
      const h = document.createElement('h2');
      h.textContent = title;
      h.style.cssText = 'margin:0 0 6px;font-size:20px';
      const tag = document.createElement('div');
      tag.textContent = settings.sandbox ? '개발용 토스 앱 · 샌드박스 (실제 결제가 아니에요)' : '개발용 토스 앱 (실제 결제가 아니에요)';
      tag.style.cssText = 'font-size:12px;color:#8b95a1;margin-bottom:14px';
      sheet.append(h, tag);
      for (const line of lines) {
        const p = document.createElement('p');
        p.textContent = line;
        p.style.cssText = 'margin:4px 0;font-size:16px';
        sheet.append(p);
      }
      const row = document.createElement('div');
      row.style.cssText = 'display:flex;gap:8px;margin-top:18px';
      const button = (text, action, primary) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = text;
        b.setAttribute('data-dev-host-action', action);
        b.style.cssText = `flex:1;padding:14px;border:0;border-radius:12px;font-size:16px;cursor:pointer;${primary
          ? 'background:#3182f6;color:#fff' : 'background:#f2f4f6;color:#333d4b'}`;
        return b;
      };
      const cancelBtn = button(cancel, 'cancel', false);
      const okBtn = button(confirm, 'confirm', true);
      row.append(cancelBtn, okBtn);
      sheet.append(row);
      let select = null;
      if (codes) {
        const box = document.createElement('div');
        box.style.cssText = 'display:flex;gap:8px;margin-top:12px;align-items:center';
        select = document.createElement('select');
        select.setAttribute('data-dev-host-field', 'error-code');
        select.style.cssText = 'flex:1;padding:10px;border-radius:10px;border:1px solid #d1d6db;font-size:14px';
        for (const c of IAP_ERROR_CODES) {
          const o = document.createElement('option');
          o.value = c;
          o.textContent = `${ERROR_LABELS_KO[c]} (${c})`;
          select.append(o);
        }
        const errBtn = button('오류로 응답', 'error', false);
        errBtn.style.flex = '0 0 auto';
        box.append(select, errBtn);
        sheet.append(box);
      }
      el.append(sheet);
      const done = (result) => { if (overlay && overlay.el === el) overlay = null; el.remove(); resolve(result); };
      overlay = { el, done };
      el.addEventListener('click', (ev) => {
        const action = ev.target && ev.target.getAttribute && ev.target.getAttribute('data-dev-host-action');
        if (action === 'confirm') done({ action });
        else if (action === 'cancel') done({ action });
        else if (action === 'error') done({ action, code: select.value });
      });
      document.body.append(el);
    });
  }

  // --- public API -------------------------------------------------------------------------------------------------
  Object.assign(host, {
    install() {
      w.ReactNativeWebView = { postMessage, __aitDevHost: true };
      host.installed = true;
      w.__CONSTANT_HANDLER_MAP = clone(injectedConstants);
      return host;
    },
    uninstall() {
      generation++;
      inflight = 0;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      closeOverlay();
      if (w.ReactNativeWebView && w.ReactNativeWebView.__aitDevHost) delete w.ReactNativeWebView;
      delete w.__CONSTANT_HANDLER_MAP;
      host.installed = false;
      return host;
    },
    reset() {
      resetState();
      if (host.installed) host.install();
      return host;
    },
    configure(cfg) {
      applyConfig(cfg);
      injectConstants();
      return host;
    },
    constants() { return clone(injectedConstants); },
    respond(functionName, outcome) { persistentScripts.set(functionName, outcome); return host; },
    respondOnce(functionName, outcome) {
      if (!onceScripts.has(functionName)) onceScripts.set(functionName, []);
      onceScripts.get(functionName).push(outcome);
      return host;
    },
    clearResponses(functionName) {
      if (functionName) { onceScripts.delete(functionName); persistentScripts.delete(functionName); }
      else { onceScripts.clear(); persistentScripts.clear(); }
      return host;
    },
    useSandbox(sandbox) {
      settings.sandbox = normalizeSandbox(sandbox);
      return host;
    },
    paymentSheet(mode, { payMethod } = {}) {
      if (mode != null && !['approve', 'cancel', 'interactive'].includes(mode)) {
        throw new TypeError(`dev-host: paymentSheet mode must be 'approve', 'cancel' or 'interactive', got ${JSON.stringify(mode)}`);
      }
      paymentSheetMode = mode ?? null;
      paymentSheetOptions = { payMethod };
      return host;
    },
    async refundOrder(orderId) {
      if (settings.sandbox) return control('POST', `/iap/orders/${q(orderId)}/refund`, {});
      const i = host.data.history.findIndex((o) => o.orderId === orderId);
      if (i < 0 || host.data.history[i].status !== 'COMPLETED') {
        throw new Error(`dev-host: order ${orderId} is not a completed order in host.data.history`);
      }
      const [o] = host.data.history.splice(i, 1);
      const refunded = { ...o, status: 'REFUNDED', date: isoNow() };
      host.data.history.unshift(refunded);
      return { ...refunded };
    },
    sandboxRequest(method, path, body) { return control(method, path, body); },
    purchase(scenario = {}) { purchaseQueue.push(scenario); return host; },
    purchaseAlways(scenario) { purchaseDefault = scenario ?? null; return host; },
    answer(eventId, outcome) {
      const msg = [...host.messages].reverse().find((m) => m.eventId === eventId && m.type === 'method');
      if (!msg) throw new Error(`dev-host: no method call with eventId ${eventId}`);
      const i = host.pending.indexOf(msg);
      if (i >= 0) host.pending.splice(i, 1);
      return answer(msg, outcome);
    },
    fireEvent(functionName, data, { error = false, delayMs = 0 } = {}) {
      for (const m of host.listeners.values()) {
        if (m.functionName !== functionName) continue;
        const name = `${functionName}/${error ? 'onError' : 'onEvent'}/${m.eventId}`;
        emit(name, error ? errorText(data) : resultText(data), delayMs);
      }
      return host;
    },
    emit(name, payloadText, delayMs = 0) { emit(name, String(payloadText), delayMs); return host; },
    waitForMessage(match, { timeoutMs = 5000, from = 0 } = {}) {
      const found = host.messages.slice(from).find((m) => matches(m, match));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        let timer;
        const waiter = (m) => {
          if (!matches(m, match)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(m);
        };
        waiters.add(waiter);
        timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`dev-host: no message matching ${typeof match === 'function' ? 'predicate' : JSON.stringify(match)} within ${timeoutMs} ms`));
        }, timeoutMs);
      });
    },
    async idle() {
      do { await new Promise((r) => setTimeout(r, 0)); } while (timers.size > 0 || inflight > 0);
    },
    closeOverlay,
  });
  Object.defineProperty(host, 'settings', { get: () => ({ ...settings, constants: { ...settings.constants },
    sandbox: settings.sandbox && { ...settings.sandbox } }) });
  Object.defineProperty(host, 'sandbox', { get: () => settings.sandbox && { ...settings.sandbox } });

  resetState();
  return host;
}
