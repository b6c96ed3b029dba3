//! The test card and account the sandbox reports for payments and bills, and small reply helpers shared by
//! them.

use ait_api::PayMode;

/// Card details the sandbox reports for `CARD` payments (a test card: 국민, 승인번호 00000000 as for test
/// transactions in seed 002).
pub(super) const CARD_COMPANY_CODE: i64 = 4;
pub(super) const CARD_COMPANY_NAME: &str = "국민";
pub(super) const CARD_NUMBER: &str = "943150******123*";
pub(super) const CARD_BIN: &str = "943150";
pub(super) const CARD_NUM4: &str = "123*";
/// Account details the sandbox reports for `TOSS_MONEY` payments (the seed 001 §3 example).
pub(super) const ACCOUNT_BANK_CODE: &str = "092";
pub(super) const ACCOUNT_BANK_NAME: &str = "토스뱅크";
pub(super) const ACCOUNT_NUMBER: &str = "100******094";

pub(super) fn mode(is_test: bool) -> PayMode {
    if is_test {
        PayMode::Test
    } else {
        PayMode::Live
    }
}

/// `Some(v)` when `on` (a field that applies only to one payment method).
pub(super) fn when(on: bool, v: &str) -> Option<String> {
    on.then(|| v.to_owned())
}
