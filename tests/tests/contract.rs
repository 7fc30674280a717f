//! Contract tests: every operation of the spec against a loopback server that
//! checks the request and answers with the in-tree fixtures. The test bodies
//! are generated from the spec by `cargo xtask regen`.

mod support;

#[rustfmt::skip]
#[path = "contract/generated.rs"]
mod generated;
