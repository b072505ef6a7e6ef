//! What quorumcalc tells clikit about itself: its name, the word its
//! check's status line starts with, and its exit-status contracts, the one
//! place they are stated (`--help` and the man page render them).

use clikit::{Contract, Scheme, Tool};

/// `status` is a Nagios plugin, `check` and `plan` are state checks, the
/// rest are reports.
pub const TOOL: Tool = Tool {
    name: "quorumcalc",
    contracts: &[
        Contract {
            scheme: Scheme::Report,
            heading: "Reports (table, domains, place, availability):",
            commands: &[],
            flags: &[],
            codes: &[
                "success",
                "the output could not be written (a full disk, say)",
                "usage error, including a value out of range",
            ],
            notes: "",
        },
        Contract {
            scheme: Scheme::StateCheck,
            heading: "State checks for Puppet onlyif/unless and scripts (check, plan):",
            commands: &["check", "plan"],
            flags: &[],
            codes: &[
                "quorum holds (at every step of the plan)",
                "quorum is lost (at some step of the plan)",
                "any error, in the usage or in the input",
            ],
            notes: "",
        },
        Contract {
            scheme: Scheme::Monitoring,
            heading: "Nagios plugin (status):",
            commands: &["status"],
            flags: &[],
            codes: &[
                "OK: quorum holds with at least one voter failure to spare",
                "WARNING: quorum holds but the next voter failure loses it, or an alarm is raised",
                "CRITICAL: quorum is lost (no leader, or fewer voters up than the quorum), or no \
                 member answers at all (with --etcdctl-errors: every endpoint refuses, cannot be \
                 reached, or times out)",
                "UNKNOWN: the input does not say enough (etcdctl could not talk to a member: TLS, \
                 certificates, keys), or any error, usage errors included",
            ],
            notes: "\
status prints its status line (QUORUM STATE - summary | perfdata) on stdout even when it \
fails, as UNKNOWN, in the --format asked for: NRPE and node_exporter read only stdout. \
--format prometheus gives quorumcalc_state, the counts, quorumcalc_spare and \
quorumcalc_member_up per member (the member as the target label).

A closed stdout (quorumcalc ... | head) is not an error: output stops quietly and \
the exit status is kept.",
        },
    ],
    service: Some("QUORUM"),
};
