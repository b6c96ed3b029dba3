//! Each invariant: a case where it holds (no violation) and one where it is broken (exactly the right violation).

use ait_invariants::{
    check, Observation, PageOutcome, PageResult, PartnerGrant, PartnerPayment, PartnerPaymentState as P, TossOrder,
    TossPayStatus as T, TossPayment, Violation,
};

fn toss(order_no: &str, status: T, executions: u32, refunds: u32) -> TossPayment {
    TossPayment { order_no: order_no.into(), pay_token: format!("tok-{order_no}"), status, executions, refunds }
}

fn partner(order_no: &str, state: P) -> PartnerPayment {
    PartnerPayment {
        order_no: order_no.into(),
        user_key: "7".into(),
        idempotency_key: format!("idem-{order_no}"),
        state,
        has_receipt: matches!(state, P::Paid | P::Refunding | P::Refunded),
        has_refund_receipt: state == P::Refunded,
    }
}

fn order(order_id: &str, status: &str, paid: bool) -> TossOrder {
    TossOrder { order_id: order_id.into(), user_key: "7".into(), sku: "gem".into(), status: status.into(), paid }
}

fn grant(order_id: &str, revoked: bool, provisional: bool) -> PartnerGrant {
    PartnerGrant { order_id: order_id.into(), user_key: "7".into(), sku: "gem".into(), revoked, provisional }
}

fn page(flow: &str, result: PageResult) -> PageOutcome {
    PageOutcome { flow: flow.into(), result }
}

fn payments(t: Vec<TossPayment>, p: Vec<PartnerPayment>) -> Observation {
    Observation { toss_payments: t, partner_payments: p, ..Default::default() }
}

fn iap(o: Vec<TossOrder>, g: Vec<PartnerGrant>) -> Observation {
    Observation { toss_orders: o, partner_grants: g, ..Default::default() }
}

// ---------------------------------------------------------------- 1. payments

#[test]
fn a_consistent_ledger_of_every_kind_holds() {
    let obs = Observation {
        toss_payments: vec![
            toss("paid", T::Completed, 1, 0),
            toss("refunded", T::Refunded, 1, 1),
            toss("standby", T::Standby, 0, 0),
            toss("approved", T::Approved, 0, 0),
            toss("canceled", T::Canceled, 0, 0),
        ],
        partner_payments: vec![
            partner("paid", P::Paid),
            partner("refunded", P::Refunded),
            partner("standby", P::Created),
            partner("approved", P::Canceled),
            partner("canceled", P::Canceled),
            partner("creating", P::Creating),
        ],
        toss_orders: vec![
            order("bought", "PAYMENT_COMPLETED", true),
            order("purchased", "PURCHASED", true),
            order("refunded", "REFUNDED", true),
            order("failed", "FAILED", false),
            order("unpaid", "ORDER_IN_PROGRESS", false),
        ],
        partner_grants: vec![grant("bought", false, false), grant("purchased", false, false), grant("refunded", true, false)],
        page_outcomes: vec![
            page("pay", PageResult::Receipt { order_no: "paid".into() }),
            page("buy", PageResult::Granted { order_id: "bought".into() }),
            page("cancel", PageResult::TypedError { code: "USER_CANCELED".into(), retryable: false }),
            page("unknown", PageResult::OutcomeUnknown { order_no: Some("paid".into()) }),
        ],
    };
    assert_eq!(check(&obs), vec![]);
}

#[test]
fn a_completed_payment_the_partner_lost_is_reported() {
    let held = payments(vec![toss("o1", T::Completed, 1, 0)], vec![partner("o1", P::Paid)]);
    assert_eq!(check(&held), vec![]);

    let created = payments(vec![toss("o1", T::Completed, 1, 0)], vec![partner("o1", P::Created)]);
    assert_eq!(
        check(&created),
        vec![Violation::CompletedNotPaid { order_no: "o1".into(), partner_state: Some(P::Created) }]
    );
    let missing = payments(vec![toss("o1", T::Completed, 1, 0)], vec![]);
    assert_eq!(check(&missing), vec![Violation::CompletedNotPaid { order_no: "o1".into(), partner_state: None }]);
}

