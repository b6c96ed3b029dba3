/* tslint:disable */
/* eslint-disable */

/** Options of `new Checkout()`. */
export interface CheckoutOptions {
    /** The `@apps-in-toss/web-framework` module (2.10 or 3.x); defaults to the one `init()` imported. */
    sdk?: unknown;
    /** Where the partner contract lives (login, payWithTossPay, the default grant, entitlements, logout). */
    partnerBaseUrl?: string;
    /** Grants a paid order on your server; resolve `true` only when granted. Called at most once per order while the order is among the last 64 this Checkout granted; make it idempotent per `orderId` (the partner contract's grant is).
     *  Default with `partnerBaseUrl`: the partner contract's `POST /iap/grants`. */
    grant?: (order: GrantOrder) => boolean | Promise<boolean>;
    /** Progress and diagnostics; never secrets. */
    onEvent?: (event: Event) => void;
    /** Hears each fresh entitlements snapshot from the partner (after `entitlements()`, a purchase, a restore, a
     *  history sync). */
    onEntitlements?: (entitlements: Entitlement[]) => void;
    /** Deadlines in milliseconds. */
    timeouts?: Timeouts;
}

/** The error of every rejection (exported by the package entry). */
export declare class CheckoutError extends Error {
    readonly name: "CheckoutError";
    /** Stable and machine-readable: switch over it. */
    readonly code: ErrorCode;
    /** Whether trying again later can succeed. */
    readonly retryable: boolean;
    /** Korean, fit to show the person using the mini-app. */
    readonly userMessage: string;
    /** Why the user did not authenticate (`TOSSPAY_NOT_AUTHENTICATED`), when the host said. */
    readonly reason?: string;
    /** The raw code of the SDK, the partner server or Toss, when it adds to `code`. */
    readonly sdkCode?: string;
    /** The IAP order concerned, when known. */
    readonly orderId?: string;
    /** For `UNSUPPORTED_APP_VERSION`: the minimum app versions the call needs. */
    readonly minVersions?: { android: string; ios: string };
}

/** The receipt of a TossPay payment (the partner contract's `PaymentReceipt`). */
export type Receipt = PaymentReceipt;


/**
 * A completed payment, returned by execute and by status once paid.
 */
export interface PaymentReceipt {
    /**
     * Order number.
     */
    orderNo: string;
    /**
     * Payment token.
     */
    payToken: string;
    /**
     * Total amount.
     */
    amount: Won;
    /**
     * Amount charged to the payment method (after discounts).
     */
    paidAmount: Won;
    /**
     * `TOSS_MONEY` or `CARD` (an open list: Toss may add methods).
     */
    payMethod: string;
    /**
     * Toss transaction id.
     */
    transactionId: string;
    /**
     * Approval time, `yyyy-MM-dd HH:mm:ss` (Toss's format).
     */
    approvalTime: string;
    /**
     * Discount (instant discount, points).
     */
    discountedAmount?: Won;
    /**
     * `LIVE` or `TEST` (relayed from Toss as sent).
     */
    mode?: string;
    /**
     * Card company name (CARD).
     */
    cardCompanyName?: string;
    /**
     * Last card digits (CARD).
     */
    cardNum4Print?: string;
    /**
     * Sales slip URL (CARD).
     */
    salesCheckLinkUrl?: string;
    /**
     * Bank name (TOSS_MONEY).
     */
    accountBankName?: string;
    /**
     * Masked account number (TOSS_MONEY).
     */
    accountNumber?: string;
}

/**
 * A consumable or non-consumable product.
 */
export interface OneTimeProduct {
    /**
     * The store SKU, used to buy the product.
     */
    sku: string;
    /**
     * The price as the store formats it for display (e.g. `₩1,200`).
     */
    displayAmount: string;
    /**
     * The product name to show.
     */
    displayName: string;
    /**
     * Icon URL.
     */
    iconUrl: string;
    /**
     * Description to show.
     */
    description: string;
}

/**
 * A grant the server revoked.
 */
export interface RevokedGrant {
    /**
     * IAP order id.
     */
    orderId: string;
    /**
     * Product id.
     */
    sku: string;
}

