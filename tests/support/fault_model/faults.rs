//! The steps of the bridge's flows, the faults, where each fault bites, and the faults armed for one case.

use std::fmt;

/// A step of a flow where something can go wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// `POST /login` → Toss `generate-token` (the authorization code is used up).
    LoginExchange,
    /// `POST /tosspay/payments` → Toss `make-payment`.
    MakePayment,
    /// The payment sheet (`checkoutPayment`): the buyer authenticates.
    Sheet,
    /// `POST …/execute` reaching the partner, and the partner's `execute-payment` call to Toss.
    ExecuteRequest,
    /// The partner's reply to the page's execute, after it stored the outcome.
    ExecuteReply,
    /// `get-payment-status` (the partner's, whoever asks) and the page's `GET /tosspay/payments/{orderNo}`.
    Status,
    /// `POST …/refund` → Toss `refund-payment`.
    Refund,
    /// The host's `purchased` event (the store charged the order; the page is asked to grant it).
    IapPurchased,
    /// `POST /iap/grants` reaching the partner, and its `get-order-status` call.
    GrantRequest,
    /// The partner's reply to the grant, after it stored the grant.
    GrantReply,
    /// The host's handling of the page's grant answer (`processProductGrant`): Toss completes the order and the
    /// host reports success.
    ProcessProductGrant,
    /// `IAP.completeProductGrant` (the restore flow).
    CompleteProductGrant,
    /// `IAP.getCompletedOrRefundedOrders`.
    History,
    /// `POST /iap/sync` and its `get-order-status` calls.
    Sync,
}

/// Where a step runs, which decides the faults that apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A page request the partner serves with a Toss call.
    Server,
    /// The partner's reply to a page request, after it committed.
    Reply,
    /// A call the host (the Toss app) serves.
    Host,
}

impl Step {
    /// Every step, in flow order.
    pub const ALL: [Step; 14] = [
        Step::LoginExchange,
        Step::MakePayment,
        Step::Sheet,
        Step::ExecuteRequest,
        Step::ExecuteReply,
        Step::Status,
        Step::Refund,
        Step::IapPurchased,
        Step::GrantRequest,
        Step::GrantReply,
        Step::ProcessProductGrant,
        Step::CompleteProductGrant,
        Step::History,
        Step::Sync,
    ];

    /// A request step whose reply is a step of its own (execute, grant).
    pub fn has_reply_step(self) -> bool {
        matches!(self, Step::ExecuteRequest | Step::GrantRequest)
    }

    /// Where it runs.
    pub fn kind(self) -> StepKind {
        match self {
            Step::ExecuteReply | Step::GrantReply => StepKind::Reply,
            Step::Sheet | Step::IapPurchased | Step::ProcessProductGrant | Step::CompleteProductGrant | Step::History => {
                StepKind::Host
            }
            _ => StepKind::Server,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Step::LoginExchange => "login exchange",
            Step::MakePayment => "make-payment",
            Step::Sheet => "payment sheet",
            Step::ExecuteRequest => "execute request",
            Step::ExecuteReply => "execute reply",
            Step::Status => "status",
            Step::Refund => "refund",
            Step::IapPurchased => "IAP purchased event",
            Step::GrantRequest => "grant request",
            Step::GrantReply => "grant reply",
            Step::ProcessProductGrant => "processProductGrant",
            Step::CompleteProductGrant => "completeProductGrant",
            Step::History => "history",
            Step::Sync => "sync",
        };
        f.pad(s)
    }
}

