//! Man page rendering for every tool in the workspace.
//!
//! Each tool's library exports its clap definition (`command()`), whose
//! text after the options `--help` also shows. This crate turns it into
//! one roff page per tool, so `--help` and the man page cannot disagree:
//!
//! * NAME, SYNOPSIS (one line per subcommand), DESCRIPTION and OPTIONS come
//!   from clap through clap_mangen;
//! * COMMANDS holds, per subcommand, its synopsis, long description and
//!   options (the global ones are listed once, under OPTIONS);
//! * the rest (EXIT STATUS, EXAMPLES, ...) comes from that text (its EXIT
//!   STATUS rendered from the tool's `TOOL` table),
//!   where a line in capitals starts a section, an indented line is literal
//!   (commands, tables), and other lines are running text.
//!
//! The date in `.TH` is left empty so the output is byte-for-byte reproducible
//! and can be committed and compared (`tests/man.rs`).
//!
//! The cluster file's page, `man/cluster.yaml.5`, is made by
//! [`render_file_page`] from `clusterfile/cluster.yaml.md`, the text the
//! clusterfile crate's docs include: the file is described once.

#![forbid(unsafe_code)]

pub mod modules;

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};
use std::path::PathBuf;

/// One tool's man page inputs.
pub struct Page {
    /// The tool's name; the page is `man/<name>.1`.
    pub name: &'static str,
    /// The tool's clap definition.
    pub command: fn() -> clap::Command,
    /// Its exit-status contracts (the EXIT STATUS section is rendered
    /// from them into the text after the options, with EXAMPLES and the
    /// other sections `--help` shows).
    pub tool: &'static clikit::Tool,
}

impl Page {
    /// The committed page, `man/<name>.1` at the workspace root.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../man/{}.1", self.name))
    }
}

/// Every page in the workspace. A new tool adds one line here.
pub fn pages() -> Vec<Page> {
    vec![
        Page {
            name: "certs",
            command: certs::command,
            tool: &certs::TOOL,
        },
        Page {
            name: "ingressgen",
            command: ingressgen::command,
            tool: &ingressgen::TOOL,
        },
        Page {
            name: "kubetool",
            command: kubetool::command,
            tool: &kubetool::TOOL,
        },
        Page {
            name: "quorumcalc",
            command: quorumcalc::command,
            tool: &quorumcalc::TOOL,
        },
        Page {
            name: "vipcheck",
            command: vipcheck::command,
            tool: &vipcheck::TOOL,
        },
    ]
}

/// The cluster file's description, as the clusterfile crate's docs hold it.
pub const CLUSTER_FILE_DOC: &str = include_str!("../../clusterfile/cluster.yaml.md");

/// Where the cluster file's page is committed.
pub fn file_page_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../man/cluster.yaml.5")
}

/// Every page, tools and file, as (path, rendered roff).
pub fn all_pages() -> Vec<(PathBuf, String)> {
    let mut v: Vec<(PathBuf, String)> = pages().iter().map(|p| (p.path(), render(p))).collect();
    v.push((file_page_path(), render_file_page(CLUSTER_FILE_DOC)));
    v
}

/// Every generated file that is committed: the man pages and each tool's
/// completions for bash, zsh and fish (`completions/`), all from the one
/// clap definition.
pub fn generated() -> Vec<(PathBuf, String)> {
    let mut v = all_pages();
    for page in pages() {
        v.extend(completions(&page));
    }
    v
}

/// A tool's completion scripts, as (path, text): `completions/TOOL.bash`,
/// `completions/_TOOL` (zsh) and `completions/TOOL.fish`.
pub fn completions(page: &Page) -> Vec<(PathBuf, String)> {
    use clap_complete::Shell;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../completions");
    [
        (Shell::Bash, format!("{}.bash", page.name)),
        (Shell::Zsh, format!("_{}", page.name)),
        (Shell::Fish, format!("{}.fish", page.name)),
    ]
    .into_iter()
    .map(|(shell, file)| {
        let mut cmd = (page.command)();
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd, page.name, &mut out);
        let text = String::from_utf8(out).expect("completions are UTF-8");
        let text = match shell {
            Shell::Fish => fish_values_before_the_subcommand(page.name, &text),
            _ => text,
        };
        (dir.join(file), text)
    })
    .collect()
}

