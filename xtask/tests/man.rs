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
