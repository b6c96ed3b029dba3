// Page-side helpers for tests: run SDK calls and turn their outcomes into plain, serialisable records.
import * as sdk from '@apps-in-toss/web-framework';

// Plain description of a thrown / rejected value.
export function describe(e) {
  if (e instanceof Error) {
    const own = {};
    for (const [k, v] of Object.entries(e)) own[k] = v;
    return { isError: true, name: e.name, message: e.message, code: e.code, hasStack: typeof e.stack === 'string', own };
  }
  return { isError: false, value: e };
}

// Settle a promise into {status:'resolved', value} | {status:'rejected', error}; 'pending' until then.
export function track(promise) {
  const rec = { status: 'pending' };
  rec.done = Promise.resolve(promise).then(
    (value) => { rec.status = 'resolved'; rec.value = value; rec.isUndefined = value === undefined; },
    (e) => { rec.status = 'rejected'; rec.error = describe(e); });
  return rec;
}

export async function call(fn, ...args) {
  try {
    const value = await fn(...args);
    return { status: 'resolved', value, isUndefined: value === undefined };
  } catch (e) {
    return { status: 'rejected', error: describe(e) };
  }
}

// Start an IAP purchase through the real SDK and record everything that reaches the app.
// grant: true | false | 'throw' | (params) => value
export function purchase({ sku = 'gem_100', subscription = false, offerId, grant = true, productId } = {}) {
  const rec = { grants: [], events: [], errors: [], outcomes: [] };
  const processProductGrant = async (params) => {
    rec.grants.push(params);
    if (grant === 'throw') throw new Error('grant failed');
    return typeof grant === 'function' ? grant(params) : grant;
  };
  const onEvent = (event) => { rec.events.push(event); rec.outcomes.push('event'); };
  const onError = (error) => { rec.errors.push(describe(error)); rec.outcomes.push('error'); };
  const options = productId !== undefined ? { productId, processProductGrant } : { sku, processProductGrant };
  if (subscription) { options.sku = sku; options.offerId = offerId; }
  const params = { options, onEvent, onError };
  rec.cleanup = subscription ? sdk.IAP.createSubscriptionPurchaseOrder(params) : sdk.IAP.createOneTimePurchaseOrder(params);
  return rec;
}

// JSON-safe snapshot of a purchase record.
export function snapshot(rec) {
  const { cleanup, ...rest } = rec;
  return JSON.parse(JSON.stringify({ ...rest, cleanupIsFunction: typeof cleanup === 'function' }));
}
