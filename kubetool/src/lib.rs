//! kubetool: the cluster PKI and Hiera data for the puppetlabs-kubernetes
//! module — a drop-in for the module's own kubetool (same settings, same
//! Hiera keys) that needs no Docker, Ruby or cfssl, keeps what exists, and
//! can add and remove masters under the existing CAs.
//!
//! The binary is a thin wrapper around [`main_entry`]. [`Cli`] is the
//! single definition of the command line; [`plan::plan`] computes a run in
//! memory and [`clikit::files::apply`] writes it all or nothing.

#![forbid(unsafe_code)]

pub mod cli;
pub mod env;
pub mod error;
pub mod hiera;
pub mod kubeadm;
pub mod layout;
pub mod members;
pub mod pki;
pub mod plan;
pub mod run;
pub mod secret;
pub mod settings;
pub mod shadow;
pub mod tool;

pub use cli::{Cli, command, main_entry, run};
pub use error::{Error, Result};
pub use tool::TOOL;