#[test]
fn a_paid_payment_needs_its_receipt() {
    let mut p = partner("o1", P::Paid);
    p.has_receipt = false;
    let obs = payments(vec![toss("o1", T::Completed, 1, 0)], vec![p]);
    assert_eq!(check(&obs), vec![Violation::PaidWithoutReceipt { order_no: "o1".into() }]);
}

#[test]
fn a_refund_at_toss_must_be_refunded_at_the_partner_with_its_receipt() {
    let held = payments(vec![toss("o1", T::Refunded, 1, 1)], vec![partner("o1", P::Refunded)]);
    assert_eq!(check(&held), vec![]);

    let still_paid = payments(vec![toss("o1", T::Refunded, 1, 1)], vec![partner("o1", P::Paid)]);
    assert_eq!(
        check(&still_paid),
        vec![Violation::RefundedNotRefunded { order_no: "o1".into(), partner_state: Some(P::Paid) }]
    );

    let mut p = partner("o1", P::Refunded);
    p.has_refund_receipt = false;
    let no_receipt = payments(vec![toss("o1", T::Refunded, 1, 1)], vec![p]);
    assert_eq!(check(&no_receipt), vec![Violation::RefundedWithoutReceipt { order_no: "o1".into() }]);
}

#[test]
fn toss_executes_and_refunds_at_most_once() {
    let twice = payments(vec![toss("o1", T::Completed, 2, 0)], vec![partner("o1", P::Paid)]);
    assert_eq!(check(&twice), vec![Violation::ExecutedTwice { order_no: "o1".into(), executions: 2 }]);

    let refunded_twice = payments(vec![toss("o1", T::Refunded, 1, 2)], vec![partner("o1", P::Refunded)]);
    assert_eq!(check(&refunded_twice), vec![Violation::RefundedTwice { order_no: "o1".into(), refunds: 2 }]);
}

#[test]
fn nothing_is_left_executing_or_refunding() {
    let executing = payments(vec![toss("o1", T::Approved, 0, 0)], vec![partner("o1", P::Executing)]);
    assert_eq!(check(&executing), vec![Violation::LeftInFlight { order_no: "o1".into(), state: P::Executing }]);

    let refunding = payments(vec![toss("o1", T::Completed, 1, 0)], vec![partner("o1", P::Refunding)]);
    assert_eq!(
        check(&refunding),
        vec![
            Violation::CompletedNotPaid { order_no: "o1".into(), partner_state: Some(P::Refunding) },
            Violation::LeftInFlight { order_no: "o1".into(), state: P::Refunding },
        ]
    );
}

#[test]
fn the_partner_claims_no_payment_or_refund_toss_did_not_make() {
    let paid_unexecuted = payments(vec![toss("o1", T::Approved, 0, 0)], vec![partner("o1", P::Paid)]);
    assert_eq!(
        check(&paid_unexecuted),
        vec![Violation::PaidNotCompleted { order_no: "o1".into(), toss_status: Some(T::Approved) }]
    );
    let paid_unknown = payments(vec![], vec![partner("o1", P::Paid)]);
    assert_eq!(check(&paid_unknown), vec![Violation::PaidNotCompleted { order_no: "o1".into(), toss_status: None }]);

    let refunded_not = payments(vec![toss("o1", T::Completed, 1, 0)], vec![partner("o1", P::Refunded)]);
    assert_eq!(
        check(&refunded_not),
        vec![
            Violation::CompletedNotPaid { order_no: "o1".into(), partner_state: Some(P::Refunded) },
            Violation::RefundedNotAtToss { order_no: "o1".into(), toss_status: Some(T::Completed) },
        ]
    );
}

// ---------------------------------------------------------------- 2. grants

