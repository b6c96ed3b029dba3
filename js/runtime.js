// The JS half of ait-checkout's surface, only what wasm-bindgen cannot express: the error class (a real Error
// subclass), and the default SDK module that `init()` loads when `new Checkout()` gets no `sdk` option. Everything
// else (HTTP to the partner, idempotency keys, decoding) is Rust.

/** Every rejection of ait-checkout: `code` (stable), `retryable`, `message` (English), `userMessage` (Korean). */
export class CheckoutError extends Error {
  constructor(code, message, userMessage, retryable, details) {
    super(message);
    this.name = 'CheckoutError';
    this.code = code;
    this.retryable = retryable;
    this.userMessage = userMessage;
    // reason, sdkCode, orderId, minVersions: present only when known.
    if (details) Object.assign(this, details);
  }
}

let defaultSdk;

export function setDefaultSdk(module) {
  defaultSdk = module;
}

export function getDefaultSdk() {
  return defaultSdk;
}
