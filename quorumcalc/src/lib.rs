//! quorumcalc: quorum and fault-tolerance arithmetic for Raft clusters such
//! as etcd, and the live state of a running etcd cluster from `etcdctl` JSON.
//!
//! The binary is a thin wrapper around [`main_entry`]. [`Cli`] is the single
//! definition of the command line: `--help`, the man page (`man/quorumcalc.1`,
//! rendered by `cargo xtask man`) and the tests all read it.
//!
//! Contract: data on stdout, `quorumcalc: error: ...` on stderr, output
//! byte-identical for identical input, and the exit statuses of [`TOOL`]'s
//! table (which `--help` and the man page's EXIT STATUS render).

#![forbid(unsafe_code)]

pub mod availability;
pub mod backup;
pub mod check;
pub mod cli;
pub mod domains;
pub mod error;
pub mod etcd;
pub mod freshness;
pub mod math;
pub mod members;
pub mod plan;
pub mod recovery;
pub mod snapshot;
pub mod status;
pub mod table;
pub mod tool;
pub mod unanswered;

pub use cli::{Cli, command, main_entry, run};
pub use tool::TOOL;
