pub mod fake_partner;
pub mod fake_sdk;
