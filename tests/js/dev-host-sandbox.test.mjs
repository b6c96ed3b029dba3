// The dev host (www/dev-host.js) in sandbox mode: the REAL Apps-in-Toss web SDK in headless Chromium, the dev host
// playing the Toss app, and a real ait-sandbox process (the Toss servers) on ephemeral ports behind it.
// Needs the sandbox binary: `cargo build -p ait-sandbox` (./build.sh test builds it through `cargo test --workspace`).
// Run: node --test --test-concurrency=1 tests/js/dev-host-sandbox.test.mjs
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../scripts/lib/server.mjs';
import { repoRoot } from '../../scripts/lib/import-map.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';

const SANDBOX_BIN = process.env.AIT_SANDBOX_BIN
  || path.join(process.env.CARGO_TARGET_DIR ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR) : path.join(repoRoot, 'target'),
    'debug', process.platform === 'win32' ? 'ait-sandbox.exe' : 'ait-sandbox');
const API = '/api-partner/v1/apps-in-toss';

let server, browser, sandbox, certDir, controlUrl, tossPort, tls;
const pages = [];
let nextUserKey = 7001; // every test logs in as a user of its own, so the sandbox's state never leaks between tests

// Start ait-sandbox on ephemeral ports and learn its addresses from what it prints.
function startSandbox() {
  if (!existsSync(SANDBOX_BIN)) {
    throw new Error(`ait-sandbox binary not found at ${path.relative(repoRoot, SANDBOX_BIN) || SANDBOX_BIN}: `
      + 'build it first with `cargo build -p ait-sandbox` (or set AIT_SANDBOX_BIN)');
  }
  certDir = mkdtempSync(path.join(os.tmpdir(), 'ait-sandbox-certs-'));
  const child = spawn(SANDBOX_BIN, ['--listen', '127.0.0.1:0', '--control', '127.0.0.1:0', '--cert-dir', certDir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const control = out.match(/control API \(plain HTTP\) on (http:\/\/127\.0\.0\.1:\d+)/);
      const toss = out.match(/Toss API \(HTTPS[^)]*\) on https:\/\/localhost:(\d+)/);
      if (control && toss && /client key/.test(out)) {
        child.stdout.off('data', onData);
        resolve({ child, controlUrl: control[1], tossPort: Number(toss[1]) });
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`ait-sandbox exited (${code}) before it was ready:\n${out}`)));
  });
}