/**
 * A paid order whose product was not granted yet (`IAP.getPendingOrders`).
 */
export interface PendingOrder {
    /**
     * The order to grant and complete.
     */
    orderId: string;
    /**
     * Its SKU.
     */
    sku: string;
    /**
     * When it was paid. The web types declare it; the native ones do not, so it may be missing.
     */
    paymentCompletedDate?: string;
}

/**
 * A subscription offer, tagged by `type`.
 */
export type Offer = { type: "FREE_TRIAL"; offerId: string; period: string } | { type: "NEW_SUBSCRIPTION"; offerId: string; period: string; displayAmount: string } | { type: "RETURNING"; offerId: string; period: string; displayAmount: string };

/**
 * A subscription product, with its renewal cycle and offers.
 */
export interface SubscriptionProduct {
    /**
     * The store SKU, used to buy the product.
     */
    sku: string;
    /**
     * The price as the store formats it for display (e.g. `₩1,200`).
     */
    displayAmount: string;
    /**
     * The product name to show.
     */
    displayName: string;
    /**
     * Icon URL.
     */
    iconUrl: string;
    /**
     * Description to show.
     */
    description: string;
    /**
     * How often it renews.
     */
    renewalCycle: RenewalCycle;
    /**
     * Introductory offers, when any.
     */
    offers?: Offer[];
}

/**
 * A subscription's state (`IAP.getSubscriptionInfo`).
 */
export type SubscriptionStatus = "ACTIVE" | "EXPIRED" | "IN_GRACE_PERIOD" | "ON_HOLD" | "PAUSED" | "REVOKED";

/**
 * An IAP product, tagged by `type` as the SDK tags it.
 */
export type Product = ({ type: "CONSUMABLE" } & OneTimeProduct) | ({ type: "NON_CONSUMABLE" } & OneTimeProduct) | ({ type: "SUBSCRIPTION" } & SubscriptionProduct);

/**
 * An amount in won (KRW, no minor unit). On the wire a plain JSON integer (`#[serde(transparent)]`); in
 * TypeScript a `number`. Re-exported as `ait_api::partner::Won`.
 */
export type Won = number;

/**
 * An order `restorePendingOrders()` could not close.
 */
export interface FailedRestore {
    /**
     * The order.
     */
    orderId: string;
    /**
     * Its SKU.
     */
    sku: string;
    /**
     * Why: `PRODUCT_NOT_GRANTED_BY_PARTNER` if the grant failed, else the failure of completing it.
     */
    error: CheckoutError;
}

/**
 * An order `restorePendingOrders` granted and completed.
 */
export interface RestoredOrder {
    /**
     * The order.
     */
    orderId: string;
    /**
     * Its SKU.
     */
    sku: string;
}

/**
 * Deadlines of `new Checkout({ timeouts })`, in milliseconds; each one left out keeps its default.
 */
export interface Timeouts {
    /**
     * Calls nobody has to act on (queries, completing a grant). Default 10 000.
     */
    bridgeMs?: number;
    /**
     * Calls a person answers (login consent, the payment sheet, the order sheet). Default 300 000.
     */
    interactionMs?: number;
    /**
     * Your grant; at most 29 000, as the host waits 30 s for it. Default 25 000.
     */
    grantMs?: number;
    /**
     * Each request to the partner server. Default 15 000.
     */
    partnerMs?: number;
}

/**
 * Details of a subscription.
 */
export interface SubscriptionInfo {
    /**
     * The catalog entry.
     */
    catalogId: number;
    /**
     * Its state.
     */
    status: SubscriptionStatus;
    /**
     * When it ends, if it does.
     */
    expiresAt: string | null;
    /**
     * Whether it renews.
     */
    isAutoRenew: boolean;
    /**
     * End of the grace period, during one.
     */
    gracePeriodExpiresAt: string | null;
    /**
     * Whether the user may use it now.
     */
    isAccessible: boolean;
}

/**
 * How often a subscription renews.
 */
export type RenewalCycle = "WEEKLY" | "MONTHLY" | "YEARLY";