/// clap_complete's fish script reads the words before the cursor with
/// argparse to learn whether a subcommand was given; with `TOOL --format `
/// the option has no value yet, argparse fails, and no value is offered
/// (files are). Read the line without that last word instead.
fn fish_values_before_the_subcommand(tool: &str, text: &str) -> String {
    let tool = tool.replace('-', "_");
    let given = format!(
        "    argparse -s (__fish_{tool}_global_optspecs) -- $cmd 2>/dev/null\n    or return\n"
    );
    let fixed = format!(
        "    argparse -s (__fish_{tool}_global_optspecs) -- $cmd 2>/dev/null\n    \
         or begin\n        \
         # An option before the cursor still waits for its value.\n        \
         set -e cmd[-1]\n        \
         argparse -s (__fish_{tool}_global_optspecs) -- $cmd 2>/dev/null\n    \
         end\n    \
         or return\n"
    );
    assert!(
        text.contains(&given),
        "clap_complete's fish script for {tool} changed: review fish_values_before_the_subcommand"
    );
    text.replace(&given, &fixed)
}

/// Renders the section 5 page of the cluster file from its markdown: the
/// first heading gives NAME; `## ` headings are sections, `### `
/// subsections; fenced blocks are literal; `- ` items are bulleted; inline
/// code marks are dropped (roff escapes everything else).
pub fn render_file_page(markdown: &str) -> String {
    let mut lines = markdown.lines();
    let title = lines
        .next()
        .and_then(|l| l.strip_prefix("# "))
        .expect("the description starts with a `# name: summary` title");
    let (name, summary) = title.split_once(": ").expect("`# name: summary`");
    let mut out = format!(
        "{}.TH {} 5 \"\" \"kubetoolkit {}\" \"File Formats\"\n",
        preamble(),
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION")
    );
    let mut roff = Roff::new();
    roff.control("SH", ["NAME"]);
    roff.text([roman(format!("{name} - {summary}"))]);
    roff.control("SH", ["DESCRIPTION"]);
    let mut para: Vec<String> = Vec::new();
    let mut fenced: Option<Vec<&str>> = None;
    let flush = |roff: &mut Roff, para: &mut Vec<String>| {
        if !para.is_empty() {
            roff.text([roman(para.join(" "))]);
            para.clear();
        }
    };
    for line in lines {
        if let Some(block) = &mut fenced {
            if line.starts_with("```") {
                roff.control("RS", ["4"]);
                roff.control("nf", []);
                for l in block.iter() {
                    roff.text([roman(*l)]);
                }
                roff.control("fi", []);
                roff.control("RE", []);
                fenced = None;
            } else {
                block.push(line);
            }
            continue;
        }
        if line.starts_with("```") {
            flush(&mut roff, &mut para);
            fenced = Some(Vec::new());
        } else if let Some(h) = line.strip_prefix("## ") {
            flush(&mut roff, &mut para);
            roff.control("SH", [h.to_uppercase().as_str()]);
        } else if let Some(h) = line.strip_prefix("### ") {
            flush(&mut roff, &mut para);
            roff.control("SS", [h]);
        } else if let Some(item) = line.strip_prefix("- ") {
            flush(&mut roff, &mut para);
            roff.control("IP", ["\\(bu", "2"]);
            para.push(unmark(item));
        } else if line.trim().is_empty() {
            flush(&mut roff, &mut para);
            roff.control("PP", []);
        } else {
            para.push(unmark(line.trim()));
        }
    }
    flush(&mut roff, &mut para);
    out.push_str(&tidy(&body_without_preamble(&roff.render())));
    out
}

/// Inline markdown to plain text: code marks dropped.
fn unmark(s: &str) -> String {
    s.replace('`', "")
}

