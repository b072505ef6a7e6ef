//! What kubetool tells clikit about itself: its name and its exit-status
//! contracts, the one place they are stated (`--help` and the man page
//! render them).

use clikit::{Contract, Scheme, Tool};

/// A generator; with `--check`, a state check.
pub const TOOL: Tool = Tool {
    name: "kubetool",
    contracts: &[
        Contract {
            scheme: Scheme::Report,
            heading: "A run, and add-member, remove-member, renew and version:",
            commands: &[],
            flags: &[],
            codes: &[
                "the files are written, or were already as wanted",
                "failure: existing data, a CA file or the output directory is unusable, or a \
                 write failed; no file was changed",
                "usage error: a flag, an environment variable or an env-file line is missing \
                 or invalid; no file was changed",
            ],
            notes: "",
        },
        Contract {
            scheme: Scheme::StateCheck,
            heading: "With --check (a state check for Puppet's unless), nothing is written:",
            commands: &[],
            flags: &["--check"],
            codes: &[
                "every file is already what this run would write",
                "the run would create, update or remove a file (listed)",
                "any error, in the usage or in the input",
            ],
            notes: "\
Lines starting kubetool: warning: on stderr say what the operator should know but \
does not stop the run (a master the cluster file no longer lists, a kept CA whose \
key is not the algorithm asked for, a member to add with etcdctl first); a run that \
fails prints those it found before its error.",
        },
        Contract {
            scheme: Scheme::StateCheck,
            heading: "shadowed (a state check for Puppet's unless):",
            commands: &["shadowed"],
            flags: &[],
            codes: &[
                "no key kubetool wrote is hidden from any master by the site's hierarchy",
                "one is, or one of kubetool's files is read by no level (each listed)",
                "any error: in the usage, in hiera.yaml, a level kubetool cannot follow, or a \
                 file it cannot read",
            ],
            notes: "",
        },
    ],
    services: &[],
};