/**
 * One order of the SDK history, as sent to `/iap/sync`.
 */
export interface HistoryOrder {
    /**
     * IAP order id.
     */
    orderId: string;
    /**
     * Product id.
     */
    sku: string;
    /**
     * Status per the SDK.
     */
    status: "COMPLETED" | "REFUNDED";
    /**
     * Date per the SDK (kept as sent).
     */
    date?: string;
}

/**
 * One page of `IAP.getCompletedOrRefundedOrders({ key })`.
 */
export interface OrderHistoryPage {
    /**
     * The orders of this page: the contract's [`HistoryOrder`], which `/iap/sync` receives as they came.
     */
    orders: HistoryOrder[];
    /**
     * Whether another page follows.
     */
    hasNext: boolean;
    /**
     * Pass as `key` to get the next page.
     */
    nextKey?: string | null;
}

/**
 * One step of a flow.
 */
export interface Event {
    /**
     * What happened, e.g. `purchase.started`, `grant.succeeded`, `purchase.duplicate_ignored`.
     */
    name: string;
    /**
     * The SKU concerned, when any.
     */
    sku?: string;
    /**
     * The IAP order concerned, when any.
     */
    orderId?: string;
    /**
     * The error code, for failures.
     */
    code?: string;
    /**
     * Milliseconds since the flow started.
     */
    elapsedMs: number;
}

/**
 * One thing the user owns, in the `GET /iap/entitlements` reply (a JSON array of these).
 */
export interface Entitlement {
    /**
     * Product id.
     */
    sku: string;
    /**
     * The IAP order that granted it.
     */
    orderId?: string;
    /**
     * When it was granted (RFC 3339).
     */
    grantedAt?: string;
    /**
     * True while the grant is provisional: it was made while Toss reported the order `ORDER_IN_PROGRESS`
     * (`get-order-status` cannot tell "charged, grant pending" from "not charged yet"). The server confirms it
     * once Toss reports the order completed, or revokes it if the order fails or is refunded.
     */
    provisional?: boolean;
}

/**
 * The `error` of an [`ErrorBody`].
 */
export interface PartnerError {
    /**
     * Machine-readable code (an open list: a partner may add its own).
     */
    code: string;
    /**
     * English, for developers.
     */
    message: string;
    /**
     * True when repeating the same request later may succeed.
     */
    retryable: boolean;
    /**
     * The Toss `error` relayed with `TOSS_API_FAILED` (an extension of the contract; optional).
     */
    toss?: ApiError;
}

/**
 * The body of every partner error reply: `{ "error": { "code", "message", "retryable" } }`.
 */
export interface ErrorBody {
    /**
     * The error.
     */
    error: PartnerError;
}

/**
 * The mobile platform the Toss app runs on (`getPlatformOS`).
 */
export type Platform = "ios" | "android";

/**
 * What `appLogin()` resolves with.
 */
export interface AppLoginResult {
    /**
     * Single-use code for the partner server's `generate-token`.
     */
    authorizationCode: string;
    /**
     * `DEFAULT` or `SANDBOX`.
     */
    referrer: Referrer;
}

/**
 * What `checkoutPayment` and `requestTossPayPaysBilling` resolve with.
 */
export interface AuthenticationResult {
    /**
     * Whether the user authenticated.
     */
    success: boolean;
    /**
     * Why not, when the host says.
     */
    reason?: string;
}

/**
 * What `grant` is asked to grant.
 */
export interface GrantOrder {
    /**
     * The paid order; grant idempotently per order.
     */
    orderId: string;
    /**
     * The product bought.
     */
    sku: string;
    /**
     * For subscriptions, when the host gives one.
     */
    subscriptionId?: string;
}

/**
 * What `orderHistory()` resolves with: one page of history, and the grants your server revoked for its refunded
 * orders (with `partnerBaseUrl`; else none).
 */
export interface OrderHistoryResult extends OrderHistoryPage {
    /**
     * Grants revoked by the sync of this page.
     */
    revoked: RevokedGrant[];
}

