//! The committed man pages must be exactly what the code renders; the test
//! fails with the command that fixes them. (.ci/test lints the committed
//! pages with groff -ww and man --warnings.)

#[test]
fn committed_man_pages_and_completions_match_the_clap_definitions() {
    let mut stale = Vec::new();
    for (path, rendered) in xtask::generated() {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != rendered {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {}\nthe CLI changed; run `cargo xtask man` (pages and completions) and commit the result",
        stale.join(", ")
    );
}

#[test]
fn pages_have_the_sections_a_man_page_needs() {
    for page in xtask::pages() {
        let text = xtask::render(&page);
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "\"EXIT STATUS\"",
            "EXAMPLES",
            "\"SEE ALSO\"",
        ] {
            assert!(
                text.contains(&format!("\n.SH {section}\n")),
                "{}.1 lacks the {section} section",
                page.name
            );
        }
    }
}

#[test]
fn the_cluster_file_page_has_every_section_of_its_description() {
    let page = xtask::render_file_page(xtask::CLUSTER_FILE_DOC);
    assert!(page.contains(".TH CLUSTER.YAML 5 "), "{page}");
    for heading in xtask::CLUSTER_FILE_DOC
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
    {
        assert!(
            page.contains(&format!(".SH {heading}"))
                || page.contains(&format!(".SH \"{heading}\"")),
            "{heading}"
        );
    }
    for sub in xtask::CLUSTER_FILE_DOC
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
    {
        assert!(
            page.contains(&format!(".SS {sub}")) || page.contains(&format!(".SS \"{sub}\"")),
            "{sub}"
        );
    }
    // Every field the example uses is described.
    for field in [
        "alternate_domains",
        "internal_suffixes",
        "api_advertise_address",
        "ipv6",
        "tls_bundle",
    ] {
        assert!(page.contains(field), "{field}");
    }
}

/// Each tool's options that come before a subcommand and take one of a set
/// of values (`--format`): fish offers those values, from the committed
/// completions, run by a real fish. clap_complete's own script offered
/// files there.
#[test]
fn fish_completes_the_values_of_options_before_the_subcommand() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../completions");
    let mut tried = 0;
    for page in xtask::pages() {
        let cmd = (page.command)();
        for arg in cmd.get_arguments() {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_owned())
                .collect();
            let Some(long) = arg.get_long() else { continue };
            if values.is_empty() || arg.is_positional() || !arg.get_action().takes_values() {
                continue;
            }
            let script = dir.join(format!("{}.fish", page.name));
            let line = format!("{} --{long} ", page.name);
            let out = std::process::Command::new("fish")
                .arg("-c")
                .arg(format!("source {}; complete -C '{line}'", script.display()))
                .output()
                .expect("fish is needed: .ci/test installs it");
            let offered: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.split('\t').next().unwrap_or("").to_owned())
                .collect();
            let mut want = values.clone();
            want.sort();
            let mut got = offered.clone();
            got.sort();
            assert_eq!(got, want, "fish completes `{line}` with {offered:?}");
            tried += 1;
        }
    }
    assert!(tried >= 4, "only {tried} options were tried");
}

/// Every tool's clap definition passes clap's own consistency checks.
#[test]
fn every_command_line_is_consistent() {
    for page in xtask::pages() {
        (page.command)().debug_assert();
    }
}

/// A command line keeps its subcommand's contract whatever global option
/// (with its value) comes first, and with a bad argument after it: a
/// usage error of a Nagios check must be UNKNOWN, of a state check 2.
#[test]
fn every_subcommand_keeps_its_contract_past_global_options() {
    let mut tried = 0;
    for page in xtask::pages() {
        let cmd = (page.command)();
        let options = clikit::entry::options_with_values(&cmd);
        for sub in cmd.get_subcommands().map(|s| s.get_name()) {
            let want = page.tool.contract(Some(sub), &[]).scheme;
            for option in std::iter::once(None).chain(options.iter().map(Some)) {
                let mut line = vec![page.name];
                line.extend(option.map(|o| [o.as_str(), "x"]).into_iter().flatten());
                line.extend([sub, "--bogus"]);
                let args: Vec<std::ffi::OsString> = line.iter().map(Into::into).collect();
                let found = clikit::subcommand_of(&args, &cmd);
                assert_eq!(found, Some(sub), "{line:?}");
                assert_eq!(page.tool.scheme(found, &args), want, "{line:?}");
                tried += 1;
            }
        }
    }
    // certs' check after --eyaml-private-key, quorumcalc's status after
    // --format, and the rest.
    assert!(tried > 40, "{tried}");
}

/// Each tool's exit-status table, from which `--help` and the man page
/// render EXIT STATUS, fits its clap definition: one default contract,
/// as many statuses as the scheme has, and every subcommand named in the
/// heading of the contract it keeps.
#[test]
fn every_exit_status_table_fits_its_command_line() {
    for page in xtask::pages() {
        assert_eq!(page.tool.name, page.name);
        let wrong = page.tool.check_against(&(page.command)());
        assert!(wrong.is_empty(), "{}: {wrong:?}", page.name);
        let help = (page.command)().render_long_help().to_string();
        assert!(help.contains(&page.tool.exit_status()), "{}", page.name);
    }
}
