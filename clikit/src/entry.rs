//! The whole of a tool's `main_entry`: which exit-status contract each
//! command keeps (one table per tool), parsing, running, and printing the
//! outcome, its warnings or its error with the right status.
//!
//! The contract on stdout and stderr, for every tool:
//! - stdout carries the data (for a monitoring check, its status line
//!   even when it fails: NRPE shows only stdout);
//! - stderr carries `<tool>: warning: ...` lines for what the operator
//!   should know that does not stop the run, and one `<tool>: error: ...`
//!   line when it fails. Nothing else.

use crate::monitor::{State, Status};
use crate::write_stdout;
use std::ffi::OsString;
use std::process::ExitCode;

/// Which exit-status contract a command keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Generators and reports: 0 ok, 1 failure, 2 usage.
    Report,
    /// State checks for Puppet `unless`/`onlyif`: 0 as wanted, 1 change
    /// needed, 2 any error.
    StateCheck,
    /// Nagios plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN for any error.
    Monitoring,
}

impl Scheme {
    /// The exit status for a command line that cannot be used.
    pub fn usage_code(self) -> u8 {
        match self {
            Scheme::Report | Scheme::StateCheck => 2,
            Scheme::Monitoring => 3,
        }
    }

    /// The exit status for an error met while running: a report fails
    /// with 1, a state check must not say "change needed" because of bad
    /// input (2), a monitoring check says UNKNOWN (3).
    pub fn error_code(self) -> u8 {
        match self {
            Scheme::Report => 1,
            Scheme::StateCheck => 2,
            Scheme::Monitoring => 3,
        }
    }

    /// How many exit statuses it has: 0 to 2, or 0 to 3 for a plugin.
    pub fn codes(self) -> usize {
        usize::from(self.usage_code().max(self.error_code())) + 1
    }
}

/// One exit-status contract of a tool: the commands that keep it and what
/// each exit status means. A tool's table of them is the one place its
/// exit statuses are stated: the scheme a command line keeps is looked up
/// in it, and the EXIT STATUS section of `--help` and the man page is
/// rendered from it ([`Tool::exit_status`]).
#[derive(Debug)]
pub struct Contract {
    /// The scheme: which statuses there are and which one an error gets.
    pub scheme: Scheme,
    /// The line above the statuses, naming the commands that keep them
    /// (`"Nagios plugin (check):"`); may be empty only for a tool without
    /// subcommands.
    pub heading: &'static str,
    /// The subcommands that keep it; none for the tool's default contract.
    pub commands: &'static [&'static str],
    /// Options that make any command keep it (ingressgen's `--check FILE`).
    pub flags: &'static [&'static str],
    /// What each exit status means, from 0 up: one per status the scheme
    /// has.
    pub codes: &'static [&'static str],
    /// Paragraphs shown after the statuses (each one line of text, blank
    /// lines between); may be empty.
    pub notes: &'static str,
}

impl Contract {
    /// Whether it is a tool's default: kept by every command no other
    /// contract names.
    fn is_default(&self) -> bool {
        self.commands.is_empty() && self.flags.is_empty()
    }
}

/// What a tool tells clikit about itself, each fact once.
#[derive(Debug)]
pub struct Tool {
    /// The program's name, for `<tool>: error: ...` and metric names.
    pub name: &'static str,
    /// Its exit-status contracts: exactly one lists neither commands nor
    /// flags, and is kept by every command no other one names.
    pub contracts: &'static [Contract],
    /// What a check's status line starts with, for the checks not named
    /// the default way, `TOOL CHECK` (`VIPCHECK LOCAL`): `(check, service)`
    /// pairs such as `("status", "QUORUM")`.
    pub services: &'static [(&'static str, &'static str)],
}

