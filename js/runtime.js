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