#[test]
fn a_charged_order_needs_a_live_grant() {
    for status in ["PAYMENT_COMPLETED", "PURCHASED"] {
        assert_eq!(check(&iap(vec![order("a", status, true)], vec![grant("a", false, false)])), vec![]);
        assert_eq!(
            check(&iap(vec![order("a", status, true)], vec![])),
            vec![Violation::ChargedNotGranted { order_id: "a".into(), grant_revoked: false }],
            "{status}"
        );
    }
    assert_eq!(
        check(&iap(vec![order("a", "PURCHASED", true)], vec![grant("a", true, false)])),
        vec![Violation::ChargedNotGranted { order_id: "a".into(), grant_revoked: true }]
    );
}

#[test]
fn an_order_left_in_progress_and_paid_is_pending() {
    assert_eq!(
        check(&iap(vec![order("a", "ORDER_IN_PROGRESS", true)], vec![grant("a", false, false)])),
        vec![Violation::OrderLeftPending { order_id: "a".into() }]
    );
    assert_eq!(
        check(&iap(vec![order("a", "ORDER_IN_PROGRESS", true)], vec![])),
        vec![
            Violation::OrderLeftPending { order_id: "a".into() },
            Violation::ChargedNotGranted { order_id: "a".into(), grant_revoked: false },
        ]
    );
}

#[test]
fn a_refunded_order_keeps_no_live_grant() {
    assert_eq!(check(&iap(vec![order("a", "REFUNDED", true)], vec![grant("a", true, false)])), vec![]);
    assert_eq!(check(&iap(vec![order("a", "REFUNDED", true)], vec![])), vec![]);
    assert_eq!(
        check(&iap(vec![order("a", "REFUNDED", true)], vec![grant("a", false, false)])),
        vec![Violation::RefundedGrantNotRevoked { order_id: "a".into() }]
    );
}

#[test]
fn no_grant_survives_for_an_order_never_charged() {
    for (status, paid) in [("FAILED", false), ("ORDER_IN_PROGRESS", false)] {
        assert_eq!(check(&iap(vec![order("a", status, paid)], vec![grant("a", true, false)])), vec![]);
        assert_eq!(
            check(&iap(vec![order("a", status, paid)], vec![grant("a", false, false)])),
            vec![Violation::GrantForUnchargedOrder { order_id: "a".into(), toss_status: Some(status.into()) }]
        );
    }
    assert_eq!(
        check(&iap(vec![], vec![grant("ghost", false, false)])),
        vec![Violation::GrantForUnchargedOrder { order_id: "ghost".into(), toss_status: None }]
    );
}

#[test]
fn no_provisional_grant_remains() {
    assert_eq!(check(&iap(vec![order("a", "FAILED", false)], vec![grant("a", true, true)])), vec![]);
    assert_eq!(
        check(&iap(vec![order("a", "PAYMENT_COMPLETED", true)], vec![grant("a", false, true)])),
        vec![
            Violation::ChargedNotGranted { order_id: "a".into(), grant_revoked: false },
            Violation::ProvisionalGrantLeft { order_id: "a".into() },
        ]
    );
    assert_eq!(
        check(&iap(vec![order("a", "FAILED", false)], vec![grant("a", false, true)])),
        vec![
            Violation::ProvisionalGrantLeft { order_id: "a".into() },
            Violation::GrantForUnchargedOrder { order_id: "a".into(), toss_status: Some("FAILED".into()) },
        ]
    );
}

// ---------------------------------------------------------------- 3. uniqueness

#[test]
fn one_idempotency_key_makes_one_payment() {
    let mut second = partner("o2", P::Created);
    second.idempotency_key = "idem-o1".into();
    let obs = payments(vec![], vec![partner("o1", P::Created), second.clone()]);
    assert_eq!(
        check(&obs),
        vec![Violation::DuplicateIdempotencyKey {
            user_key: "7".into(),
            idempotency_key: "idem-o1".into(),
            order_nos: vec!["o1".into(), "o2".into()],
        }]
    );
    // The same key of another user is another payment.
    second.user_key = "8".into();
    assert_eq!(check(&payments(vec![], vec![partner("o1", P::Created), second])), vec![]);
}