/// What goes wrong at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The call takes longer than its caller waits; the callee still acts, late (the sandbox's `latency`).
    Timeout,
    /// An HTTP 5xx (server steps) or a transient rejection (host steps); nothing changed.
    Http5xx,
    /// A Toss `FAIL` (`COMMON_BREAK_TIME_OF_BANK`; server steps) or the host's refusal (host steps); nothing
    /// changed.
    TossFail,
    /// The callee acted, then its reply was lost.
    DropAfterCommit,
    /// The host never answers and does nothing.
    HostNeverAnswers,
    /// The host answers twice (host steps); the page's request is delivered twice (server steps).
    HostAnswersTwice,
    /// The page reloads: its flow is dropped and a new `Checkout` starts on the same model.
    PageReloaded,
    /// The partner process dies before the step's change is committed, and restarts (its reconciler runs).
    PartnerKilledBeforeCommit,
    /// The partner process dies after the step's change is committed (at Toss, or in its store for reply
    /// steps) but before it stored or sent the result, and restarts.
    PartnerKilledAfterCommit,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 9] = [
        Fault::Timeout,
        Fault::Http5xx,
        Fault::TossFail,
        Fault::DropAfterCommit,
        Fault::HostNeverAnswers,
        Fault::HostAnswersTwice,
        Fault::PageReloaded,
        Fault::PartnerKilledBeforeCommit,
        Fault::PartnerKilledAfterCommit,
    ];

    /// Faults that can also be run persistently (on every occurrence of the step during the flow).
    pub fn can_persist(self) -> bool {
        matches!(self, Fault::Timeout | Fault::Http5xx | Fault::TossFail | Fault::DropAfterCommit)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Fault::Timeout => "timeout",
            Fault::Http5xx => "5xx",
            Fault::TossFail => "Toss FAIL",
            Fault::DropAfterCommit => "reply dropped after commit",
            Fault::HostNeverAnswers => "host never answers",
            Fault::HostAnswersTwice => "answered twice",
            Fault::PageReloaded => "page reloaded",
            Fault::PartnerKilledBeforeCommit => "partner killed before commit",
            Fault::PartnerKilledAfterCommit => "partner killed after commit",
        };
        f.pad(s)
    }
}

/// Whether `fault` applies to `step`; `Err` says why not (the case is skipped and counted).
pub fn applies(step: Step, fault: Fault) -> Result<(), &'static str> {
    use Fault::*;
    match (step.kind(), fault) {
        (StepKind::Server, HostNeverAnswers) => Err("a server step has no host in it"),
        (StepKind::Reply, TossFail) => Err("no Toss call on the reply leg"),
        (StepKind::Reply, HostNeverAnswers) => Err("a server step has no host in it"),
        (StepKind::Reply, HostAnswersTwice) => Err("a duplicated request is the request step's fault"),
        (StepKind::Reply, PartnerKilledBeforeCommit) => {
            Err("identical to the request step's kill after Toss committed")
        }
        (StepKind::Host, PartnerKilledBeforeCommit | PartnerKilledAfterCommit) => {
            Err("the partner takes no part in this step")
        }
        _ if step == Step::History && fault == DropAfterCommit => {
            Err("a read commits nothing: identical to the host never answering")
        }
        _ if step == Step::History && fault == HostAnswersTwice => Err("a promise settles once"),
        _ => Ok(()),
    }
}

/// Which leg of a step is asking for its fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leg {
    /// The partner's call to Toss.
    Toss,
    /// The page's request reaching the partner (duplicated, or the page gone before it is sent).
    PageRequest,
    /// After the partner handled the request (the page gone, or the reply lost).
    PageReply,
    /// The host's side.
    Host,
}

impl Leg {
    /// The faults this leg injects.
    pub fn faults(self, step: Step) -> &'static [Fault] {
        use Fault::*;
        match (self, step.kind()) {
            (Leg::Toss, _) => &[Timeout, Http5xx, TossFail, DropAfterCommit, PartnerKilledBeforeCommit, PartnerKilledAfterCommit],
            // A request step of a two-leg call: the page may go before its request reaches the partner.
            (Leg::PageRequest, StepKind::Server) if step.has_reply_step() => &[HostAnswersTwice, PageReloaded],
            (Leg::PageRequest, StepKind::Server) => &[HostAnswersTwice],
            // A one-leg call: the partner does the work, then the page is gone.
            (Leg::PageReply, StepKind::Server) if !step.has_reply_step() => &[PageReloaded],
            (Leg::PageReply, StepKind::Reply) => &[Timeout, Http5xx, DropAfterCommit, PageReloaded, PartnerKilledAfterCommit],
            (Leg::Host, StepKind::Host) => &[Timeout, Http5xx, TossFail, DropAfterCommit, HostNeverAnswers, HostAnswersTwice, PageReloaded],
            _ => &[],
        }
    }
}

/// A fault armed for one case.
#[derive(Clone, Debug)]
pub struct Armed {
    /// Where.
    pub step: Step,
    /// What.
    pub fault: Fault,
    /// On every occurrence (else the first only).
    pub always: bool,
    /// How often it fired.
    pub fired: u32,
}

impl Armed {
    /// A fault for the first occurrence of `step`.
    pub fn once(step: Step, fault: Fault) -> Armed {
        Armed { step, fault, always: false, fired: 0 }
    }
}
