pub mod fake_sdk;
