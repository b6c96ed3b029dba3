// The JS half of ait-checkout's surface: the error class (a real Error subclass, which wasm-bindgen cannot
// declare), and the default SDK module that `init()` loads when `new Checkout()` gets no `sdk` option.

/** Every rejection of ait-checkout: `code` (stable), `retryable`, `message` (English), `userMessage` (Korean). */
export class CheckoutError extends Error {
  constructor(code, message, userMessage, retryable, details) {
    super(message);
    this.name = 'CheckoutError';
    this.code = code;
    this.retryable = retryable;
    this.userMessage = userMessage;
    if (details) {
      for (const [key, value] of Object.entries(details)) {
        if (value !== undefined && value !== null) this[key] = value;
      }
    }
  }
}

export function makeCheckoutError(code, message, userMessage, retryable, details) {
  return new CheckoutError(code, message, userMessage, retryable, details);
}

let defaultSdk;

export function setDefaultSdk(module) {
  defaultSdk = module;
}

export function getDefaultSdk() {
  return defaultSdk;
}

/** A fresh idempotency key: random where `crypto.randomUUID` exists, else time + counter. */
export function newIdempotencyKey() {
  try {
    const uuid = globalThis.crypto.randomUUID();
    if (typeof uuid === 'string') return uuid;
  } catch {
    // No crypto.randomUUID here (an insecure context, an old browser).
  }
  return `${Math.floor(Date.now())}-${Math.floor(Math.random() * 1e12)}`;
}

/** The message of a thrown value, for developers (used by the wasm): a string, an error's message, else JSON. */
export function describe(value) {
  if (typeof value === 'string') return value;
  if (value && typeof value.message === 'string') return value.message;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // Cyclic or a BigInt: fall through.
  }
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/**
 * One request of the partner contract, for the wasm: JSON with the session cookie, the operation's
 * `Idempotency-Key` when it has one, aborted after `timeoutMs`. Resolves `{ status, json }` (`json` undefined for an empty body;
 * `invalid: true` when the body is not JSON); rejects with `{ kind: 'timeout' | 'network', message }`. The typed
 * errors are made in Rust.
 */
export async function partnerFetch(url, method, body, timeoutMs) {
  const headers = { accept: 'application/json' };
  const init = { method, credentials: 'include', headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    // The operation's own key (the same on every retry); other calls are idempotent by orderNo / orderId.
    if (body && typeof body.idempotencyKey === 'string') headers['idempotency-key'] = body.idempotencyKey;
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    if (typeof fetch !== 'function') throw new Error('fetch is not available');
    if (typeof AbortController === 'function') {
      const controller = new AbortController();
      init.signal = controller.signal;
      setTimeout(() => controller.abort(), timeoutMs);
    }
    response = await fetch(url, init);
  } catch (e) {
    throw { kind: e && e.name === 'AbortError' ? 'timeout' : 'network', message: describe(e) };
  }
  let text = '';
  try {
    text = String(await response.text());
  } catch {
    // An unreadable body reads as empty.
  }
  const status = Number(response.status) || 0;
  if (!text) return { status, json: undefined };
  try {
    return { status, json: JSON.parse(text) };
  } catch {
    return { status, invalid: true };
  }
}
