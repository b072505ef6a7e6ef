//! What certs tells clikit about itself: its name, the word its check's
//! status line starts with, and its exit-status contracts, the one place
//! they are stated (`--help` and the man page render them).

use clikit::{Contract, Scheme, Tool};

/// `check` is a Nagios plugin, `verify` a state check, the rest are
/// reports.
pub const TOOL: Tool = Tool {
    name: "certs",
    contracts: &[
        Contract {
            scheme: Scheme::Report,
            heading: "Reports and generators (inspect, pin, sign, token):",
            commands: &[],
            flags: &[],
            codes: &[
                "success",
                "failure: an input is missing, damaged or of the wrong kind, or output failed",
                "usage error",
            ],
            notes: "",
        },
        Contract {
            scheme: Scheme::StateCheck,
            heading: "State check for scripts and Puppet onlyif/unless (verify, covers --state):",
            commands: &["verify"],
            flags: &["--state"],
            codes: &[
                "the certificate is valid for the use asked about",
                "it is not; every failed check is printed with its reason",
                "any error, in the usage or in the inputs",
            ],
            notes: "",
        },
        Contract {
            scheme: Scheme::Monitoring,
            heading: "Nagios plugin (check, covers):",
            commands: &["check", "covers"],
            flags: &[],
            codes: &[
                "OK: everything is valid for longer than the warning threshold",
                "WARNING: something expires within --warning days, or a leaf outlives its CA",
                "CRITICAL: something expires within --critical days or has expired, is not \
                 yet valid, is used as a CA without the CA flag, or sits beside a key that is \
                 not its pair",
                "UNKNOWN: an input cannot be read or parsed, nothing was found, or a usage error",
            ],
            notes: "\
check prints its status line (CERTS STATE - summary | perfdata) on stdout even when it \
fails, as UNKNOWN, in the --format asked for: NRPE and node_exporter read only stdout. \
--format prometheus gives certs_state, the counts, certs_min_seconds_left and \
certs_seconds_left per certificate (the file and item as the target label).

When states mix, CRITICAL wins over UNKNOWN, and UNKNOWN over WARNING. A closed \
stdout (certs ... | head) is not an error.",
        },
    ],
    services: &[("check", "CERTS")],
};
