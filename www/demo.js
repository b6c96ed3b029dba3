// The demo mini-app: a small Korean shop that takes money both ways ait-checkout supports, against the reference
// partner server (ait-partner) and Toss emulated by ait-sandbox — what `./build.sh demo` serves. The Toss app is
// emulated in this page by the dev host (an overlay, never an iframe).
import init, { Checkout, CheckoutError } from 'ait-checkout';
import * as sdk from '@apps-in-toss/web-framework';
import { installDevHost } from '/www/dev-host.js';

const API = '/api/ait';
const $ = (id) => document.getElementById(id);

// The emulated Toss app talks to the sandbox like the real app talks to Toss.
const sandbox = await fetch('/dev/sandbox.json').then((r) => (r.ok ? r.json() : null)).catch(() => null);
const host = installDevHost({
  interactive: true,
  ...(sandbox ? { sandbox: { controlUrl: sandbox.controlUrl, userKey: sandbox.userKey } } : {}),
});
window.devHost = host;
await init();

const checkout = new Checkout({
  sdk,
  partnerBaseUrl: API,
  onEvent: (e) => console.debug('[ait-checkout]', e.name, e),
});

// What the page shows; the server prices every order itself from the same catalog (ait-partner's default).
const GOODS = [
  { sku: 'beans_200g', name: '원두 200g', price: 12000 },
  { sku: 'drip_bag_10', name: '드립백 10개입', price: 9500 },
  { sku: 'mug_cup', name: '머그컵', price: 15000 },
];
const cart = new Map();
const won = (n) => `${Number(n).toLocaleString('ko-KR')}원`;

function status(text, kind = '') {
  $('status').textContent = text;
  $('status').className = kind;
}

function showError(e) {
  if (e instanceof CheckoutError) {
    const text = e.code === 'PAYMENT_OUTCOME_UNKNOWN' ? `결제 결과를 확인하고 있어요. (${e.orderId ?? ''})` : e.userMessage;
    status(`${text} [${e.code}]`, 'error');
    console.warn(e.code, e.message);
  } else {
    status(String(e?.message ?? e), 'error');
  }
}

