//! A stateful model of Toss and the partner server behind the bridge's two seams ([`ait_checkout::sdk::Sdk`] and
//! [`ait_checkout::partner::Partner`]), with a fault injection point at every step, for the native fault matrix
//! (`tests/native_fault_matrix.rs`).
//!
//! * [`toss`]: Toss's ledger (TossPay payments, IAP orders, login codes) and what each endpoint does to it.
//! * [`server`]: the partner server, following the partner contract of `design.md` and ait-partner's state machine
//!   (a payment that may have executed never goes back; `PAYMENT_ALREADY_EXECUTED` means paid; provisional grants
//!   confirmed or revoked by the reconciler), with its reconciler.
//! * [`partner`]: the page's view of the server (the `Partner` trait), with the page↔server faults and kills.
//! * [`host`]: the Toss app (the `Sdk` trait): login codes, the payment sheet, the IAP order flow, pending orders,
//!   `completeProductGrant`, history.
//! * [`faults`]: steps, faults, which apply where, and the armed faults of a case.
//! * [`world`]: the shared state, page lifetimes (reloads) and partner restarts.
//! * [`observe`]: the [`ait_invariants::Observation`] of a world.
#![allow(dead_code)]

pub mod faults;
pub mod host;
pub mod observe;
pub mod partner;
pub mod server;
pub mod toss;
pub mod world;
