/* tslint:disable */
/* eslint-disable */

/** Options of `new Checkout()`. */
export interface CheckoutOptions {
    /** The `@apps-in-toss/web-framework` module; defaults to the one `init()` imported. */
    sdk?: unknown;
    /** Where the partner contract lives (flows that need the server). */
    partnerBaseUrl?: string;
    /** Grants a paid order on your server; resolve `true` only when granted. Called at most once per order. */
    grant?: (order: { orderId: string; sku: string; subscriptionId?: string }) => boolean | Promise<boolean>;
    /** Progress and diagnostics; never secrets. */
    onEvent?: (event: Event) => void;
    /** Deadlines in milliseconds. `grantMs` must stay below the host's 30 s. */
    timeouts?: { bridgeMs?: number; interactionMs?: number; grantMs?: number; partnerMs?: number };
}

/** `payWithTossPay()` options. */
export interface PayWithTossPayOptions {
    /** Your order (cart), sent to your server as is; only the server prices it. */
    order: unknown;
    /** The amount the page showed; the server's amount must equal it. */
    expectedAmount: number;
    /** Makes a retried creation return the same payment; defaults to a fresh key per call. */
    idempotencyKey?: string;
}

/** The receipt of a TossPay payment. */
export interface Receipt {
    orderNo: string;
    payToken: string;
    amount: number;
    paidAmount: number;
    payMethod: string;
    transactionId: string;
    approvalTime: string;
    discountedAmount?: number;
    cardCompanyName?: string;
    salesCheckLinkUrl?: string;
}

/** What `restorePendingOrders()` did. */
export interface RestoreResult {
    restored: { orderId: string; sku: string }[];
    failed: { orderId: string; sku: string; error: CheckoutError }[];
}

/** The error of every rejection (exported by the package entry). */
export declare class CheckoutError extends Error {
    readonly code: string;
    readonly retryable: boolean;
    readonly userMessage: string;
    readonly reason?: string;
    readonly sdkCode?: string;
    readonly orderId?: string;
    readonly minVersions?: { android: string; ios: string };
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
 * One order of the history.
 */
export interface HistoryOrder {
    /**
     * The order.
     */
    orderId: string;
    /**
     * Its SKU.
     */
    sku: string;
    /**
     * `COMPLETED` or `REFUNDED`.
     */
    status: OrderStatus;
    /**
     * The order date when completed, the refund date when refunded.
     */
    date: string;
}

/**
 * One page of `IAP.getCompletedOrRefundedOrders({ key })`.
 */
export interface OrderHistoryPage {
    /**
     * The orders of this page.
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
 * Whether a past order stands or was refunded.
 */
export type OrderStatus = "COMPLETED" | "REFUNDED";

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
    checkoutPayment(pay_token: string): Promise<void>;
    /**
     * Platform, app version and operational environment. Throws `CheckoutError`.
     */
    environment(): Environment;
    /**
     * Toss login: `appLogin()`, then your server (`partnerBaseUrl`) exchanges the code and sets its session cookie.
     */
    login(): Promise<void>;
    /**
     * Creates a checkout. Throws `CheckoutError` (`INVALID_ARGUMENT`) for bad options.
     */
    constructor(options: CheckoutOptions);
    /**
     * One page of completed and refunded orders: `orderHistory({ key })` with the previous page's `nextKey`. With
     * `partnerBaseUrl`, the page is then synced so refunded orders are revoked (`revoked`).
     */
    orderHistory(options: { key?: string | null }): Promise<OrderHistoryPage & { revoked: { orderId: string; sku: string }[] }>;
    /**
     * A whole TossPay payment: your server prices `order`, the user authenticates, your server executes. Rejects
     * with `AMOUNT_MISMATCH` before the sheet opens if the server's amount differs from `expectedAmount`, and with
     * `PAYMENT_OUTCOME_UNKNOWN` (never a failure) when the result could not be learned in time.
     */
    payWithTossPay(options: PayWithTossPayOptions): Promise<Receipt>;
    /**
     * The mini-app's IAP products, each tagged by `type`.
     */
    products(): Promise<Product[]>;
    /**
     * Buys a one-time product; resolves only once your `grant` granted it.
     */
    purchase(sku: string): Promise<PurchaseResult>;
    /**
     * Low level: the user registers TossPay auto-billing for `wrappedToken`.
     */
    requestTossPayPaysBilling(wrapped_token: string): Promise<void>;
    /**
     * Grants (through `grant`) and completes every paid order that was never granted.
     */
    restorePendingOrders(): Promise<RestoreResult>;
    /**
     * Buys a subscription, with an optional `{ offerId }`.
     */
    subscribe(sku: string, options: { offerId?: string | null }): Promise<PurchaseResult>;
    /**
     * A subscription's state.
     */
    subscriptionInfo(order_id: string): Promise<SubscriptionInfo>;
}

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_checkout_free: (a: number, b: number) => void;
    readonly checkout_appLogin: (a: number) => any;
    readonly checkout_checkoutPayment: (a: number, b: any) => any;
    readonly checkout_environment: (a: number) => [number, number, number];
    readonly checkout_login: (a: number) => any;
    readonly checkout_new: (a: any) => [number, number, number];
    readonly checkout_orderHistory: (a: number, b: any) => any;
    readonly checkout_payWithTossPay: (a: number, b: any) => any;
    readonly checkout_products: (a: number) => any;
    readonly checkout_purchase: (a: number, b: any) => any;
    readonly checkout_requestTossPayPaysBilling: (a: number, b: any) => any;
    readonly checkout_restorePendingOrders: (a: number) => any;
    readonly checkout_subscribe: (a: number, b: any, c: any) => any;
    readonly checkout_subscriptionInfo: (a: number, b: any) => any;
    readonly wasm_bindgen__convert__closures_____invoke__h<hash>: (a: number, b: number, c: any) => [number, number];
    readonly wasm_bindgen__convert__closures_____invoke__h<hash>: (a: number, b: number, c: any) => any;
    readonly wasm_bindgen__convert__closures_____invoke__h<hash>: (a: number, b: number, c: any) => void;
    readonly wasm_bindgen__convert__closures_____invoke__h<hash>: (a: number, b: number, c: any, d: any) => void;
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