#[test]
fn one_order_no_makes_one_payment_on_each_side() {
    let mut t2 = toss("o1", T::Standby, 0, 0);
    t2.pay_token = "other".into();
    let obs = payments(vec![toss("o1", T::Standby, 0, 0), t2], vec![partner("o1", P::Created)]);
    assert_eq!(
        check(&obs),
        vec![Violation::DuplicateTossPayment { order_no: "o1".into(), pay_tokens: vec!["tok-o1".into(), "other".into()] }]
    );
    let mut p2 = partner("o1", P::Created);
    p2.idempotency_key = "other".into();
    let obs = payments(vec![], vec![partner("o1", P::Created), p2]);
    assert_eq!(check(&obs), vec![Violation::DuplicatePartnerPayment { order_no: "o1".into(), count: 2 }]);
}

#[test]
fn one_order_id_makes_one_grant() {
    let obs = iap(vec![order("a", "PURCHASED", true)], vec![grant("a", false, false), grant("a", false, false)]);
    assert_eq!(check(&obs), vec![Violation::DuplicateGrant { order_id: "a".into(), count: 2 }]);
}

// ---------------------------------------------------------------- 4. page results

#[test]
fn every_flow_ends_with_a_typed_result() {
    let obs = Observation {
        page_outcomes: vec![
            page("a", PageResult::Untyped("TypeError: x is undefined".into())),
            page("b", PageResult::NoResult),
            page("c", PageResult::TypedError { code: "PARTNER_TIMEOUT".into(), retryable: true }),
        ],
        ..Default::default()
    };
    assert_eq!(
        check(&obs),
        vec![
            Violation::UntypedPageResult { flow: "a".into(), detail: "TypeError: x is undefined".into() },
            Violation::NoPageResult { flow: "b".into() },
        ]
    );
}

#[test]
fn an_unknown_outcome_must_settle() {
    let unknown = |o: &str| page("pay", PageResult::OutcomeUnknown { order_no: Some(o.into()) });
    // Settled: paid, canceled, or never executed at Toss (whatever the partner row says; invariant 1 covers it).
    for (t, p) in [
        (toss("o1", T::Completed, 1, 0), partner("o1", P::Paid)),
        (toss("o1", T::Refunded, 1, 1), partner("o1", P::Refunded)),
        (toss("o1", T::Canceled, 0, 0), partner("o1", P::Canceled)),
        (toss("o1", T::Approved, 0, 0), partner("o1", P::Created)),
    ] {
        let obs = Observation { toss_payments: vec![t], partner_payments: vec![p], page_outcomes: vec![unknown("o1")], ..Default::default() };
        assert_eq!(check(&obs), vec![]);
    }
    // Executed at Toss, never settled at the partner: the §1 bug.
    let obs = Observation {
        toss_payments: vec![toss("o1", T::Completed, 1, 0)],
        partner_payments: vec![partner("o1", P::Created)],
        page_outcomes: vec![unknown("o1")],
        ..Default::default()
    };
    assert_eq!(
        check(&obs),
        vec![
            Violation::CompletedNotPaid { order_no: "o1".into(), partner_state: Some(P::Created) },
            Violation::OutcomeNeverSettled { flow: "pay".into(), order_no: "o1".into(), partner_state: Some(P::Created) },
        ]
    );
}

#[test]
fn violations_read_as_english_sentences() {
    let v = Violation::CompletedNotPaid { order_no: "o1".into(), partner_state: Some(P::Created) };
    assert_eq!(v.to_string(), "payment o1: completed at Toss but CREATED at the partner (a charge the partner lost)");
    let v = Violation::GrantForUnchargedOrder { order_id: "a".into(), toss_status: None };
    assert_eq!(v.to_string(), "order a: a grant is not revoked but Toss never charged it (unknown to Toss)");
}

#[test]
fn an_observation_round_trips_through_json() {
    let obs = Observation {
        toss_payments: vec![toss("o1", T::Other("PAY_PROGRESS".into()), 0, 0)],
        page_outcomes: vec![page("x", PageResult::OutcomeUnknown { order_no: None })],
        ..Default::default()
    };
    let json = serde_json::to_string(&obs).unwrap();
    assert_eq!(serde_json::from_str::<Observation>(&json).unwrap(), obs);
}