impl Tool {
    /// The contract a command line keeps: by a flag it carries, else by
    /// its subcommand, else the default one.
    pub fn contract(&self, subcommand: Option<&str>, args: &[OsString]) -> &Contract {
        let words: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
        let flagged = |c: &&Contract| {
            c.flags.iter().any(|f| {
                words
                    .iter()
                    .any(|a| a == f || a.strip_prefix(f).is_some_and(|r| r.starts_with('=')))
            })
        };
        let named = |c: &&Contract| subcommand.is_some_and(|s| c.commands.contains(&s));
        let find = |p: &dyn Fn(&&Contract) -> bool| self.contracts.iter().find(p);
        find(&flagged)
            .or_else(|| find(&named))
            .or_else(|| find(&|c: &&Contract| c.is_default()))
            .expect("a tool's contracts include a default one")
    }

    /// The scheme of a command line: by its subcommand, or by a
    /// state-check flag.
    pub fn scheme(&self, subcommand: Option<&str>, args: &[OsString]) -> Scheme {
        self.contract(subcommand, args).scheme
    }

    /// The EXIT STATUS section of `--help` and the man page, rendered from
    /// the contracts: each heading, `  N  meaning` per status (wrapped at
    /// 80 columns), and its notes.
    pub fn exit_status(&self) -> String {
        let mut out = String::from("EXIT STATUS\n");
        for (i, c) in self.contracts.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            if !c.heading.is_empty() {
                out.push_str(c.heading);
                out.push('\n');
            }
            for (code, meaning) in c.codes.iter().enumerate() {
                out.push_str(&wrap(&format!("  {code}  "), meaning, 80));
            }
            if !c.notes.is_empty() {
                out.push('\n');
                out.push_str(c.notes);
                out.push('\n');
            }
        }
        out
    }

    /// The text after the options in `--help` and the man page: EXIT
    /// STATUS rendered from the contracts, then `more` (EXAMPLES, ...).
    pub fn after_long_help(&self, more: &str) -> String {
        format!("{}\n{more}", self.exit_status())
    }

    /// What is wrong with the table, against the clap definition it
    /// describes: a missing or second default contract, a status count
    /// that is not the scheme's, a subcommand or flag that does not exist,
    /// or a command its contract's heading does not name.
    pub fn check_against(&self, cmd: &clap::Command) -> Vec<String> {
        let mut wrong = Vec::new();
        let defaults = self.contracts.iter().filter(|c| c.is_default()).count();
        if defaults != 1 {
            wrong.push(format!("{defaults} default contracts, not 1"));
        }
        for c in self.contracts {
            if c.codes.len() != c.scheme.codes() {
                wrong.push(format!(
                    "{:?}: {} statuses, not {}",
                    c.heading,
                    c.codes.len(),
                    c.scheme.codes()
                ));
            }
            for s in c.commands {
                if cmd.find_subcommand(s).is_none() {
                    wrong.push(format!("{s}: no such subcommand"));
                }
            }
            for f in c.flags {
                if !has_flag(cmd, f) {
                    wrong.push(format!("{f}: no such option"));
                }
            }
        }
        for sub in cmd.get_subcommands().map(|s| s.get_name()) {
            let c = self.contract(Some(sub), &[]);
            if !names(c.heading, sub) {
                wrong.push(format!(
                    "{sub}: its heading {:?} does not name it",
                    c.heading
                ));
            }
        }
        wrong
    }

    /// The start of a check's status line: `CERTS`, `VIPCHECK LOCAL`.
    pub fn service(&self, check: &str) -> String {
        match self.services.iter().find(|(c, _)| *c == check) {
            Some((_, s)) => (*s).to_owned(),
            None => format!("{} {}", self.name, check).to_uppercase(),
        }
    }

    /// A check's verdict, named as this tool names it.
    pub fn status(&self, check: &str, state: State, summary: String) -> Status {
        Status {
            tool: self.name,
            check: check.to_owned(),
            service: self.service(check),
            state,
            summary,
            perfdata: Vec::new(),
            series: Vec::new(),
        }
    }
}

/// Whether `text` has `word` as a whole word.
fn names(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .any(|w| w == word)
}

/// Whether `cmd` or any subcommand has the option `flag` (`--check`).
fn has_flag(cmd: &clap::Command, flag: &str) -> bool {
    let long = flag.trim_start_matches('-');
    cmd.get_arguments().any(|a| a.get_long() == Some(long))
        || cmd.get_subcommands().any(|s| has_flag(s, flag))
}

