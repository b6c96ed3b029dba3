// Entry point of the npm package: the wasm-bindgen module, plus CheckoutError and an `init()` that also loads
// the SDK peer dependency so `new Checkout({})` works without an `sdk` option.
import wasmInit from './ait_checkout.js';
import { getDefaultSdk, setDefaultSdk } from './__RUNTIME__';

export * from './ait_checkout.js';
export { CheckoutError } from './__RUNTIME__';

export default async function init(moduleOrPath) {
  const exports = await wasmInit(moduleOrPath);
  if (!getDefaultSdk()) {
    try {
      setDefaultSdk(await import('@apps-in-toss/web-framework'));
    } catch {
      // Not installed or not resolvable here: `new Checkout({ sdk })` must then pass the module itself.
    }
  }
  return exports;
}