/**
 * What `purchase(sku)` and `subscribe(sku)` resolve with: the host's payload plus the SKU bought.
 */
export interface PurchaseResult {
    /**
     * The order, unique per purchase; the grant was made for it.
     */
    orderId: string;
    /**
     * The SKU bought.
     */
    sku: string;
    /**
     * The product name.
     */
    displayName: string;
    /**
     * The price as displayed.
     */
    displayAmount: string;
    /**
     * The price.
     */
    amount: number;
    /**
     * ISO currency code.
     */
    currency: string;
    /**
     * Decimal digits of the currency.
     */
    fraction: number;
    /**
     * The mini-app's icon, when any.
     */
    miniAppIconUrl: string | null;
    /**
     * For subscriptions, when the host gave one.
     */
    subscriptionId?: string;
}

/**
 * What `restorePendingOrders()` did.
 */
export interface RestoreResult {
    /**
     * Granted and completed.
     */
    restored: RestoredOrder[];
    /**
     * Left pending, each with why; a later restore retries them.
     */
    failed: FailedRestore[];
}

/**
 * Where the mini-app runs, as `checkout.environment()` reports it.
 */
export interface Environment {
    /**
     * `ios` or `android`.
     */
    platform: Platform;
    /**
     * The Toss app version, as the host gives it (e.g. `5.240.0`).
     */
    appVersion: string;
    /**
     * `toss` or `sandbox`.
     */
    operationalEnvironment: OperationalEnvironment;
}

/**
 * Whether the app is the real Toss app or the developer sandbox app (`getOperationalEnvironment`).
 * In the sandbox the SDK skips every minimum-version check.
 */
export type OperationalEnvironment = "toss" | "sandbox";

/**
 * Which login service issued the code; the partner server must pass it on to `generate-token`.
 */
export type Referrer = "DEFAULT" | "SANDBOX";

/**
 * Why a call failed, as a stable, machine-readable code (the `code` of `CheckoutError` in JS, declared in the
 * `.d.ts` as the union of these strings so a TypeScript `switch` over it is checked).
 */
export type ErrorCode = "INVALID_PRODUCT_ID" | "PAYMENT_PENDING" | "NETWORK_ERROR" | "INVALID_USER_ENVIRONMENT" | "ITEM_ALREADY_OWNED" | "APP_MARKET_VERIFICATION_FAILED" | "TOSS_SERVER_VERIFICATION_FAILED" | "INTERNAL_ERROR" | "KOREAN_ACCOUNT_ONLY" | "USER_CANCELED" | "PRODUCT_NOT_GRANTED_BY_PARTNER" | "NOT_IN_TOSS_APP" | "IFRAME_NOT_ALLOWED" | "UNSUPPORTED_APP_VERSION" | "BRIDGE_TIMEOUT" | "INVALID_BRIDGE_RESPONSE" | "SDK_ERROR" | "TOSSPAY_NOT_AUTHENTICATED" | "AMOUNT_MISMATCH" | "PAYMENT_OUTCOME_UNKNOWN" | "PARTNER_UNREACHABLE" | "PARTNER_TIMEOUT" | "PARTNER_REJECTED" | "PARTNER_ERROR" | "TOSS_API_FAILED" | "ALREADY_IN_PROGRESS" | "INVALID_ARGUMENT";

/**
 * `GET /tosspay/payments/{orderNo}` reply: the Toss status after reconciliation, with the receipt once paid.
 */
export interface PaymentStatusReply {
    /**
     * Toss's status of the payment (an open list: Toss may add statuses).
     */
    status: string;
    /**
     * The receipt, when the payment completed.
     */
    receipt?: PaymentReceipt;
}

/**
 * `POST /iap/grants` body: grant the item of a paid IAP order (from `processProductGrant` or a restore).
 */
export interface GrantRequest {
    /**
     * IAP order id (the server checks it with get-order-status).
     */
    orderId: string;
    /**
     * Product id the page believes was bought (the server trusts Toss's `sku`, not this).
     */
    sku: string;
}

/**
 * `POST /iap/grants` reply.
 */
