//! Loaders (feature `load`): an [`Observation`](crate::Observation) from the sandbox's ledger and the partner's
//! database (SQLite or PostgreSQL), so the server fault matrix and the chaos run check what the real components
//! stored.

mod error;
mod partner_db;
mod sandbox;

pub use error::LoadError;
pub use partner_db::open_partner_db;
