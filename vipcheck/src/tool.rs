//! What vipcheck tells clikit about itself: its name and its exit-status
//! contracts, the one place they are stated (`--help` and the man page
//! render them).

use clikit::{Contract, Scheme, Tool};

/// The checks are Nagios plugins; `render` and `notify` are generators.
pub const TOOL: Tool = Tool {
    name: "vipcheck",
    contracts: &[
        Contract {
            scheme: Scheme::Monitoring,
            heading: "Checks (holder, local, track, workers, lint, arp, probe), as Nagios plugins:",
            commands: &[],
            flags: &[],
            codes: &[
                "OK (holder: this host holds the VIP; track: HAProxy is healthy)",
                "WARNING (holder: it does not; track: it is not)",
                "CRITICAL",
                "UNKNOWN: usage error, unreadable input, or the system could not be read",
            ],
            notes: "\
A service that does not answer within --timeout has failed, not the check: that is \
WARNING or CRITICAL as each check says (the way the Monitoring Plugins' check_http \
treats a socket timeout), never UNKNOWN. --timeout and the other times take 1 ms to 1 hour, \
as milliseconds (500ms, 500) or seconds (2s, 0.5s).

A check prints its status line (VIPCHECK CHECK STATE - summary | perfdata) on stdout even \
when it fails, as UNKNOWN, in the --format asked for: NRPE and node_exporter read only \
stdout. --format prometheus gives vipcheck_state and one metric per number, with the \
check and any master as labels.",
        },
        Contract {
            scheme: Scheme::Report,
            heading: "watch (a report):",
            commands: &["watch"],
            flags: &[],
            codes: &[
                "every request was answered within 1 s",
                "a request failed or was late, or the stream could not be made (an unreadable CA or kubeconfig)",
                "usage error",
            ],
            notes: "",
        },
        Contract {
            scheme: Scheme::Report,
            heading: "render and notify (generators):",
            commands: &["render", "notify"],
            flags: &[],
            codes: &[
                "written",
                "failure (an invalid cluster file, a failed write)",
                "usage error",
            ],
            notes: "",
        },
    ],
    services: &[],
};