/// `text` broken at spaces into lines of at most `width` columns, the
/// first starting with `prefix` and the later ones indented as deep; each
/// line ends with a newline.
fn wrap(prefix: &str, text: &str, width: usize) -> String {
    let indent = " ".repeat(prefix.chars().count());
    let mut out = String::new();
    let mut line = prefix.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clone_from(&indent);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// What kind of failure an error is: a command line that cannot be used,
/// or anything else. The scheme turns that into the exit status.
pub trait Failure: std::fmt::Display {
    /// A usage error (the command line cannot be used as given).
    fn is_usage(&self) -> bool;
    /// What the operator should know that the run found before it failed,
    /// printed as warnings before the error.
    fn warnings(&self) -> &[String] {
        &[]
    }
}

/// What a successful run prints, and its exit status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Everything for stdout.
    pub stdout: String,
    /// The exit status.
    pub code: u8,
    /// What the operator should know, printed as `<tool>: warning: ...`.
    pub warnings: Vec<String>,
}

impl Outcome {
    /// Exit status 0 with this output.
    pub fn ok(stdout: String) -> Self {
        Outcome::new(stdout, 0)
    }

    /// This output and exit status.
    pub fn new(stdout: String, code: u8) -> Self {
        Outcome {
            stdout,
            code,
            warnings: Vec::new(),
        }
    }

    /// The same outcome with these warnings.
    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }
}

/// The first word of `args` (after the program name) that is not an option,
/// skipping the value of each of `cmd`'s options that takes one: the
/// subcommand, even when the line does not parse. A usage error of a Nagios
/// check must still exit 3, so the scheme is chosen before clap succeeds.
/// Which options take a value is read from the clap definition itself, so
/// a new global option cannot be forgotten here.
pub fn subcommand_of<'a>(args: &'a [OsString], cmd: &clap::Command) -> Option<&'a str> {
    let with_value = options_with_values(cmd);
    let mut it = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if with_value.iter().any(|o| o == a) {
            it.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// Every spelling (`--format`, `-f`, and their aliases) of the options of
/// `cmd` itself that take a separate value.
pub fn options_with_values(cmd: &clap::Command) -> Vec<String> {
    let mut words = Vec::new();
    for arg in cmd.get_arguments() {
        if arg.is_positional() || !arg.get_action().takes_values() {
            continue;
        }
        let longs = arg
            .get_long()
            .into_iter()
            .chain(arg.get_all_aliases().unwrap_or_default());
        words.extend(longs.map(|l| format!("--{l}")));
        let shorts = arg
            .get_short()
            .into_iter()
            .chain(arg.get_all_short_aliases().unwrap_or_default());
        words.extend(shorts.map(|s| format!("-{s}")));
    }
    words.sort();
    words.dedup();
    words
}

/// The value of `--format`, if given (`--format X` or `--format=X`).
fn format_of(args: &[OsString]) -> Option<&str> {
    let mut it = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--format" {
            return it.next();
        }
        if let Some(v) = a.strip_prefix("--format=") {
            return Some(v);
        }
    }
    None
}

/// Parses, runs and prints; returns the exit status.
pub fn main_entry<C, E>(
    tool: &Tool,
    args: impl IntoIterator<Item = impl Into<OsString>>,
    run: fn(&C) -> Result<Outcome, E>,
) -> ExitCode
where
    C: clap::Parser,
    E: Failure,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let command = C::command();
    let guess = subcommand_of(&args, &command);
    let parsed = command
        .try_get_matches_from(&args)
        .and_then(|m| C::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(p) => p,
        Err(e) => return clap_error(tool, &args, guess, &e),
    };
    let subcommand = matches.subcommand_name();
    let scheme = tool.scheme(subcommand, &args);
    match run(&cli) {
        Ok(out) => {
            for w in &out.warnings {
                eprintln!("{}: warning: {w}", tool.name);
            }
            match write_stdout(&out.stdout) {
                Ok(()) => ExitCode::from(out.code),
                Err(e) => fail(
                    tool,
                    &args,
                    subcommand,
                    scheme,
                    &format!("cannot write output: {e}"),
                    scheme.error_code(),
                ),
            }
        }
        Err(e) => {
            for w in e.warnings() {
                eprintln!("{}: warning: {w}", tool.name);
            }
            let code = if e.is_usage() {
                scheme.usage_code()
            } else {
                scheme.error_code()
            };
            fail(tool, &args, subcommand, scheme, &e.to_string(), code)
        }
    }
}

