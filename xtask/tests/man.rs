//! The committed man pages must be exactly what the code renders, and must
//! pass groff's strictest warnings. Both fail with the command that fixes them.

use std::process::Command;

#[test]
fn committed_man_pages_match_the_clap_definitions() {
    let mut stale = Vec::new();
    for page in xtask::pages() {
        let path = xtask::man_dir().join(format!("{}.1", page.name));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != xtask::render(&page) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {}\nthe CLI changed; run `cargo xtask man` and commit the result",
        stale.join(", ")
    );
}

#[test]
fn man_pages_render_without_groff_warnings() {
    for page in xtask::pages() {
        let out = Command::new("groff")
            .args(["-man", "-ww", "-z", "-Tutf8"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(xtask::render(&page).as_bytes())?;
                child.wait_with_output()
            })
            .expect("groff is needed for this test: run .ci/test, which installs it");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{}.1: groff -man -ww reports:\n{stderr}",
            page.name
        );
    }
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