export interface GrantResponse {
    /**
     * True when the item is granted (now or by an earlier call for the same `orderId`).
     */
    granted: boolean;
}

/**
 * `POST /iap/sync` body: the page's order history, so the server revokes grants of refunded orders
 * (after checking each with get-order-status; the page's word alone revokes nothing).
 */
export interface SyncRequest {
    /**
     * Orders from `getCompletedOrRefundedOrders`.
     */
    orders: HistoryOrder[];
}

/**
 * `POST /iap/sync` reply.
 */
export interface SyncResponse {
    /**
     * Grants revoked by this call.
     */
    revoked: RevokedGrant[];
}

/**
 * `POST /login` body: the result of the SDK's `appLogin()`.
 */
export interface LoginRequest {
    /**
     * Authorization code from `appLogin()`.
     */
    authorizationCode: string;
    /**
     * Referrer from `appLogin()`.
     */
    referrer: string;
}

/**
 * `POST /login` reply.
 */
export interface LoginResponse {
    /**
     * Always true on success (the session cookie is set).
     */
    loggedIn: boolean;
}

/**
 * `POST /logout` reply: the session is ended and its cookie cleared.
 */
export interface LogoutResponse {
    /**
     * Always true (also when there was no session to end).
     */
    loggedOut: boolean;
}

/**
 * `POST /tosspay/payments/{orderNo}/refund` reply.
 */
export interface RefundReceipt {
    /**
     * Order number.
     */
    orderNo: string;
    /**
     * Payment token.
     */
    payToken: string;
    /**
     * Toss's refund number.
     */
    refundNo?: string;
    /**
     * Amount refunded by this call.
     */
    refundedAmount: Won;
    /**
     * What can still be refunded.
     */
    refundableAmount?: Won;
    /**
     * Refund time.
     */
    approvalTime?: string;
    /**
     * Transaction id of the refund.
     */
    transactionId?: string;
}

/**
 * `POST /tosspay/payments` reply: what the page needs for `checkoutPayment` and to show the amount.
 */
export interface CreatePaymentResponse {
    /**
     * The server-made order number.
     */
    orderNo: string;
    /**
     * Token for `checkoutPayment`.
     */
    payToken: string;
    /**
     * The amount the server priced (the page compares it with its `expectedAmount`).
     */
    amount: Won;
    /**
     * The description sent to Toss.
     */
    productDesc: string;
}

/**
 * `error`: why a call failed. Also relayed to the page as the `toss` of a partner `TOSS_API_FAILED` error, hence
 * its TypeScript declaration with the `tsify` feature.
 */
export interface ApiError {
    /**
     * Machine-readable code (see [`ErrorCode`]; an open list).
     */
    errorCode?: string;
    /**
     * Human-readable reason (Korean), meant for logs, not for parsing.
     */
    reason?: string;
}

/**
 * `orderHistory()` options.
 */
export interface OrderHistoryOptions {
    /**
     * The previous page's `nextKey`; left out (or `null`) for the first page.
     */
    key?: string | null;
}

/**
 * `payWithTossPay()` options.
 */
export interface PayWithTossPayOptions {
    /**
     * Your order (cart), sent to your server as is; only the server prices it.
     */
    order: unknown;
    /**
     * The amount the page showed, in won (a positive whole number); the server's amount must equal it.
     */
    expectedAmount: number;
    /**
     * Makes a retried creation return the same payment (1 to 128 characters); defaults to a fresh key per call.
     */
    idempotencyKey?: string;
}

/**
 * `subscribe()` options.
 */
export interface SubscribeOptions {
    /**
     * The offer to apply (`offerId` of one of the product's `offers`); left out or `null` for none.
     */
    offerId?: string | null;
}


/**
 * Payments for one mini-app page. See `CheckoutOptions`.
 */
