// The demo mini-app: a small Korean shop using only the ait-checkout package and the SDK, over the dev host (an
// emulated Toss app in this page). Purchases ask the dev host's order sheet; grants are kept in this browser
// (localStorage) until the partner server takes over.
import init, { Checkout, CheckoutError } from 'ait-checkout';
import * as sdk from '@apps-in-toss/web-framework';
import { installDevHost } from '/www/dev-host.js';

const host = installDevHost({ interactive: true });
await init();

const $ = (id) => document.getElementById(id);
const OWNED_KEY = 'ait-demo-owned';
const owned = () => JSON.parse(localStorage.getItem(OWNED_KEY) || '{}');

/** The demo's grant: records the order once (idempotent per orderId). */
async function grant({ orderId, sku }) {
  const all = owned();
  all[orderId] = sku;
  localStorage.setItem(OWNED_KEY, JSON.stringify(all));
  return true;
}

const checkout = new Checkout({ sdk, grant, onEvent: (e) => console.debug('[ait-checkout]', e.name, e) });

function status(text, kind = '') {
  $('status').textContent = text;
  $('status').className = kind;
}

function showError(e) {
  if (e instanceof CheckoutError) {
    status(`${e.userMessage} (${e.code})`, 'error');
    console.warn(e.code, e.message);
  } else {
    status(String(e), 'error');
  }
}

function renderOwned() {
  const counts = {};
  for (const sku of Object.values(owned())) counts[sku] = (counts[sku] || 0) + 1;
  const text = Object.entries(counts).map(([sku, n]) => `${sku} × ${n}`).join(', ');
  $('owned').textContent = text || '아직 구매한 상품이 없어요.';
}

const KIND = { CONSUMABLE: '소모성', NON_CONSUMABLE: '영구', SUBSCRIPTION: '구독' };

async function renderProducts() {
  const list = $('products');
  list.textContent = '';
  let products;
  try {
    const env = checkout.environment();
    $('env').textContent = `${env.platform} · 토스 ${env.appVersion} · ${env.operationalEnvironment}`;
    products = await checkout.products();
  } catch (e) {
    showError(e);
    return;
  }
  for (const p of products) {
    const li = document.createElement('li');
    li.innerHTML = `<div><div class="name"></div><div class="kind"></div></div><button type="button"></button>`;
    li.querySelector('.name').textContent = p.displayName;
    li.querySelector('.kind').textContent = `${KIND[p.type]} · ${p.displayAmount}`;
    const button = li.querySelector('button');
    button.textContent = p.type === 'SUBSCRIPTION' ? '구독하기' : '구매하기';
    button.dataset.sku = p.sku;
    button.addEventListener('click', () => buy(p, button));
    list.append(li);
  }
}

async function buy(product, button) {
  button.disabled = true;
  status('주문서를 열고 있어요…');
  try {
    const result = product.type === 'SUBSCRIPTION'
      ? await checkout.subscribe(product.sku, { offerId: product.offers?.[0]?.offerId ?? null })
      : await checkout.purchase(product.sku);
    status(`${result.displayName}을(를) 받았어요. 주문번호 ${result.orderId}`, 'ok');
  } catch (e) {
    showError(e);
  } finally {
    button.disabled = false;
    renderOwned();
  }
}

$('restore').addEventListener('click', async () => {
  try {
    const { restored, failed } = await checkout.restorePendingOrders();
    status(`${restored.length}건을 받았어요.${failed.length ? ` ${failed.length}건은 다시 시도해 주세요.` : ''}`, failed.length ? 'error' : 'ok');
  } catch (e) {
    showError(e);
  }
  renderOwned();
});

$('history').addEventListener('click', async () => {
  const list = $('orders');
  list.textContent = '';
  try {
    let key = null;
    do {
      const page = await checkout.orderHistory({ key });
      for (const o of page.orders) {
        const li = document.createElement('li');
        li.textContent = `${o.date} · ${o.sku} · ${o.status === 'REFUNDED' ? '환불됨' : '완료'}`;
        list.append(li);
      }
      key = page.hasNext ? page.nextKey : null;
    } while (key);
    status('');
  } catch (e) {
    showError(e);
  }
});

$('apply').addEventListener('click', () => {
  host.configure({ appVersion: $('version').value.trim(), os: $('os').value, environment: $('environment').value });
  renderProducts();
});

renderOwned();
renderProducts();