/// Help and version to stdout with status 0; anything else is a usage
/// error, folded to one line.
fn clap_error(tool: &Tool, args: &[OsString], guess: Option<&str>, e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let scheme = tool.scheme(guess, args);
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write_stdout(&e.render().to_string());
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", e.render());
            unknown_on_stdout(
                tool,
                args,
                guess,
                scheme,
                "a subcommand or an argument is missing; see --help",
            );
            ExitCode::from(scheme.usage_code())
        }
        _ => fail(tool, args, guess, scheme, &one_line(e), scheme.usage_code()),
    }
}

/// Prints the error (and, for a monitoring check, its UNKNOWN status on
/// stdout) and returns `code`.
fn fail(
    tool: &Tool,
    args: &[OsString],
    check: Option<&str>,
    scheme: Scheme,
    message: &str,
    code: u8,
) -> ExitCode {
    eprintln!("{}: error: {message}", tool.name);
    unknown_on_stdout(tool, args, check, scheme, message);
    ExitCode::from(code)
}

/// A monitoring check that fails still says UNKNOWN on stdout, in the
/// format asked for: NRPE and the textfile collector read only stdout.
fn unknown_on_stdout(
    tool: &Tool,
    args: &[OsString],
    check: Option<&str>,
    scheme: Scheme,
    message: &str,
) {
    if scheme != Scheme::Monitoring {
        return;
    }
    let check = check.unwrap_or(tool.name);
    let status = tool.status(check, State::Unknown, message.to_owned());
    let text = match format_of(args) {
        Some("json") => crate::json(&status),
        Some("prometheus") => status.prometheus(),
        _ => status.line(),
    };
    let _ = write_stdout(&text);
}

