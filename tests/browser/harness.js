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
