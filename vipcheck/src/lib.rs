//! vipcheck: keepalived and the VIP. Who holds it ([`host`]), whether this
//! master is consistent ([`local`]), the health check keepalived runs
//! ([`track`]), its notify script ([`notify`]), what `keepalived -t` cannot
//! catch ([`lint`], over [`conf`]), and a master's keepalived.conf from the
//! cluster file ([`render`], reading it through [`clusterfile`]), and who answers ARP for the VIP from the
//! network ([`arp`]); every service through the VIP and each master
//! ([`probe`]); the workers HAProxy has marked down ([`workers`]). Every check reports as a Nagios plugin, JSON
//! or Prometheus text ([`report`]).

#![forbid(unsafe_code)]

pub mod arp;
pub mod cli;
pub mod conf;
pub mod error;
pub mod figures;
pub mod host;
pub mod lint;
pub mod local;
pub mod notify;
pub mod probe;
pub mod process;
pub mod render;
pub mod report;
pub mod stream;
pub mod tool;
pub mod track;
pub mod watch;
pub mod workers;

pub use cli::{Cli, command, main_entry, run};
pub use error::{Error, Result};
pub use tool::TOOL;
