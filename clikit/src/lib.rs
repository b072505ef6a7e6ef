//! clikit: the conventions every tool of the workspace shares, written once.
//!
//! - [`Format`]: `--format text|json`; [`table`] and [`json`] render them.
//! - [`Scheme`]: which exit-status contract a command keeps (generator,
//!   Puppet state check, or Nagios plugin) and so which code a usage error gets.
//! - [`parse`] and [`finish`]: the `main_entry` skeleton. Help and version go
//!   to stdout with status 0; clap's errors are folded to one
//!   `<tool>: error: ...; see --help` line on stderr; a closed stdout
//!   (`tool | head`) is not an error.
//! - [`read_input`]: a path, or `-` for stdin.
//! - [`files`]: writing a set of files all or nothing, untouched when
//!   unchanged.
//!
//! It holds no tool logic; each tool keeps its own error type and maps it to
//! a status with [`Scheme`].

#![forbid(unsafe_code)]

pub mod files;

use serde::Serialize;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::ExitCode;
use tabled::builder::Builder;
use tabled::settings::Style;

/// Output format of every reporting command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people (and awk).
    #[default]
    Text,
    /// One pretty-printed JSON document; field names and order are stable.
    Json,
}

impl Format {
    /// `json(value)` for JSON, else the text that `text` renders.
    pub fn render<T: Serialize>(self, value: &T, text: impl FnOnce() -> String) -> String {
        match self {
            Format::Json => json(value),
            Format::Text => text(),
        }
    }
}

/// An aligned, borderless table (in the style of `kubectl get`), each line
/// ending without trailing spaces. An empty `headers` gives a table without
/// a header line (for key/value records).
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut b = Builder::default();
    if !headers.is_empty() {
        b.push_record(headers.iter().map(|h| h.to_string()));
    }
    for r in rows {
        b.push_record(r);
    }
    let mut t = b.build();
    t.with(Style::blank());
    let mut out = String::new();
    for line in t.to_string().lines() {
        // The blank style pads the first column with one space; drop it and
        // the padding at line ends so the output is easy to diff and cut.
        let line = line.strip_prefix(' ').unwrap_or(line).trim_end();
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Appends one `<label>: <item>` line per item, e.g. the notes under a report.
pub fn push_labelled(out: &mut String, label: &str, items: &[String]) {
    for item in items {
        out.push_str(label);
        out.push_str(": ");
        out.push_str(item);
        out.push('\n');
    }
}

/// Pretty JSON followed by a newline.
pub fn json<T: Serialize>(value: &T) -> String {
    // Serialising plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(value).expect("report serialises to JSON");
    s.push('\n');
    s
}

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
}

/// A Nagios plugin state. Ordered by how much it matters when states are
/// combined: OK < WARNING < UNKNOWN < CRITICAL (a CRITICAL finding is not
/// hidden by an input that could not be read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// All is well.
    Ok,
    /// Act soon.
    Warning,
    /// The check could not decide (bad input, or any error).
    Unknown,
    /// Broken now, or about to be.
    Critical,
}

impl State {
    /// The plugin exit status: 0, 1, 2 or 3.
    pub fn exit_code(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Critical => 2,
            State::Unknown => 3,
        }
    }

    /// `OK`, `WARNING`, `UNKNOWN` or `CRITICAL`.
    pub fn name(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Unknown => "UNKNOWN",
            State::Critical => "CRITICAL",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a successful run prints, and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Everything for stdout.
    pub stdout: String,
    /// The exit status.
    pub code: u8,
}

impl Outcome {
    /// Exit status 0 with this output.
    pub fn ok(stdout: String) -> Self {
        Outcome { stdout, code: 0 }
    }
}

/// The first word of `args` (after the program name) that is not an option,
/// skipping the value of each option named in `with_value`: the
/// subcommand, even when the line does not parse. A usage error of a Nagios
/// check must still exit 3, so the scheme is chosen before clap succeeds.
pub fn subcommand_of<'a>(args: &'a [OsString], with_value: &[&str]) -> Option<&'a str> {
    let mut it = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if with_value.contains(&a) {
            it.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// The whole of a tool's `main_entry`: choose the scheme from the raw
/// arguments (so a usage error gets the right code), parse, run, print, and
/// map an error to its status with `code_of`.
pub fn main_entry<C, E>(
    tool: &str,
    args: Vec<OsString>,
    scheme_of_args: fn(&[OsString]) -> Scheme,
    scheme_of: fn(&C) -> Scheme,
    run: fn(&C) -> Result<Outcome, E>,
    code_of: fn(&E, Scheme) -> u8,
) -> ExitCode
where
    C: clap::Parser,
    E: std::fmt::Display,
{
    let cli: C = match parse(tool, &args, scheme_of_args(&args)) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let scheme = scheme_of(&cli);
    finish(tool, run(&cli), |e| code_of(e, scheme), scheme.error_code())
}

/// Parses the command line. On failure prints help or version to stdout, or
/// the folded error to stderr, and returns the exit status to end with.
pub fn parse<C: clap::Parser>(
    tool: &str,
    args: &[OsString],
    scheme: Scheme,
) -> Result<C, ExitCode> {
    use clap::error::ErrorKind;
    C::try_parse_from(args).map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write_stdout(&e.render().to_string());
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", e.render());
            ExitCode::from(scheme.usage_code())
        }
        _ => {
            eprintln!("{tool}: error: {}", one_line(&e));
            ExitCode::from(scheme.usage_code())
        }
    })
}

