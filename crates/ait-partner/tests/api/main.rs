//! ait-partner against an in-process ait-sandbox over real mTLS; each test has its own sandbox, server and
//! SQLite file. No test depends on timing: waits are bounded polls for a state, never assertions on time.

mod common;

mod contract;
mod corpus_replay;
mod fault_matrix;
mod iap;
mod in_flight;
mod login;
mod persistence;
mod security;
mod stop;
mod storage;
mod tosspay;
mod tosspay_faults;
mod web;