/// clap's multi-line message folded into the one-line `tool: error: ...` form.
pub fn one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let mut parts = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") {
            break;
        }
        // clap's own pointer to --help is said once, at the end.
        if !line.is_empty() && !line.starts_with("For more information") {
            parts.push(line.strip_prefix("error: ").unwrap_or(line));
        }
    }
    format!("{}; see --help", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    const TOOL: Tool = Tool {
        name: "ingressgen",
        contracts: &[
            Contract {
                scheme: Scheme::Report,
                heading: "haproxy (generators):",
                commands: &[],
                flags: &[],
                codes: &["rendered", "failed", "usage error"],
                notes: "",
            },
            Contract {
                scheme: Scheme::StateCheck,
                heading: "With --check, and diff (state checks):",
                commands: &["diff"],
                flags: &["--check"],
                codes: &["as wanted", "differs", "any error"],
                notes: "Nothing is written.",
            },
            Contract {
                scheme: Scheme::Monitoring,
                heading: "status (a plugin):",
                commands: &["status"],
                flags: &[],
                codes: &["OK", "WARNING", "CRITICAL", "UNKNOWN"],
                notes: "",
            },
        ],
        services: &[],
    };

    fn with_options() -> clap::Command {
        use clap::{Arg, ArgAction};
        clap::Command::new("t")
            .arg(Arg::new("format").long("format").short('f').global(true))
            .arg(Arg::new("key").long("key").alias("private-key"))
            .arg(Arg::new("quiet").long("quiet").action(ArgAction::SetTrue))
            .subcommand(clap::Command::new("status"))
    }

    #[test]
    fn the_subcommand_is_found_past_options_and_their_values() {
        let cmd = with_options();
        assert_eq!(
            options_with_values(&cmd),
            ["--format", "--key", "--private-key", "-f"]
        );
        let args = a(&["t", "--format", "json", "status", "--bogus"]);
        assert_eq!(subcommand_of(&args, &cmd), Some("status"));
        let args = a(&["t", "--private-key", "k", "--quiet", "-f", "x", "status"]);
        assert_eq!(subcommand_of(&args, &cmd), Some("status"));
        assert_eq!(subcommand_of(&a(&["t", "--format"]), &cmd), None);
        assert_eq!(subcommand_of(&a(&["t"]), &cmd), None);
        assert_eq!(
            format_of(&a(&["t", "--format=prometheus"])),
            Some("prometheus")
        );
    }

    #[test]
    fn one_table_gives_every_scheme() {
        assert_eq!(
            TOOL.scheme(Some("diff"), &a(&["t", "diff"])),
            Scheme::StateCheck
        );
        assert_eq!(
            TOOL.scheme(Some("haproxy"), &a(&["t", "haproxy", "--check=x"])),
            Scheme::StateCheck
        );
        assert_eq!(
            TOOL.scheme(Some("haproxy"), &a(&["t", "haproxy", "--checkout"])),
            Scheme::Report
        );
        assert_eq!(TOOL.scheme(None, &a(&["t"])), Scheme::Report);
        assert_eq!(TOOL.service("status"), "INGRESSGEN STATUS");
    }

    #[test]
    fn the_exit_status_section_is_rendered_from_the_table() {
        assert_eq!(
            TOOL.exit_status(),
            "EXIT STATUS\nhaproxy (generators):\n  0  rendered\n  1  failed\n  2  usage error\n\n\
             With --check, and diff (state checks):\n  0  as wanted\n  1  differs\n  2  any error\n\n\
             Nothing is written.\n\nstatus (a plugin):\n  0  OK\n  1  WARNING\n  2  CRITICAL\n  3  UNKNOWN\n"
        );
        let long = "word ".repeat(30);
        assert_eq!(
            wrap("  1  ", &long, 30),
            "  1  word word word word word\n".to_owned()
                + &"     word word word word word\n".repeat(5)
        );
    }

    #[test]
    fn the_table_is_checked_against_the_clap_definition() {
        use clap::{Arg, Command};
        let cmd = Command::new("t")
            .subcommand(Command::new("haproxy").arg(Arg::new("check").long("check")))
            .subcommand(Command::new("diff"))
            .subcommand(Command::new("status"));
        assert_eq!(TOOL.check_against(&cmd), Vec::<String>::new());
        let cmd = cmd
            .subcommand(Command::new("routes"))
            .mut_subcommand("haproxy", |h| h.mut_arg("check", |a| a.long("verify")));
        assert_eq!(
            TOOL.check_against(&cmd),
            [
                "--check: no such option",
                "routes: its heading \"haproxy (generators):\" does not name it"
            ]
        );
    }

    #[test]
    fn error_codes_follow_the_scheme() {
        assert_eq!(
            [Scheme::Report, Scheme::StateCheck, Scheme::Monitoring]
                .map(|s| (s.usage_code(), s.error_code())),
            [(2, 1), (2, 2), (3, 3)]
        );
    }

    #[test]
    fn a_clap_error_is_one_line_with_one_pointer_to_help() {
        let cmd = || {
            clap::Command::new("kubetool")
                .arg(
                    clap::Arg::new("version")
                        .long("version")
                        .value_name("VERSION"),
                )
                .arg(clap::Arg::new("file"))
        };
        let e = cmd()
            .try_get_matches_from(["kubetool", "--version"])
            .unwrap_err();
        assert_eq!(
            one_line(&e),
            "a value is required for '--version <VERSION>' but none was supplied; see --help"
        );
        let e = cmd()
            .try_get_matches_from(["kubetool", "x", "--bogus"])
            .unwrap_err();
        let line = one_line(&e);
        assert!(
            line.starts_with("unexpected argument '--bogus' found; tip: "),
            "{line}"
        );
        assert_eq!(line.matches("--help").count(), 1, "{line}");
    }
}