/// Prints a run's output, or its error as `<tool>: error: ...`, and returns
/// the exit status. `code_of` maps the tool's error to a status.
pub fn finish<E: std::fmt::Display>(
    tool: &str,
    result: Result<Outcome, E>,
    code_of: impl Fn(&E) -> u8,
    write_failed_code: u8,
) -> ExitCode {
    match result {
        Ok(out) => match write_stdout(&out.stdout) {
            Ok(()) => ExitCode::from(out.code),
            Err(e) => {
                eprintln!("{tool}: error: cannot write output: {e}");
                ExitCode::from(write_failed_code)
            }
        },
        Err(e) => {
            eprintln!("{tool}: error: {e}");
            ExitCode::from(code_of(&e))
        }
    }
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
        if !line.is_empty() {
            parts.push(line.strip_prefix("error: ").unwrap_or(line));
        }
    }
    format!("{}; see --help", parts.join(" "))
}

/// Writes `text` to stdout. A closed pipe is not an error.
pub fn write_stdout(text: &str) -> Result<(), std::io::Error> {
    stream_stdout(|w| w.write_all(text.as_bytes()))
}

/// Lets `write` write to a buffered stdout piece by piece (output too
/// large to hold whole), then flushes. A closed pipe (`tool | head`) is not
/// an error.
pub fn stream_stdout(
    write: impl FnOnce(&mut dyn Write) -> Result<(), std::io::Error>,
) -> Result<(), std::io::Error> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// How an input is named in messages: `stdin` for `-`, else the path.
pub fn display_name(path: &str) -> String {
    if path == "-" {
        "stdin".to_owned()
    } else {
        path.to_owned()
    }
}

/// The inputs to read: the given paths, or stdin (`-`) when none are given.
/// Naming stdin twice is a usage error (it can be read only once).
pub fn inputs_or_stdin(paths: &[String]) -> Result<Vec<String>, String> {
    if paths.iter().filter(|p| *p == "-").count() > 1 {
        return Err("stdin (-) can be read only once".into());
    }
    Ok(if paths.is_empty() {
        vec!["-".to_owned()]
    } else {
        paths.to_vec()
    })
}

/// Reads a whole file, or stdin for `-`, as bytes.
pub fn read_input(path: &str) -> Result<Vec<u8>, std::io::Error> {
    let mut data = Vec::new();
    if path == "-" {
        std::io::stdin().lock().read_to_end(&mut data)?;
    } else {
        std::fs::File::open(path)?.read_to_end(&mut data)?;
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_without_trailing_space() {
        let t = table(
            &["A", "LONGER"],
            vec![vec!["1".into(), "x".into()], vec!["100".into(), "".into()]],
        );
        assert_eq!(t, "A     LONGER\n1     x\n100\n");
        assert_eq!(table(&[], vec![vec!["k".into(), "v".into()]]), "k   v\n");
    }

    #[test]
    fn the_subcommand_is_found_past_options_and_their_values() {
        let a = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        let args = a(&["t", "--format", "json", "status", "--bogus"]);
        assert_eq!(subcommand_of(&args, &["--format"]), Some("status"));
        assert_eq!(subcommand_of(&a(&["t", "--format"]), &["--format"]), None);
        assert_eq!(subcommand_of(&a(&["t"]), &[]), None);
    }

    #[test]
    fn states_combine_critical_over_unknown_over_warning() {
        let mut v = vec![State::Warning, State::Critical, State::Unknown, State::Ok];
        v.sort();
        assert_eq!(
            v,
            [State::Ok, State::Warning, State::Unknown, State::Critical]
        );
        let codes: Vec<u8> = v.iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes, [0, 1, 3, 2]);
    }

    #[test]
    fn stdin_is_the_default_input_and_read_once() {
        assert_eq!(inputs_or_stdin(&[]).unwrap(), ["-"]);
        let two = ["a".to_owned(), "-".to_owned()];
        assert_eq!(inputs_or_stdin(&two).unwrap(), two);
        assert!(inputs_or_stdin(&["-".to_owned(), "-".to_owned()]).is_err());
    }

    #[test]
    fn error_codes_follow_the_scheme() {
        assert_eq!(
            [Scheme::Report, Scheme::StateCheck, Scheme::Monitoring]
                .map(|s| (s.usage_code(), s.error_code())),
            [(2, 1), (2, 2), (3, 3)]
        );
    }
}
