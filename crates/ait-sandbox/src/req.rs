//! Request bodies of the Toss endpoints: `ait_api`'s wire types, whose `Validate` impls carry the documented
//! rules. Aliased here to the sandbox's short names.

pub use ait_api::billing::BillRequest as Bill;
pub use ait_api::iap::GetOrderStatusRequest as GetOrderStatus;
pub use ait_api::login::{
    GenerateTokenRequest as GenerateToken, RefreshTokenRequest as RefreshToken,
    RemoveByUserKeyRequest as RemoveByUserKey,
};
pub use ait_api::messenger::SendMessageRequest as SendMessage;
pub use ait_api::promotion::{
    ExecutePromotionRequest as ExecutePromotion, PromotionExecutionResultRequest as PromotionResult,
};
pub use ait_api::tosspay::{
    ExecutePaymentRequest as ExecutePayment, GetPaymentStatusRequest as GetPaymentStatus,
    MakePaymentRequest as MakePayment, RefundPaymentRequest as RefundPayment,
};
