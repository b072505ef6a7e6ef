//! The committed man pages must be exactly what the code renders; the test
//! fails with the command that fixes them. (.ci/test lints the committed
//! pages with groff -ww and man --warnings.)

#[test]
fn committed_man_pages_match_the_clap_definitions() {
    let mut stale = Vec::new();
    for page in xtask::pages() {
        let committed = std::fs::read_to_string(page.path()).unwrap_or_default();
        if committed != xtask::render(&page) {
            stale.push(page.path().display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {}\nthe CLI changed; run `cargo xtask man` and commit the result",
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
