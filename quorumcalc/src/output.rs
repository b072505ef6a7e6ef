//! Rendering: plain tables for people, stable JSON for `jq` (the shared
//! helpers of [`clikit`]).

pub use clikit::{Format, json, push_labelled, table};
