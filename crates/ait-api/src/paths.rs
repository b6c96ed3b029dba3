//! Hosts, URL paths and header names of every endpoint in the seeds, so clients, the sandbox and the
//! partner server route by the same constants.
//!
//! Hosts (seed 000, "도메인 정보"; seed 001/000 TossPay "BaseURL"; seed 000 IAP "BaseURL"; seed 002 "엔드포인트"):
//! * `apps-in-toss-api.toss.im`: login, promotions, messages, IAP order status;
//! * `pay-apps-in-toss-api.toss.im`: TossPay (`/pay/...`);
//! * `pay.toss.im`: the auto-billing API (`/api/v1/billing-key/bill`), which has its own envelope.
//!
//! Seed 000's firewall table spells the domains `apps-in-toss-api-toss.im` / `pay-apps-in-toss-api-toss.im`
//! (a dash for the dot); the "도메인 정보" section and every cURL sample use `.toss.im`, which is what we use.
//! Seed 001's execute-payment cURL sample truncates the path to `.../pay/execute-paym`; the path table of the
//! same section gives `.../pay/execute-payment`.

/// Header carrying the user's `userKey` (from `login-me`) on TossPay, IAP, promotion and message calls.
/// HTTP header names are case-insensitive; the docs write both `x-toss-user-key` and `X-Toss-User-Key`.
pub const HEADER_TOSS_USER_KEY: &str = "x-toss-user-key";
/// `Authorization: Bearer <accessToken>` on `login-me` and `remove-by-access-token`.
pub const HEADER_AUTHORIZATION: &str = "authorization";
/// Every call sends and receives `application/json`.
pub const HEADER_CONTENT_TYPE: &str = "content-type";
/// The content type of every request and reply.
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// Prefix of the `Authorization` header value.
pub const BEARER_PREFIX: &str = "Bearer ";

/// Host name of the general partner API (login, promotions, messages, IAP).
pub const HOST_API: &str = "apps-in-toss-api.toss.im";
/// Host name of the TossPay partner API.
pub const HOST_PAY: &str = "pay-apps-in-toss-api.toss.im";
/// Host name of the auto-billing API.
pub const HOST_BILLING: &str = "pay.toss.im";

/// Which Toss host serves an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host {
    /// `apps-in-toss-api.toss.im`.
    Api,
    /// `pay-apps-in-toss-api.toss.im`.
    Pay,
    /// `pay.toss.im` (auto-billing).
    Billing,
}

impl Host {
    /// The host name.
    pub const fn name(self) -> &'static str {
        match self {
            Host::Api => HOST_API,
            Host::Pay => HOST_PAY,
            Host::Billing => HOST_BILLING,
        }
    }

    /// The production base URL (`https://<host>`), without a trailing slash.
    pub const fn base_url(self) -> &'static str {
        match self {
            Host::Api => "https://apps-in-toss-api.toss.im",
            Host::Pay => "https://pay-apps-in-toss-api.toss.im",
            Host::Billing => "https://pay.toss.im",
        }
    }
}

/// HTTP method of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET` (only `login-me`).
    Get,
    /// `POST`.
    Post,
}

impl Method {
    /// The method name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// How a call identifies the user, besides the mTLS client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// Nothing beyond mTLS (token issue, unlink by userKey, get-key, IAP status per seed 000's schema).
    None,
    /// `x-toss-user-key: <userKey>`.
    UserKey,
    /// `Authorization: Bearer <accessToken>`.
    Bearer,
    /// `apiKey` in the JSON body (auto-billing).
    ApiKeyInBody,
}

/// One Toss endpoint: where it lives and how it is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// Short stable name (the last path segments), e.g. `"make-payment"`.
    pub name: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Serving host.
    pub host: Host,
    /// URL path, starting with `/`.
    pub path: &'static str,
    /// Identification the call needs.
    pub auth: Auth,
}

impl Endpoint {
    /// The production URL (`https://<host><path>`).
    pub fn url(&self) -> String {
        let mut s = String::from(self.host.base_url());
        s.push_str(self.path);
        s
    }
}

/// Common prefix of the Apps in Toss partner paths.
pub const PARTNER_PREFIX: &str = "/api-partner/v1/apps-in-toss";

/// `POST /user/oauth2/generate-token`: authorization code → tokens (seed 000, "AccessToken 받기").
pub const GENERATE_TOKEN: Endpoint = Endpoint {
    name: "generate-token",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/user/oauth2/generate-token",
    auth: Auth::None,
};
/// `POST /user/oauth2/refresh-token`: refresh token → new tokens (seed 000, "AccessToken 재발급 받기").
pub const REFRESH_TOKEN: Endpoint = Endpoint {
    name: "refresh-token",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/user/oauth2/refresh-token",
    auth: Auth::None,
};
/// `POST /user/oauth2/access/remove-by-user-key`: unlink a user by `userKey` (seed 000).
pub const REMOVE_BY_USER_KEY: Endpoint = Endpoint {
    name: "access/remove-by-user-key",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/user/oauth2/access/remove-by-user-key",
    auth: Auth::None,
};
/// `POST /user/oauth2/access/remove-by-access-token`: unlink the bearer's user (seed 000).
pub const REMOVE_BY_ACCESS_TOKEN: Endpoint = Endpoint {
    name: "access/remove-by-access-token",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/user/oauth2/access/remove-by-access-token",
    auth: Auth::Bearer,
};
/// `GET /user/oauth2/login-me`: the bearer's profile and `userKey` (seed 000, "사용자 정보 받기").
pub const LOGIN_ME: Endpoint = Endpoint {
    name: "login-me",
    method: Method::Get,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/user/oauth2/login-me",
    auth: Auth::Bearer,
};