async function api(method, path, body) {
  const response = await fetch(API + path, {
    method,
    credentials: 'include',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new Error(json?.error?.message ?? `HTTP ${response.status}`);
  return json;
}

// --- environment and login -------------------------------------------------------------------------------------

function renderEnvironment() {
  try {
    const env = checkout.environment();
    $('env').textContent = `${env.platform} · 토스 ${env.appVersion} · ${env.operationalEnvironment}${sandbox ? ' · 샌드박스 서버' : ''}`;
  } catch (e) {
    showError(e);
  }
}

let loggedIn = false;
$('login').addEventListener('click', async () => {
  $('login').disabled = true;
  try {
    await checkout.login();
    loggedIn = true;
    $('who').textContent = '로그인했어요';
    $('login').hidden = true;
    status('토스로 로그인했어요.', 'ok');
    await renderOwned();
  } catch (e) {
    showError(e);
    $('login').disabled = false;
  }
  renderCart();
});

// --- TossPay: cart, pay, receipt, refund --------------------------------------------------------------------------

function renderGoods() {
  const list = $('goods');
  list.textContent = '';
  for (const g of GOODS) {
    const li = document.createElement('li');
    li.innerHTML = `<div><div class="name"></div><div class="kind"></div></div>
      <span class="qty"><button type="button" data-op="-">−</button><span class="n" data-testid="qty-${g.sku}">0</span><button type="button" data-op="+" data-testid="add-${g.sku}">＋</button></span>`;
    li.querySelector('.name').textContent = g.name;
    li.querySelector('.kind').textContent = won(g.price);
    for (const b of li.querySelectorAll('button')) {
      b.addEventListener('click', () => {
        const n = Math.max(0, (cart.get(g.sku) ?? 0) + (b.dataset.op === '+' ? 1 : -1));
        if (n) cart.set(g.sku, n); else cart.delete(g.sku);
        li.querySelector('.n').textContent = String(n);
        renderCart();
      });
    }
    list.append(li);
  }
}

function cartTotal() {
  return [...cart].reduce((sum, [sku, n]) => sum + GOODS.find((g) => g.sku === sku).price * n, 0);
}

function renderCart() {
  $('total').textContent = won(cartTotal());
  $('pay').disabled = !loggedIn || cart.size === 0;
}

let lastReceipt = null;
$('pay').addEventListener('click', async () => {
  $('pay').disabled = true;
  status('결제를 준비하고 있어요…');
  try {
    const order = { items: [...cart].map(([sku, quantity]) => ({ sku, quantity })) };
    const receipt = await checkout.payWithTossPay({ order, expectedAmount: cartTotal() });
    lastReceipt = receipt;
    renderReceipt(receipt, '결제 완료');
    status(`${won(receipt.paidAmount)}을 결제했어요.`, 'ok');
    cart.clear();
    renderGoods();
  } catch (e) {
    showError(e);
  }
  renderCart();
});

function renderReceipt(r, state) {
  const rows = [
    ['상태', state],
    ['주문번호', r.orderNo],
    ['결제 금액', won(r.paidAmount ?? r.refundedAmount ?? r.amount)],
    ['결제 수단', r.payMethod ?? '-'],
    ['거래번호', r.transactionId ?? '-'],
    ['승인 시각', r.approvalTime ?? '-'],
  ];
  const dl = $('receipt');
  dl.textContent = '';
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  $('receipt-section').hidden = false;
}

$('refund').addEventListener('click', async () => {
  if (!lastReceipt) return;
  $('refund').disabled = true;
  try {
    await api('POST', `/tosspay/payments/${encodeURIComponent(lastReceipt.orderNo)}/refund`, { reason: '고객요청' });
    renderReceipt(lastReceipt, '환불 완료');
    status('결제를 취소했어요. 환불은 결제 수단으로 돌아가요.', 'ok');
  } catch (e) {
    showError(e);
    $('refund').disabled = false;
  }
});

// --- in-app purchases ----------------------------------------------------------------------------------------------

const KIND = { CONSUMABLE: '소모성', NON_CONSUMABLE: '영구', SUBSCRIPTION: '구독' };
// Product names by SKU, from the last products() call: the owned list shows names, not SKUs and order ids.
const productNames = new Map();

async function renderProducts() {
  const list = $('products');
  list.textContent = '';
  let products;
  try {
    products = await checkout.products();
  } catch (e) {
    showError(e);
    return;
  }
  for (const p of products) {
    productNames.set(p.sku, p.displayName);
    const li = document.createElement('li');
    li.innerHTML = `<div><div class="name"></div><div class="kind"></div></div><button type="button"></button>`;
    li.querySelector('.name').textContent = p.displayName;
    li.querySelector('.kind').textContent = `${KIND[p.type]} · ${p.displayAmount}`;
    const button = li.querySelector('button');
    button.textContent = p.type === 'SUBSCRIPTION' ? '구독하기' : '구매하기';
    button.dataset.testid = `buy-${p.sku}`;
    button.addEventListener('click', () => buy(p, button));
    list.append(li);
  }
}

async function buy(product, button) {
  if (!loggedIn) return status('먼저 토스로 로그인해 주세요.', 'error');
  button.disabled = true;
  status('주문서를 열고 있어요…');
  try {
    const result = product.type === 'SUBSCRIPTION'
      ? await checkout.subscribe(product.sku, { offerId: product.offers?.[0]?.offerId ?? null })
      : await checkout.purchase(product.sku);
    status(`${result.displayName}을(를) 받았어요.`, 'ok');
  } catch (e) {
    showError(e);
  } finally {
    button.disabled = false;
    await renderOwned();
  }
}

async function renderOwned() {
  const list = $('owned');
  list.textContent = '';
  try {
    const owned = await api('GET', '/iap/entitlements');
    if (owned.length === 0) list.innerHTML = '<li class="muted">아직 받은 상품이 없어요.</li>';
    for (const e of owned) {
      const li = document.createElement('li');
      const when = e.grantedAt ? new Date(e.grantedAt).toLocaleDateString('ko-KR') : '';
      // A provisional grant waits for Toss to confirm the order (the partner confirms or revokes it on its own).
      li.textContent = [productNames.get(e.sku) ?? e.sku, when, e.provisional ? '결제 확인 중' : ''].filter(Boolean).join(' · ');
      li.dataset.sku = e.sku;
      li.dataset.orderId = e.orderId ?? '';
      list.append(li);
    }
  } catch {
    list.innerHTML = '<li class="muted">로그인하면 보여요.</li>';
  }
}

$('restore').addEventListener('click', async () => {
  try {
    const { restored, failed } = await checkout.restorePendingOrders();
    const text = restored.length ? `${restored.length}건을 받았어요.` : '받을 상품이 없어요.';
    status(failed.length ? `${text} ${failed.length}건은 잠시 후 다시 시도해 주세요.` : text, failed.length ? 'error' : 'ok');
  } catch (e) {
    showError(e);
  }
  await renderOwned();
});

async function renderHistory() {
  const list = $('orders');
  list.textContent = '';
  let key = null;
  let revoked = 0;
  do {
    const page = await checkout.orderHistory({ key });
    revoked += page.revoked.length;
    for (const o of page.orders) {
      const li = document.createElement('li');
      li.dataset.orderId = o.orderId;
      const label = document.createElement('span');
      label.textContent = `${o.date.replace('T', ' ')} · ${o.sku} · ${o.status === 'REFUNDED' ? '환불됨' : '완료'}`;
      li.append(label);
      if (o.status === 'COMPLETED' && host.sandbox) {
        const refund = document.createElement('button');
        refund.type = 'button';
        refund.className = 'secondary';
        refund.textContent = '스토어에서 환불';
        refund.dataset.testid = `store-refund-${o.orderId}`;
        refund.addEventListener('click', async () => {
          await host.refundOrder(o.orderId);
          await showHistory();
        });
        li.append(refund);
      }
      list.append(li);
    }
    key = page.hasNext ? page.nextKey : null;
  } while (key);
  return revoked;
}

async function showHistory() {
  try {
    const revoked = await renderHistory();
    status(revoked ? `환불된 ${revoked}건의 상품을 회수했어요.` : '구매 내역을 불러왔어요.', 'ok');
  } catch (e) {
    showError(e);
  }
  await renderOwned();
}
$('history').addEventListener('click', showHistory);

$('apply').addEventListener('click', () => {
  host.configure({ appVersion: $('version').value.trim(), os: $('os').value, environment: $('environment').value });
  renderEnvironment();
  renderProducts();
});

renderEnvironment();
renderGoods();
renderCart();
await renderProducts();
window.demoReady = true;
