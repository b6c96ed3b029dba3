//! The TypeScript declarations the `tsify` feature derives for the partner contract: what the npm package's
//! `.d.ts` tells a page about the server's replies. Money is a `number`, open code lists are `string`, closed
//! ones a union, optional fields are `?:`, and every type a declaration names is itself declared.
//! Run with `cargo test -p ait-api --features tsify`.
#![cfg(feature = "tsify")]

use std::collections::BTreeSet;

use ait_api::envelope::ApiError;
use ait_api::partner::{
    CreatePaymentResponse, Entitlement, ErrorBody, GrantRequest, GrantResponse, HistoryOrder,
    LoginRequest, LoginResponse, LogoutResponse, PartnerError, PaymentReceipt, PaymentStatusReply,
    RefundReceipt, RevokedGrant, SyncRequest, SyncResponse, Won,
};
use tsify::Tsify;

/// Every declaration the feature derives, by TypeScript name.
fn decls() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Won", Won::DECL),
        ("LoginRequest", LoginRequest::DECL),
        ("LoginResponse", LoginResponse::DECL),
        ("LogoutResponse", LogoutResponse::DECL),
        ("CreatePaymentResponse", CreatePaymentResponse::DECL),
        ("PaymentReceipt", PaymentReceipt::DECL),
        ("PaymentStatusReply", PaymentStatusReply::DECL),
        ("RefundReceipt", RefundReceipt::DECL),
        ("GrantRequest", GrantRequest::DECL),
        ("GrantResponse", GrantResponse::DECL),
        ("HistoryOrder", HistoryOrder::DECL),
        ("SyncRequest", SyncRequest::DECL),
        ("RevokedGrant", RevokedGrant::DECL),
        ("SyncResponse", SyncResponse::DECL),
        ("Entitlement", Entitlement::DECL),
        ("PartnerError", PartnerError::DECL),
        ("ErrorBody", ErrorBody::DECL),
        ("ApiError", ApiError::DECL),
    ]
}

/// The declaration's members with their types, doc comments dropped: `["amount: Won", "receipt?: …"]`.
fn members(decl: &str) -> Vec<String> {
    decl.lines()
        .map(str::trim)
        .filter(|l| l.ends_with(';') && !l.starts_with("export") && !l.starts_with('*'))
        .map(|l| l.trim_end_matches(';').to_owned())
        .collect()
}

fn has(decl: &str, member: &str) -> bool {
    members(decl).iter().any(|m| m == member)
}

#[test]
fn money_is_a_typescript_number_everywhere() {
    assert!(
        Won::DECL.contains("export type Won = number;"),
        "{}",
        Won::DECL
    );
    assert!(has(CreatePaymentResponse::DECL, "amount: Won"));
    for m in ["amount: Won", "paidAmount: Won", "discountedAmount?: Won"] {
        assert!(
            has(PaymentReceipt::DECL, m),
            "{m} in {}",
            PaymentReceipt::DECL
        );
    }
    for m in ["refundedAmount: Won", "refundableAmount?: Won"] {
        assert!(
            has(RefundReceipt::DECL, m),
            "{m} in {}",
            RefundReceipt::DECL
        );
    }
}

#[test]
fn code_lists_are_string_when_open_and_a_union_when_closed() {
    assert!(has(PaymentReceipt::DECL, "payMethod: string"));
    assert!(has(PaymentReceipt::DECL, "mode?: string"));
    assert!(has(PaymentStatusReply::DECL, "status: string"));
    assert!(has(PartnerError::DECL, "code: string"));
    assert!(has(ApiError::DECL, "errorCode?: string"));
    assert!(has(
        HistoryOrder::DECL,
        r#"status: "COMPLETED" | "REFUNDED""#
    ));
}

#[test]
fn optional_fields_are_optional_and_required_ones_are_not() {
    assert!(has(PaymentStatusReply::DECL, "receipt?: PaymentReceipt"));
    assert!(has(HistoryOrder::DECL, "date?: string"));
    assert!(has(HistoryOrder::DECL, "orderId: string"));
    assert!(has(PartnerError::DECL, "toss?: ApiError"));
    assert!(has(PartnerError::DECL, "retryable: boolean"));
    assert!(has(Entitlement::DECL, "sku: string"));
    // Absent means "not provisional" (servers from before the field existed do not send it).
    assert!(has(Entitlement::DECL, "provisional?: boolean"));
    assert!(has(SyncRequest::DECL, "orders: HistoryOrder[]"));
    assert!(has(SyncResponse::DECL, "revoked: RevokedGrant[]"));
    assert!(has(ErrorBody::DECL, "error: PartnerError"));
    assert!(has(LoginResponse::DECL, "loggedIn: boolean"));
    assert!(has(LogoutResponse::DECL, "loggedOut: boolean"));
    assert!(has(GrantResponse::DECL, "granted: boolean"));
    assert!(has(GrantRequest::DECL, "orderId: string"));
    assert!(has(LoginRequest::DECL, "authorizationCode: string"));
}

#[test]
fn every_type_a_declaration_names_is_declared() {
    let all = decls();
    let declared: BTreeSet<&str> = all.iter().map(|(name, _)| *name).collect();
    for (name, decl) in &all {
        assert!(
            decl.contains(&format!("export interface {name} "))
                || decl.contains(&format!("export type {name} ")),
            "{name} declares itself: {decl}"
        );
        for member in members(decl) {
            let ty = member.split_once(": ").map(|(_, t)| t).unwrap_or_default();
            for word in ty.split(|c: char| !c.is_ascii_alphanumeric()) {
                let is_type_name = word.chars().next().is_some_and(|c| c.is_ascii_uppercase());
                let in_string_literal = ty.contains(&format!("\"{word}\""));
                if is_type_name && !in_string_literal {
                    assert!(
                        declared.contains(word),
                        "{name}.{member} names undeclared {word}"
                    );
                }
            }
        }
    }
}