/// Drops paragraph breaks that separate nothing (after a heading, or
/// doubled).
fn tidy(roff: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in roff.lines() {
        let prev = out.last().copied().unwrap_or("");
        let is_break = line == ".PP";
        if is_break
            && (prev.starts_with(".SH")
                || prev.starts_with(".SS")
                || prev == ".PP"
                || prev.starts_with(".IP"))
        {
            continue;
        }
        if (line.starts_with(".SH") || line.starts_with(".SS")) && prev == ".PP" {
            out.pop();
        }
        out.push(line);
    }
    if out.last() == Some(&".PP") {
        out.pop();
    }
    out.iter().map(|l| format!("{l}\n")).collect()
}

/// Renders one page.
pub fn render(page: &Page) -> String {
    let mut cmd = (page.command)();
    cmd.build();
    let man = Man::new(cmd.clone());
    // The title is written here rather than by clap_mangen: its empty date
    // argument vanishes unquoted, shifting the source into the date's place.
    let mut out = format!(
        "{}.TH {} 1 \"\" \"{} {}\" \"User Commands\"\n",
        preamble(),
        page.name.to_uppercase(),
        page.name,
        // The package version: `--version` adds the git commit, which would
        // make every commit a change to the pages.
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&section(|w| man.render_name_section(w)));

    // Arguments a subcommand inherits from the top level (global ones,
    // --help, --version) are documented once, under OPTIONS.
    let inherited: Vec<clap::Id> = cmd.get_arguments().map(|a| a.get_id().clone()).collect();
    let subcommands: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let mut s = s.clone();
            for id in &inherited {
                if s.get_arguments().any(|a| a.get_id() == id) {
                    s = s.mut_arg(id, |a| a.hide(true));
                }
            }
            s
        })
        .collect();

    out.push_str(".SH SYNOPSIS\n");
    if subcommands.is_empty() {
        out.push_str(&synopsis(&mut cmd.clone()));
    } else {
        // A tool that also runs without a subcommand (kubetool) shows that
        // form first: clap's first usage line, before the subcommands'.
        if !cmd.is_subcommand_required_set() {
            let mut top = cmd.clone();
            let usage = top.render_usage().to_string();
            let first = usage.lines().next().unwrap_or_default().trim();
            let first = first.strip_prefix("Usage: ").unwrap_or(first);
            let name = top.get_name().to_owned();
            let mut roff = Roff::new();
            roff.text([
                bold(name.clone()),
                roman(first.strip_prefix(name.as_str()).unwrap_or(first)),
            ]);
            out.push_str(&body_without_preamble(&roff.render()));
            out.push_str(".br\n");
        }
        for (i, sub) in subcommands.iter().enumerate() {
            if i > 0 {
                out.push_str(".br\n");
            }
            out.push_str(&synopsis(&mut sub.clone()));
        }
    }
    out.push_str(&section(|w| man.render_description_section(w)));
    out.push_str(&section(|w| man.render_options_section(w)));

    if !subcommands.is_empty() {
        out.push_str(".SH COMMANDS\n");
        for sub in &subcommands {
            let sub_man = Man::new(sub.clone());
            let name = sub.get_bin_name().unwrap_or(sub.get_name());
            out.push_str(&format!(".SS \"{name}\"\n"));
            out.push_str(&synopsis(&mut sub.clone()));
            out.push_str(".PP\n");
            out.push_str(&body(&section(|w| sub_man.render_description_section(w))));
            if sub.get_arguments().any(|a| !a.is_hide_set()) {
                out.push_str(&body(&section(|w| sub_man.render_options_section(w))));
            }
        }
    }
    let more = cmd.get_after_long_help().map(|h| h.to_string());
    out.push_str(&prose_to_roff(&more.unwrap_or_default()));
    out
}

/// The roff string definitions clap_mangen's text relies on (`\*(Aq`).
fn preamble() -> String {
    let mut buf = Vec::new();
    Roff::new()
        .to_writer(&mut buf)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("roff writes UTF-8")
}