/// `POST /pay/make-payment`: create a payment → `payToken` (seed 001 §1).
pub const MAKE_PAYMENT: Endpoint = Endpoint {
    name: "make-payment",
    method: Method::Post,
    host: Host::Pay,
    path: "/api-partner/v1/apps-in-toss/pay/make-payment",
    auth: Auth::UserKey,
};
/// `POST /pay/execute-payment`: approve an authenticated payment; money moves (seed 001 §3).
pub const EXECUTE_PAYMENT: Endpoint = Endpoint {
    name: "execute-payment",
    method: Method::Post,
    host: Host::Pay,
    path: "/api-partner/v1/apps-in-toss/pay/execute-payment",
    auth: Auth::UserKey,
};
/// `POST /pay/refund-payment`: refund a payment (seed 001 §4).
pub const REFUND_PAYMENT: Endpoint = Endpoint {
    name: "refund-payment",
    method: Method::Post,
    host: Host::Pay,
    path: "/api-partner/v1/apps-in-toss/pay/refund-payment",
    auth: Auth::UserKey,
};
/// `POST /pay/get-payment-status`: status and transactions of a payment (seed 001 §5).
pub const GET_PAYMENT_STATUS: Endpoint = Endpoint {
    name: "get-payment-status",
    method: Method::Post,
    host: Host::Pay,
    path: "/api-partner/v1/apps-in-toss/pay/get-payment-status",
    auth: Auth::UserKey,
};

/// `POST /order/get-order-status`: status of an IAP order (seed 000, 인앱결제 "4. 주문 조회하기"; the
/// request-header table there requires `x-toss-user-key`, the schema page lists none; we send it).
pub const GET_ORDER_STATUS: Endpoint = Endpoint {
    name: "order/get-order-status",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/order/get-order-status",
    auth: Auth::UserKey,
};

/// `POST /promotion/execute-promotion/get-key`: a one-time key for paying a reward (seed 000). Its page lists
/// no header and no body (unlike the two other promotion calls), so only mTLS identifies the caller.
pub const PROMOTION_GET_KEY: Endpoint = Endpoint {
    name: "execute-promotion/get-key",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/promotion/execute-promotion/get-key",
    auth: Auth::None,
};
/// `POST /promotion/execute-promotion`: pay Toss points to the user (seed 000, "프로모션 리워드 지급하기").
pub const EXECUTE_PROMOTION: Endpoint = Endpoint {
    name: "execute-promotion",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/promotion/execute-promotion",
    auth: Auth::UserKey,
};
/// `POST /promotion/execution-result`: result of a reward payment (seed 000).
pub const PROMOTION_EXECUTION_RESULT: Endpoint = Endpoint {
    name: "execution-result",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/promotion/execution-result",
    auth: Auth::UserKey,
};

/// `POST /messenger/send-message`: send a templated message to the user (seed 000, "메시지 발송하기").
pub const SEND_MESSAGE: Endpoint = Endpoint {
    name: "messenger/send-message",
    method: Method::Post,
    host: Host::Api,
    path: "/api-partner/v1/apps-in-toss/messenger/send-message",
    auth: Auth::UserKey,
};

/// `POST https://pay.toss.im/api/v1/billing-key/bill`: charge a billing key (seed 002).
pub const BILLING_KEY_BILL: Endpoint = Endpoint {
    name: "billing-key/bill",
    method: Method::Post,
    host: Host::Billing,
    path: "/api/v1/billing-key/bill",
    auth: Auth::ApiKeyInBody,
};

/// Every endpoint, for routing tables.
pub const ALL: &[Endpoint] = &[
    GENERATE_TOKEN,
    REFRESH_TOKEN,
    REMOVE_BY_USER_KEY,
    REMOVE_BY_ACCESS_TOKEN,
    LOGIN_ME,
    MAKE_PAYMENT,
    EXECUTE_PAYMENT,
    REFUND_PAYMENT,
    GET_PAYMENT_STATUS,
    GET_ORDER_STATUS,
    PROMOTION_GET_KEY,
    EXECUTE_PROMOTION,
    PROMOTION_EXECUTION_RESULT,
    SEND_MESSAGE,
    BILLING_KEY_BILL,
];

/// The endpoint served at `path` (query string ignored), if any. Paths are unique across hosts.
pub fn find(path: &str) -> Option<&'static Endpoint> {
    let path = path.split('?').next().unwrap_or(path);
    ALL.iter().find(|e| e.path == path)
}

/// The endpoint a host serves at `path`, if any (for a sandbox that listens on one address per host).
pub fn find_on(host: Host, path: &str) -> Option<&'static Endpoint> {
    find(path).filter(|e| e.host == host)
}
