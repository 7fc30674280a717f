//! What the benchmarks in `benches/benches/` share.
//!
//! These machines are noisy, so no figure stands alone: every bench measures
//! a floor in the same run (plain `serde_json`, plain `reqwest`, a valid
//! token, …) and prints its results as ratios to that floor ([`report`]).
//! See `BENCHMARKS.md` at the workspace root for the figures and targets.

pub mod alloc;
pub mod clients;
pub mod intraday;
pub mod loopback;
pub mod report;
