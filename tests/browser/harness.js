// Test-time harness for the Rust browser tests: the real SDK (from node_modules, pinned by package-lock.json) and
// the dev host, bundled into one ES module by bundle.mjs (the output in generated/ is never committed).
import * as sdk from '@apps-in-toss/web-framework';
import { installDevHost } from '../../www/dev-host.js';

const host = installDevHost();

export function sdkModule() {
  return sdk;
}

/** Back to a freshly installed default host, then `config` (JSON) applied. */
export function resetHost(configJson) {
  host.install();
  host.reset();
  if (configJson) host.configure(JSON.parse(configJson));
}

export function configureHost(json) {
  host.configure(JSON.parse(json));
}

export function respond(functionName, outcomeJson) {
  host.respond(functionName, JSON.parse(outcomeJson));
}

export function respondOnce(functionName, outcomeJson) {
  host.respondOnce(functionName, JSON.parse(outcomeJson));
}

export function purchaseScenario(json) {
  host.purchase(JSON.parse(json));
}

export function uninstallHost() {
  host.uninstall();
}

export function messagesJson() {
  return JSON.stringify(host.messages);
}

export function idle() {
  return host.idle();
}

/** A same-origin frame's window, to check frame detection from inside a real frame. */
export function frameWindow() {
  const frame = document.createElement('iframe');
  document.body.appendChild(frame);
  return frame.contentWindow;
}

// --- the capabilities SDK 3.x adds, on top of the real 2.10.8 module (sdk-v3.md), for WebSdk's decisions ---

const tossPayCalls = [];

/**
 * The real module, extended the way 3.x extends it. `options` (JSON):
 *   moduleIsSupported: any        adds a module-level `isSupported()` answering it
 *   isSupported: { 'IAP.name' | 'name': answer }   wraps that function (calls go through to the real one) and gives
 *                                 it an `isSupported()` answering `answer`; the answer 'throwUnsupported' throws an
 *                                 Error with code UNSUPPORTED_APP_VERSION instead
 *   tossPay: true                 adds `TossPay.authorize` / `authorizeSubscription`, recording their argument and
 *                                 resolving { success: true }
 *   without: ['checkoutPayment', 'IAP', ...]        leaves these members out
 */
export function sdkModuleWith(optionsJson) {
  const options = JSON.parse(optionsJson);
  const m = { ...sdk, IAP: { ...sdk.IAP } };
  if ('moduleIsSupported' in options) m.isSupported = () => options.moduleIsSupported;
  for (const [path, answer] of Object.entries(options.isSupported ?? {})) {
    const [owner, name] = path.includes('.') ? [m.IAP, path.split('.')[1]] : [m, path];
    const real = owner[name];
    const wrapped = (...args) => real(...args);
    wrapped.isSupported = () => {
      if (answer === 'throwUnsupported') {
        throw Object.assign(new Error(`${path} is not supported`), { code: 'UNSUPPORTED_APP_VERSION' });
      }
      return answer;
    };
    owner[name] = wrapped;
  }
  if (options.tossPay) {
    m.TossPay = {
      async authorize(arg) {
        tossPayCalls.push({ fn: 'TossPay.authorize', args: [arg] });
        return { success: true };
      },
      async authorizeSubscription(arg) {
        tossPayCalls.push({ fn: 'TossPay.authorizeSubscription', args: [arg] });
        return { success: true };
      },
    };
  }
  for (const name of options.without ?? []) delete m[name];
  return m;
}

/** The TossPay calls recorded since the last read, as JSON. */
export function takeTossPayCalls() {
  return JSON.stringify(tossPayCalls.splice(0));
}

/** The 3.x transport global (`window.__appsInTossNativeBridge`), present or not. */
export function setNativeBridge(present) {
  if (present) {
    window.__appsInTossNativeBridge = { callAsyncMethod: () => Promise.reject(new Error('no native side in this test')) };
  } else {
    delete window.__appsInTossNativeBridge;
  }
}

/** Leaves only window.ReactNativeWebView of the 2.x host (the constants map removed). */
export function removeConstants() {
  delete window.__CONSTANT_HANDLER_MAP;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- the dev host backed by the sandbox, and the partner server (flow tests) ---

export function useSandbox(controlUrl, userKey) {
  host.useSandbox({ controlUrl, userKey });
}

export function paymentSheet(mode) {
  host.paymentSheet(mode);
}

export function refundOrder(orderId) {
  return host.refundOrder(orderId);
}

/** A control-API call to the sandbox; resolves with the JSON reply as text. */
export async function sandboxRequest(method, path, bodyJson) {
  const reply = await host.sandboxRequest(method, path, bodyJson ? JSON.parse(bodyJson) : undefined);
  return JSON.stringify(reply ?? null);
}

/** GET on the partner server with the session cookie; resolves with the JSON reply as text. */
export async function partnerGet(url) {
  const response = await fetch(url, { credentials: 'include' });
  return JSON.stringify({ status: response.status, body: await response.json().catch(() => null) });
}