before(async () => {
  const sb = await startSandbox();
  sandbox = sb.child;
  controlUrl = sb.controlUrl;
  tossPort = sb.tossPort;
  tls = {
    ca: readFileSync(path.join(certDir, 'ca.pem')),
    cert: readFileSync(path.join(certDir, 'client.pem')),
    key: readFileSync(path.join(certDir, 'client-key.pem')),
  };
  server = await startServer();
  browser = await launchBrowser();
});
afterEach(async () => {
  while (pages.length) await pages.pop().context().close();
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (sandbox && sandbox.exitCode === null) {
    const exited = new Promise((r) => sandbox.once('exit', r));
    sandbox.kill('SIGTERM');
    await exited;
  }
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

// The control API, from node.
async function control(method, p, body) {
  const res = await fetch(controlUrl + p, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`control ${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const orders = async (userKey) => (await control('GET', `/iap/orders?userKey=${userKey}`)).orders;
const order = async (orderId) => (await control('GET', '/state')).state.iapOrders[orderId];

// The Toss API (HTTPS + mTLS), as the partner server calls it.
function toss(method, p, { body, userKey, bearer } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = { accept: 'application/json' };
    if (data !== undefined) headers['content-type'] = 'application/json';
    if (userKey !== undefined) headers['x-toss-user-key'] = String(userKey);
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const req = https.request({ hostname: '127.0.0.1', servername: 'localhost', port: tossPort, path: API + p, method,
      headers, ...tls }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        try { resolve({ status: res.statusCode, body: JSON.parse(text) }); } catch (e) { reject(new Error(`${p}: ${text}`)); }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

let orderSeq = 0;
async function makePayment(userKey, { amount = 12300, productDesc = '보석 꾸러미' } = {}) {
  const orderNo = `devhost-${process.pid}-${++orderSeq}`;
  const r = await toss('POST', '/pay/make-payment', { userKey,
    body: { orderNo, productDesc, amount, amountTaxFree: 0, isTestPayment: true } });
  assert.equal(r.body.resultType, 'SUCCESS', JSON.stringify(r.body));
  return r.body.success.payToken;
}

// A page with the real SDK and the dev host in sandbox mode, logged in as a fresh user.
async function fresh() {
  const userKey = nextUserKey++;
  const page = await openPage(browser,
    `${server.url}/tests/js/pages/dev-host-sandbox.html?control=${encodeURIComponent(controlUrl)}&userKey=${userKey}`);
  await page.waitForFunction(() => window.ready === true);
  pages.push(page);
  page.userKey = userKey;
  return page;
}

// A purchase through the real SDK, run to quiescence.
async function runPurchase(page, opts = {}, scenario) {
  return page.evaluate(async ({ opts, scenario }) => {
    if (scenario) host.purchase(scenario);
    const rec = h.purchase(opts);
    await host.idle();
    return h.snapshot(rec);
  }, { opts, scenario });
}

test('the sandbox binary runs and the page is configured for it', async () => {
  assert.deepEqual(await control('GET', '/health'), { ok: true });
  const page = await fresh();
  const r = await page.evaluate(() => ({ sandbox: host.sandbox, settings: host.settings.sandbox }));
  assert.deepEqual(r.sandbox, { controlUrl, userKey: String(page.userKey), payMethod: null, pageSize: null });
  assert.deepEqual(r.settings, r.sandbox);
});

test('appLogin: a single-use code issued by the sandbox for userKey, which generate-token and login-me accept', async () => {
  const page = await fresh();
  const r = await page.evaluate(async () => {
    const toss = await h.call(sdk.appLogin);
    host.configure({ environment: 'sandbox' });
    const sandboxApp = await h.call(sdk.appLogin);
    return { toss, sandboxApp };
  });
  assert.equal(r.toss.status, 'resolved');
  assert.equal(r.toss.value.referrer, 'DEFAULT');
  assert.equal(r.sandboxApp.value.referrer, 'SANDBOX');
  const codes = (await control('GET', '/state')).state.loginCodes;
  for (const v of [r.toss.value, r.sandboxApp.value]) {
    assert.equal(typeof v.authorizationCode, 'string');
    assert.deepEqual({ userKey: codes[v.authorizationCode].userKey, used: codes[v.authorizationCode].used },
      { userKey: page.userKey, used: false });
  }
  // what the partner server does with it
  const { authorizationCode, referrer } = r.toss.value;
  const tok = await toss('POST', '/user/oauth2/generate-token', { body: { authorizationCode, referrer } });
  assert.equal(tok.body.resultType, 'SUCCESS', JSON.stringify(tok.body));
  const me = await toss('GET', '/user/oauth2/login-me', { bearer: tok.body.success.accessToken });
  assert.equal(me.body.resultType, 'SUCCESS', JSON.stringify(me.body));
  assert.equal(me.body.success.userKey, page.userKey);
  const again = await toss('POST', '/user/oauth2/generate-token', { body: { authorizationCode, referrer } });
  assert.equal(again.body.resultType, 'FAIL');
  assert.equal(again.body.error.errorCode, 'INVALID_AUTHORIZATION_CODE');
});

test('checkoutPayment: approve → PAY_APPROVED (then execute-payment completes it), cancel → PAY_CANCEL', async () => {
  const page = await fresh();
  const approveToken = await makePayment(page.userKey);
  const cancelToken = await makePayment(page.userKey);
  const r = await page.evaluate(async ({ approveToken, cancelToken }) => {
    const approved = await h.call(sdk.checkoutPayment, { params: { payToken: approveToken } });
    host.paymentSheet('cancel');
    const canceled = await h.call(sdk.checkoutPayment, { params: { payToken: cancelToken } });
    // a payment that is no longer waiting, and one the sandbox does not know, are not approved
    host.paymentSheet('approve');
    const again = await h.call(sdk.checkoutPayment, { params: { payToken: cancelToken } });
    const unknown = await h.call(sdk.checkoutPayment, { params: { payToken: 'no-such-token' } });
    return { approved, canceled, again, unknown, calls: host.sandboxCalls.map((c) => `${c.method} ${c.path} ${c.status}`) };
  }, { approveToken, cancelToken });
  assert.deepEqual(r.approved.value, { success: true });
  assert.deepEqual(r.canceled.value, { success: false, reason: '사용자가 결제를 취소했어요' });
  assert.deepEqual(r.again.value, { success: false, reason: '이미 처리된 결제예요' });
  assert.deepEqual(r.unknown.value, { success: false, reason: '결제 정보를 찾을 수 없어요' });
  assert.deepEqual(r.calls, [
    `GET /payments/${approveToken} 200`, `POST /payments/${approveToken}/approve 200`,
    `GET /payments/${cancelToken} 200`, `POST /payments/${cancelToken}/cancel 200`,
    `GET /payments/${cancelToken} 200`, 'GET /payments/no-such-token 404',
  ]);
  assert.equal((await control('GET', `/payments/${approveToken}`)).payStatus, 'PAY_APPROVED');
  assert.equal((await control('GET', `/payments/${cancelToken}`)).payStatus, 'PAY_CANCEL');
  const exec = await toss('POST', '/pay/execute-payment', { userKey: page.userKey, body: { payToken: approveToken, isTestPayment: true } });
  assert.equal(exec.body.resultType, 'SUCCESS', JSON.stringify(exec.body));
  assert.equal((await control('GET', `/payments/${approveToken}`)).payStatus, 'PAY_COMPLETE');
});

test('checkoutPayment interactive: the Korean sheet shows the sandbox amount and product; 결제하기 approves, 취소 cancels', async () => {
  const page = await fresh();
  const t1 = await makePayment(page.userKey, { amount: 45000, productDesc: '프리미엄 이용권' });
  const t2 = await makePayment(page.userKey, { amount: 990, productDesc: '힌트 1개' });
  await page.evaluate((t) => { host.configure({ interactive: true }); window.__pay = h.track(sdk.checkoutPayment({ params: { payToken: t } })); }, t1);
  await page.waitForSelector('[data-dev-host="sheet"]');
  const text = await page.textContent('[data-dev-host="sheet"]');
  assert.match(text, /토스페이 결제/);
  assert.match(text, /프리미엄 이용권/);
  assert.match(text, /45,000원/);
  assert.match(text, /샌드박스/);
  assert.equal(await page.textContent('[data-dev-host-action="confirm"]'), '결제하기');
  assert.equal(await page.textContent('[data-dev-host-action="cancel"]'), '취소');
  assert.equal(await page.locator('iframe').count(), 0);
  await page.click('[data-dev-host-action="confirm"]');
  assert.deepEqual(await page.evaluate(async () => { await window.__pay.done; return window.__pay.value; }), { success: true });
  assert.equal((await control('GET', `/payments/${t1}`)).payStatus, 'PAY_APPROVED');

  await page.evaluate((t) => { window.__pay = h.track(sdk.checkoutPayment({ params: { payToken: t } })); }, t2);
  await page.waitForSelector('[data-dev-host="sheet"]');
  assert.match(await page.textContent('[data-dev-host="sheet"]'), /990원/);
  await page.click('[data-dev-host-action="cancel"]');
  assert.deepEqual(await page.evaluate(async () => { await window.__pay.done; return window.__pay.value; }),
    { success: false, reason: '사용자가 결제를 취소했어요' });
  assert.equal((await control('GET', `/payments/${t2}`)).payStatus, 'PAY_CANCEL');
  assert.deepEqual(page.problems, []);
});

test('IAP purchase, grant true: a paid order exists at the sandbox during the grant, then PAYMENT_COMPLETED and success', async () => {
  const page = await fresh();
  const rec = await page.evaluate(async () => {
    const r = h.purchase({
      sku: 'gem_100',
      // the partner's grant checks the order at Toss (get-order-status); here: what the sandbox says meanwhile
      grant: async ({ orderId }) => {
        const res = await fetch(`${window.controlUrl}/iap/orders?userKey=${host.sandbox.userKey}`).then((x) => x.json());
        window.__duringGrant = res.orders.find((o) => o.orderId === orderId);
        return true;
      },
    });
    // the grant does I/O of its own, so wait for its answer to reach the host before waiting for quiescence
    await host.waitForMessage({ functionName: 'processProductGrant' });
    await host.idle();
    return h.snapshot(r);
  });
  assert.deepEqual(rec.outcomes, ['event']);
  const { orderId } = rec.grants[0];
  assert.match(orderId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/); // the sandbox's UUID v7
  assert.equal(rec.events[0].type, 'success');
  assert.equal(rec.events[0].data.orderId, orderId);
  assert.equal(rec.events[0].data.displayName, '보석 100개');
  const during = await page.evaluate(() => window.__duringGrant);
  assert.deepEqual({ status: during.status, paid: during.paid, sku: during.sku }, { status: 'ORDER_IN_PROGRESS', paid: true, sku: 'gem_100' });
  const o = await order(orderId);
  assert.deepEqual({ status: o.status, paid: o.paid, userKey: o.userKey }, { status: 'PAYMENT_COMPLETED', paid: true, userKey: String(page.userKey) });
  const st = await toss('POST', '/order/get-order-status', { userKey: page.userKey, body: { orderId } });
  assert.equal(st.body.success.status, 'PAYMENT_COMPLETED');
});

test('IAP purchase, grant false: PRODUCT_NOT_GRANTED_BY_PARTNER, the order stays pending; completeProductGrant completes it', async () => {
  const page = await fresh();
  const rec = await runPurchase(page, { sku: 'gem_500', grant: false });
  assert.deepEqual(rec.outcomes, ['error']);
  assert.equal(rec.errors[0].code, 'PRODUCT_NOT_GRANTED_BY_PARTNER');
  const { orderId } = rec.grants[0];
  const o = await order(orderId);
  assert.deepEqual({ status: o.status, paid: o.paid }, { status: 'ORDER_IN_PROGRESS', paid: true });

  const r = await page.evaluate(async (orderId) => {
    const pending = await h.call(sdk.IAP.getPendingOrders);
    const history = await h.call(sdk.IAP.getCompletedOrRefundedOrders);
    const completed = await h.call(sdk.IAP.completeProductGrant, { params: { orderId } });
    const pendingAfter = await h.call(sdk.IAP.getPendingOrders);
    const historyAfter = await h.call(sdk.IAP.getCompletedOrRefundedOrders);
    const again = await h.call(sdk.IAP.completeProductGrant, { params: { orderId } });
    const unknown = await h.call(sdk.IAP.completeProductGrant, { params: { orderId: 'no-such-order' } });
    return { pending, history, completed, pendingAfter, historyAfter, again, unknown };
  }, orderId);
  assert.equal(r.pending.value.orders.length, 1);
  assert.equal(r.pending.value.orders[0].orderId, orderId);
  assert.equal(r.pending.value.orders[0].sku, 'gem_500');
  assert.match(r.pending.value.orders[0].paymentCompletedDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  assert.deepEqual(r.history.value, { hasNext: false, nextKey: null, orders: [] });
  assert.equal(r.completed.value, true);
  assert.deepEqual(r.pendingAfter.value, { orders: [] });
  assert.deepEqual(r.historyAfter.value.orders.map((x) => [x.orderId, x.status]), [[orderId, 'COMPLETED']]);
  assert.equal(r.again.value, true);
  assert.equal(r.unknown.value, false);
  assert.equal((await order(orderId)).status, 'PAYMENT_COMPLETED');
});

test('subscriptions and the legacy one-shot flow create sandbox orders too (legacy: PURCHASED)', async () => {
  const page = await fresh();
  const sub = await runPurchase(page, { sku: 'pro_monthly', subscription: true, offerId: 'pro_monthly_new', grant: true });
  assert.deepEqual(sub.outcomes, ['event']);
  assert.equal((await order(sub.grants[0].orderId)).status, 'PAYMENT_COMPLETED');
  assert.equal(typeof sub.grants[0].subscriptionId, 'string');

  await page.evaluate(() => host.configure({ appVersion: '5.225.0' })); // below the event flow (iOS 5.230.0)
  const legacy = await runPurchase(page, { sku: 'remove_ads', grant: true });
  assert.deepEqual(legacy.outcomes, ['event']);
  const legacyId = legacy.events[0].data.orderId;
  assert.equal((await order(legacyId)).status, 'PURCHASED');
  assert.equal(await page.evaluate(() => host.messages.some((m) => m.functionName === 'iapCreateOneTimePurchaseOrder')), true);
  const mine = await orders(page.userKey);
  assert.deepEqual(mine.map((o) => o.status).sort(), ['PAYMENT_COMPLETED', 'PURCHASED']);
});

test('history: completed and refunded orders from the sandbox, paged by opaque keys; host.refundOrder refunds at the sandbox', async () => {
  const page = await fresh();
  const ids = [];
  for (const sku of ['gem_100', 'gem_500', 'remove_ads']) {
    const rec = await runPurchase(page, { sku, grant: true });
    assert.deepEqual(rec.outcomes, ['event']);
    ids.push(rec.grants[0].orderId);
  }
  const failed = await runPurchase(page, { sku: 'premium_theme', grant: false }); // pending: not history
  await control('POST', '/clock/advance', { seconds: 60 }); // the refund is dated after every order
  const refunded = await page.evaluate((id) => host.refundOrder(id), ids[1]);
  assert.equal(refunded.status, 'REFUNDED');
  assert.equal((await order(ids[1])).status, 'REFUNDED');

  const r = await page.evaluate(async () => {
    const pages = [];
    let key = null;
    do {
      const res = await sdk.IAP.getCompletedOrRefundedOrders(key === null ? undefined : { key });
      pages.push(res);
      key = res.hasNext ? res.nextKey : null;
    } while (key !== null && pages.length < 10);
    return pages;
  });
  assert.equal(r.length, 2); // pageSize 2 (host.data.pageSize) over three orders
  assert.deepEqual(r.map((p) => [p.orders.length, p.hasNext]), [[2, true], [1, false]]);
  assert.equal(typeof r[0].nextKey, 'string');
  assert.equal(r[0].nextKey.includes(ids[0]) || r[0].nextKey.includes(ids[2]), false); // opaque
  const all = r.flatMap((p) => p.orders);
  assert.deepEqual(all[0], { orderId: ids[1], sku: 'gem_500', status: 'REFUNDED', date: all[0].date }); // newest: the refund
  assert.deepEqual(all.map((o) => o.orderId).sort(), [...ids].sort());
  assert.equal(all.some((o) => o.orderId === failed.grants[0].orderId), false);
  for (const o of all) assert.match(o.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  assert.deepEqual(all.filter((o) => o.orderId !== ids[1]).map((o) => o.status), ['COMPLETED', 'COMPLETED']);
  // an unknown key gives an empty last page; refunding twice is refused by the sandbox
  const r2 = await page.evaluate(async (id) => ({
    bad: await sdk.IAP.getCompletedOrRefundedOrders({ key: 'nonsense' }),
    twice: await h.call(() => host.refundOrder(id)),
  }), ids[1]);
  assert.deepEqual(r2.bad, { hasNext: false, nextKey: null, orders: [] });
  assert.equal(r2.twice.status, 'rejected');
  assert.match(r2.twice.error.message, /409/);
});

test('the interactive order sheet in sandbox mode: 구매 creates the order, 취소 and picked errors create none (PAYMENT_PENDING: an unpaid one)', async () => {
  const page = await fresh();
  await page.evaluate(() => { host.configure({ interactive: true }); window.__rec = h.purchase({ sku: 'gem_100' }); });
  await page.waitForSelector('[data-dev-host="sheet"]');
  const text = await page.textContent('[data-dev-host="sheet"]');
  assert.match(text, /보석 100개/);
  assert.match(text, /1,200원/);
  assert.equal(await page.locator('iframe').count(), 0);
  assert.deepEqual(await orders(page.userKey), []); // nothing until the user buys
  await page.click('[data-dev-host-action="confirm"]');
  const bought = await page.evaluate(async () => { await host.idle(); return h.snapshot(window.__rec); });
  assert.deepEqual(bought.outcomes, ['event']);
  assert.equal((await order(bought.grants[0].orderId)).status, 'PAYMENT_COMPLETED');

  await page.evaluate(() => { window.__rec = h.purchase({ sku: 'gem_100' }); });
  await page.click('[data-dev-host-action="cancel"]');
  const canceled = await page.evaluate(async () => { await host.idle(); return h.snapshot(window.__rec); });
  assert.equal(canceled.errors[0].code, 'USER_CANCELED');

  await page.evaluate(() => { window.__rec = h.purchase({ sku: 'gem_100' }); });
  await page.selectOption('[data-dev-host-field="error-code"]', 'ITEM_ALREADY_OWNED');
  await page.click('[data-dev-host-action="error"]');
  const owned = await page.evaluate(async () => { await host.idle(); return h.snapshot(window.__rec); });
  assert.equal(owned.errors[0].code, 'ITEM_ALREADY_OWNED');
  assert.equal((await orders(page.userKey)).length, 1);

  await page.evaluate(() => { window.__rec = h.purchase({ sku: 'gem_500' }); });
  await page.selectOption('[data-dev-host-field="error-code"]', 'PAYMENT_PENDING');
  await page.click('[data-dev-host-action="error"]');
  const pendingPay = await page.evaluate(async () => { await host.idle(); return h.snapshot(window.__rec); });
  assert.equal(pendingPay.errors[0].code, 'PAYMENT_PENDING');
  const unpaid = (await orders(page.userKey)).find((o) => o.sku === 'gem_500');
  assert.deepEqual({ status: unpaid.status, paid: unpaid.paid }, { status: 'ORDER_IN_PROGRESS', paid: false });
  // not pending for the SDK until the store charge goes through; then it is
  const before = await page.evaluate(() => sdk.IAP.getPendingOrders());
  assert.deepEqual(before, { orders: [] });
  await control('POST', `/iap/orders/${unpaid.orderId}/paid`);
  const after = await page.evaluate(() => sdk.IAP.getPendingOrders());
  assert.deepEqual(after.orders.map((o) => o.orderId), [unpaid.orderId]);
});

test('scripted outcomes and version gates take precedence over the sandbox', async () => {
  const page = await fresh();
  const codesBefore = Object.keys((await control('GET', '/state')).state.loginCodes).length;
  const r = await page.evaluate(async () => {
    host.respondOnce('appLogin', { error: { code: 'X_LOGIN', message: 'scripted' } });
    const login = await h.call(sdk.appLogin);
    host.respondOnce('checkoutPayment', { result: { success: false, reason: 'scripted' } });
    const pay = await h.call(sdk.checkoutPayment, { params: { payToken: 'whatever' } });
    host.respond('getPendingOrders', { result: { orders: [{ orderId: 'scripted', sku: 'gem_100', paymentCompletedDate: '2026-01-01T00:00:00' }] } });
    const pending = await h.call(sdk.IAP.getPendingOrders);
    host.clearResponses('getPendingOrders');
    host.configure({ appVersion: '5.220.0' }); // below getPendingOrders (iOS 5.231.0): the host answers undefined
    const gated = await h.call(sdk.IAP.getPendingOrders);
    host.configure({ appVersion: '5.260.0' });
    host.purchase({ error: 'NETWORK_ERROR' });
    const rec = h.purchase({ sku: 'gem_100' });
    await host.idle();
    host.purchase({ errorAfterGrant: 'INTERNAL_ERROR' });
    const rec2 = h.purchase({ sku: 'gem_500' });
    await host.idle();
    return { login, pay, pending, gated, rec: h.snapshot(rec), rec2: h.snapshot(rec2),
      calls: host.sandboxCalls.map((c) => `${c.method} ${c.path.replace(/\?.*/, '')}`) };
  });
  assert.equal(r.login.status, 'rejected');
  assert.equal(r.login.error.code, 'X_LOGIN');
  assert.deepEqual(r.pay.value, { success: false, reason: 'scripted' });
  assert.equal(r.pending.value.orders[0].orderId, 'scripted');
  assert.equal(r.gated.isUndefined, true);
  assert.equal(r.rec.errors[0].code, 'NETWORK_ERROR');
  assert.equal(r.rec2.errors[0].code, 'INTERNAL_ERROR'); // the host errs after the grant ...
  const o2 = await order(r.rec2.grants[0].orderId);
  assert.equal(o2.status, 'PAYMENT_COMPLETED'); // ... although Toss completed the order
  // the only sandbox traffic: the second purchase (the first failed before any order was made)
  assert.deepEqual(r.calls, ['POST /iap/orders', `POST /iap/orders/${r.rec2.grants[0].orderId}/decide`]);
  assert.equal(Object.keys((await control('GET', '/state')).state.loginCodes).length, codesBefore);
  assert.equal((await orders(page.userKey)).length, 1);
});

test('an unreachable sandbox: appLogin rejects with NETWORK_ERROR, a purchase reports NETWORK_ERROR, checkoutPayment fails', async () => {
  const page = await fresh();
  const closed = await startServer();
  const deadUrl = closed.url;
  await closed.close();
  const r = await page.evaluate(async (deadUrl) => {
    host.useSandbox({ controlUrl: deadUrl, userKey: 1 });
    const login = await h.call(sdk.appLogin);
    const rec = h.purchase({ sku: 'gem_100' });
    await host.idle();
    const pay = await h.call(sdk.checkoutPayment, { params: { payToken: 't' } });
    const history = await h.call(sdk.IAP.getCompletedOrRefundedOrders);
    host.useSandbox(null); // back to the scripted host
    const local = await h.call(sdk.appLogin);
    return { login, rec: h.snapshot(rec), pay, history, local, sandbox: host.sandbox };
  }, deadUrl);
  assert.equal(r.login.status, 'rejected');
  assert.equal(r.login.error.code, 'NETWORK_ERROR');
  assert.match(r.login.error.message, /unreachable/);
  assert.equal(r.rec.errors[0].code, 'NETWORK_ERROR');
  assert.deepEqual(r.pay.value, { success: false, reason: '결제 정보를 불러오지 못했어요' });
  assert.equal(r.history.error.code, 'NETWORK_ERROR');
  assert.match(r.local.value.authorizationCode, /^dev-auth-/);
  assert.equal(r.sandbox, null);
});

test('configuration errors are clear, and without a sandbox the payment sheet and refunds work on local data', async () => {
  const page = await fresh();
  const r = await page.evaluate(() => {
    const errs = [];
    for (const bad of [{ userKey: 1 }, { controlUrl: 'http://127.0.0.1:1', userKey: 'abc' }]) {
      try { host.useSandbox(bad); } catch (e) { errs.push(e.message); }
    }
    try { host.paymentSheet('maybe'); } catch (e) { errs.push(e.message); }
    return errs;
  });
  assert.equal(r.length, 3);
  assert.match(r[0], /controlUrl/);
  assert.match(r[1], /userKey/);
  assert.match(r[2], /paymentSheet/);
  const local = await page.evaluate(async () => {
    host.useSandbox(null);
    host.paymentSheet('cancel');
    const pay = await h.call(sdk.checkoutPayment, { params: { payToken: 'PT' } });
    const refunded = await host.refundOrder('ord-hist-0005');
    const first = await sdk.IAP.getCompletedOrRefundedOrders();
    return { pay, refunded, first: first.orders[0] };
  });
  assert.deepEqual(local.pay.value, { success: false, reason: '사용자가 결제를 취소했어요' });
  assert.equal(local.refunded.status, 'REFUNDED');
  assert.deepEqual({ ...local.first, date: null }, { orderId: 'ord-hist-0005', sku: 'gem_500', status: 'REFUNDED', date: null });
});
