//! What ingressgen tells clikit about itself: its name and its exit-status
//! contracts, the one place they are stated (`--help` and the man page
//! render them).

use clikit::{Contract, Scheme, Tool};

/// `diff`, and any command with `--check`, is a state check; the rest are
/// generators.
pub const TOOL: Tool = Tool {
    name: "ingressgen",
    contracts: &[
        Contract {
            scheme: Scheme::Report,
            heading: "haproxy, ingress, expose and routes (generators):",
            commands: &[],
            flags: &[],
            codes: &[
                "rendered (printed, or written by --out)",
                "the cluster file is invalid, or a write failed; nothing was changed",
                "usage error",
            ],
            notes: "",
        },
        Contract {
            scheme: Scheme::StateCheck,
            heading: "With --check, and diff (state checks for Puppet unless/onlyif):",
            commands: &["diff"],
            flags: &["--check"],
            codes: &[
                "the file is already what would be rendered / the two files route alike",
                "it differs or is missing / they differ",
                "any error, usage or input",
            ],
            notes: "",
        },
    ],
    services: &[],
};
