//! What the chaos run shares with the load generator (`crates/ait-loadgen`): starting the real `ait-sandbox` and
//! `ait-partner` binaries as processes ([`procs`]), the partners' database of a run, a SQLite file or a PostgreSQL
//! database of its own ([`database`]), and the harness's error ([`error`]). The run itself is the
//! `ait-chaos` binary (`src/main.rs`).

pub mod database;
pub mod error;
pub mod procs;