export class Checkout {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * `appLogin()`: an authorization code for your server.
     */
    appLogin(): Promise<AppLoginResult>;
    /**
     * Low level: the user authenticates the TossPay payment behind `payToken`. Resolves when they did; rejects
     * with `TOSSPAY_NOT_AUTHENTICATED` (with `reason`) when they did not.
     */
    checkoutPayment(payToken: string): Promise<void>;
    /**
     * What this user owns, from your server (`GET /iap/entitlements`): confirmed grants, and provisional ones
     * (`provisional: true`) until Toss confirms their order. Also handed to `onEntitlements`.
     */
    entitlements(): Promise<Entitlement[]>;
    /**
     * Platform, app version and operational environment. Throws `CheckoutError`.
     */
    environment(): Environment;
    /**
     * Toss login: `appLogin()`, then your server (`partnerBaseUrl`) exchanges the code and sets its session cookie.
     */
    login(): Promise<void>;
    /**
     * Ends the session on your server (`POST /logout`) and forgets the entitlements snapshot.
     */
    logout(): Promise<void>;
    /**
     * Creates a checkout. Throws `CheckoutError` (`INVALID_ARGUMENT`) for bad options.
     */
    constructor(options?: CheckoutOptions | null);
    /**
     * One page of completed and refunded orders: `orderHistory({ key })` with the previous page's `nextKey`. With
     * `partnerBaseUrl`, the page is then synced so your server revokes the grants of refunded orders (`revoked`).
     */
    orderHistory(options?: OrderHistoryOptions | null): Promise<OrderHistoryResult>;
    /**
     * A whole TossPay payment: your server prices `order`, the user authenticates, your server executes. Rejects
     * with `AMOUNT_MISMATCH` before the sheet opens if the server's amount differs from `expectedAmount`, and with
     * `PAYMENT_OUTCOME_UNKNOWN` (never a failure) when the result could not be learned in time.
     */
    payWithTossPay(options: PayWithTossPayOptions): Promise<PaymentReceipt>;
    /**
     * The mini-app's IAP products, each tagged by `type`.
     */
    products(): Promise<Product[]>;
    /**
     * Buys a one-time product; resolves only once it was granted (by `grant`, or your server's grant endpoint).
     */
    purchase(sku: string): Promise<PurchaseResult>;
    /**
     * Low level: the user registers TossPay auto-billing for `wrappedToken`.
     */
    requestTossPayPaysBilling(wrappedToken: string): Promise<void>;
    /**
     * Grants and completes every paid order that was never granted (an app closed mid-purchase, a failed grant).
     */
    restorePendingOrders(): Promise<RestoreResult>;
    /**
     * Buys a subscription, with an optional `{ offerId }`.
     */
    subscribe(sku: string, options?: SubscribeOptions | null): Promise<PurchaseResult>;
    /**
     * A subscription's state; `null` when nothing is set up for the order.
     */
    subscriptionInfo(orderId: string): Promise<SubscriptionInfo | null>;
}

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_checkout_free: (a: number, b: number) => void;
    readonly checkout_appLogin: (a: number) => any;
    readonly checkout_checkoutPayment: (a: number, b: any) => any;
    readonly checkout_entitlements: (a: number) => any;
    readonly checkout_environment: (a: number) => [number, number, number];
    readonly checkout_login: (a: number) => any;
    readonly checkout_logout: (a: number) => any;
    readonly checkout_new: (a: number) => [number, number, number];
    readonly checkout_orderHistory: (a: number, b: number) => any;
    readonly checkout_payWithTossPay: (a: number, b: any) => any;
    readonly checkout_products: (a: number) => any;
    readonly checkout_purchase: (a: number, b: any) => any;
    readonly checkout_requestTossPayPaysBilling: (a: number, b: any) => any;
    readonly checkout_restorePendingOrders: (a: number) => any;
    readonly checkout_subscribe: (a: number, b: any, c: number) => any;
    readonly checkout_subscriptionInfo: (a: number, b: any) => any;
    readonly <closure shim>: (a: number, b: number) => void;
    readonly <closure shim>: (a: number, b: number, c: any) => [number, number];
    readonly <closure shim>: (a: number, b: number, c: any) => any;
    readonly <closure shim>: (a: number, b: number, c: any) => void;
    readonly <closure shim>: (a: number, b: number, c: any, d: any) => void;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_destroy_closure: (a: number, b: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