/// One synopsis line: clap's own usage line (the one `--help` prints), with
/// the command name in bold.
fn synopsis(cmd: &mut clap::Command) -> String {
    let usage = cmd.render_usage().to_string();
    let usage = usage.trim().strip_prefix("Usage: ").unwrap_or(usage.trim());
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name()).to_owned();
    let rest = usage.strip_prefix(name.as_str()).unwrap_or(usage);
    let mut roff = Roff::new();
    roff.text([bold(name), roman(rest)]);
    body_without_preamble(&roff.render())
}

/// `text` without the lines `drop` matches.
fn without_lines(text: &str, drop: impl Fn(&str) -> bool) -> String {
    text.lines()
        .filter(|l| !drop(l))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn body_without_preamble(text: &str) -> String {
    without_lines(text, is_preamble)
}

/// Runs one clap_mangen section renderer and returns its roff, without the
/// apostrophe preamble that every renderer repeats (the page starts with it once).
fn section(f: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    f(&mut buf).expect("writing to a Vec cannot fail");
    body_without_preamble(&String::from_utf8(buf).expect("clap_mangen writes UTF-8"))
}

fn is_preamble(line: &str) -> bool {
    line.starts_with(".ie \\n(.g") || line.starts_with(".el .ds Aq")
}

/// A section's content without its `.SH` heading lines.
fn body(section: &str) -> String {
    without_lines(section, |l| l.starts_with(".SH "))
}

/// Is this line of the after-help text a section heading?
fn is_heading(line: &str) -> bool {
    !line.is_empty()
        && !line.starts_with(' ')
        && line.chars().any(|c| c.is_ascii_uppercase())
        && line.chars().all(|c| c.is_ascii_uppercase() || c == ' ')
}

/// Converts the after-help text (see the crate docs) to roff sections.
pub fn prose_to_roff(text: &str) -> String {
    let mut roff = Roff::new();
    let mut para: Vec<&str> = Vec::new();
    let mut literal: Vec<&str> = Vec::new();
    let mut started = false;

    fn flush(roff: &mut Roff, para: &mut Vec<&str>, literal: &mut Vec<&str>, started: &mut bool) {
        if !para.is_empty() {
            if *started {
                roff.control("PP", []);
            }
            roff.text([roman(para.join(" "))]);
            para.clear();
            *started = true;
        }
        if !literal.is_empty() {
            roff.control("RS", ["4"]);
            roff.control("nf", []);
            for line in literal.iter() {
                roff.text([roman(*line)]);
            }
            roff.control("fi", []);
            roff.control("RE", []);
            literal.clear();
            *started = true;
        }
    }

    for line in text.lines() {
        if is_heading(line) {
            flush(&mut roff, &mut para, &mut literal, &mut started);
            roff.control("SH", [line]);
            started = false;
        } else if line.trim().is_empty() {
            flush(&mut roff, &mut para, &mut literal, &mut started);
        } else if let Some(rest) = line.strip_prefix("  ") {
            if !para.is_empty() {
                flush(&mut roff, &mut para, &mut literal, &mut started);
            }
            literal.push(rest);
        } else {
            if !literal.is_empty() {
                flush(&mut roff, &mut para, &mut literal, &mut started);
            }
            para.push(line.trim());
        }
    }
    flush(&mut roff, &mut para, &mut literal, &mut started);
    body_without_preamble(&roff.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_becomes_sections_paragraphs_and_literal_blocks() {
        let r = prose_to_roff(
            "EXIT STATUS\nZero is fine,\nelse not.\n  0  ok\n  1  bad\n\nMore text.\n",
        );
        assert_eq!(
            r,
            ".SH \"EXIT STATUS\"\nZero is fine, else not.\n.RS 4\n.nf\n0  ok\n1  bad\n.fi\n.RE\n.PP\nMore text.\n"
        );
    }

    #[test]
    fn text_that_looks_like_roff_is_escaped() {
        let r = prose_to_roff("NOTES\n.TH evil\n  --flag \\fB\n");
        assert!(r.contains("\\&.TH evil"), "{r}");
        assert!(r.contains("\\-\\-flag \\\\fB"), "{r}");
    }
}
