//! What quorumcalc tells clikit about itself: its name, the words its
//! checks' status lines start with, and its exit-status contracts, the one
//! place they are stated (`--help` and the man page render them).

use clikit::{Contract, Scheme, Tool};

/// `status` and `snapshot` are Nagios plugins, `check` and `plan` are
/// state checks, `backup` takes a snapshot, the rest are reports.
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
            scheme: Scheme::Report,
            heading: "Taking a snapshot (backup):",
            commands: &["backup"],
            flags: &[],
            codes: &[
                "the snapshot is saved, verified by quorumcalc and by etcdctl, and in place",
                "no snapshot was saved (etcdctl failed or timed out, the file did not verify, too \
                 little free space, or another backup holds the lock); the snapshots already \
                 there are untouched",
                "usage error",
            ],
            notes: "",
        },
        Contract {
            scheme: Scheme::Monitoring,
            heading: "Nagios plugin (snapshot):",
            commands: &["snapshot"],
            flags: &[],
            codes: &[
                "OK: the newest snapshot verifies and is younger than --warning",
                "WARNING: it is older than --warning, or its revision is ahead of the live \
                 cluster's (--live), or it is dated in the future",
                "CRITICAL: no snapshot, the newest does not verify (empty, truncated, corrupt, not \
                 a file, not an etcd snapshot), or it is older than --critical",
                "UNKNOWN: the directory cannot be listed, the revision cannot be compared (no \
                 record beside the snapshot), or any error, usage errors included",
            ],
            notes: "\
snapshot prints its status line (ETCD SNAPSHOT STATE - summary | perfdata) on stdout even \
when it fails, in the --format asked for; --format prometheus gives \
quorumcalc_state{check=\"snapshot\"}, quorumcalc_snapshot_age_seconds, quorumcalc_snapshots, \
quorumcalc_snapshot_bytes, quorumcalc_snapshot_revision and, with --live, \
quorumcalc_snapshot_revisions_behind.",
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
    services: &[("status", "QUORUM"), ("snapshot", "ETCD SNAPSHOT")],
};
