//! clikit: the conventions every tool of the workspace shares, written once.
//!
//! - [`Format`]: `--format text|json`; [`table`] and [`json`] render them.
//!   [`CheckFormat`] adds `prometheus` for tools with monitoring checks.
//! - [`entry`]: a [`Tool`] names, in one table, which exit-status contract
//!   ([`Scheme`]) each command keeps; [`main_entry`] parses, runs and prints
//!   the [`Outcome`] with its warnings, or the error (a [`Failure`]) with
//!   the status its scheme gives. Help and version go to stdout with
//!   status 0; a closed stdout (`tool | head`) is not an error.
//! - [`monitor`]: the Nagios [`State`], the status line with its
//!   performance data ([`Status`], [`Perf`]), and Prometheus text.
//! - [`read_input`]: a path, or `-` for stdin.
//! - [`parse_duration`]: `90m`, `26h`, `365d`, `10y`, as operators type
//!   lifetimes and ages.
//! - [`files`]: writing a set of files all or nothing, untouched when
//!   unchanged.
//! - [`yaml`]: the depth and alias bounds every YAML text is checked
//!   against, in linear time, before it is parsed.
//!
//! It holds no tool logic; each tool keeps its own error type and says
//! through [`Failure`] whether an error is a usage error.

#![forbid(unsafe_code)]

pub mod duration;
pub mod entry;
pub mod files;
pub mod monitor;
mod word;
pub mod yaml;

pub use word::word;

pub use duration::parse_duration;
pub use entry::{Contract, Failure, Outcome, Scheme, Tool, main_entry, subcommand_of};
pub use monitor::{Perf, Range, State, Status};

use serde::Serialize;
use std::io::{Read, Write};

/// What every tool's `--version` prints after its name: the package
/// version, and `(git COMMIT)` when built from a checkout.
pub const VERSION: &str = env!("CLIKIT_VERSION");

/// `n` days, as people write it: `1 day`, `0 days`, `30 days`.
pub fn days(n: i64) -> String {
    if n == 1 || n == -1 {
        format!("{n} day")
    } else {
        format!("{n} days")
    }
}

/// The package version alone (man pages carry this, so they do not change
/// with every commit).
pub const PACKAGE_VERSION: &str = env!("CARGO_PKG_VERSION");
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

/// Output format of a tool with monitoring checks: the reports' two, and
/// Prometheus text for the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CheckFormat {
    /// Aligned columns for people; the Nagios plugin output for a check.
    #[default]
    Text,
    /// One pretty-printed JSON document; field names and order are stable.
    Json,
    /// Prometheus text for node_exporter's textfile collector (checks only).
    Prometheus,
}

impl CheckFormat {
    /// The format of a report (not a check): Prometheus is a usage error.
    pub fn report(self) -> Result<Format, String> {
        match self {
            CheckFormat::Text => Ok(Format::Text),
            CheckFormat::Json => Ok(Format::Json),
            CheckFormat::Prometheus => {
                Err("--format prometheus is for the monitoring checks; use text or json".into())
            }
        }
    }

    /// A check's output: the status line and `long` (the plugin's long
    /// output) as text, `json` as JSON, or the status as Prometheus text.
    pub fn check<T: Serialize>(
        self,
        status: &Status,
        json: &T,
        long: impl FnOnce() -> String,
    ) -> String {
        match self {
            CheckFormat::Text => status.line() + &long(),
            CheckFormat::Json => crate::json(json),
            CheckFormat::Prometheus => status.prometheus(),
        }
    }
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
/// a header line (for key/value records). Columns are three spaces apart.
///
/// Printable ASCII (nearly every report: names, addresses, numbers) is
/// aligned by byte count in one pass, so 100,000 rows cost milliseconds;
/// anything else (wide characters, a line break inside a cell) is laid out
/// by `tabled`, which knows display widths and multi-line cells.
pub fn table<S: AsRef<str>>(headers: &[&str], rows: Vec<Vec<S>>) -> String {
    let printable = |c: &str| c.bytes().all(|b| (b' '..=b'~').contains(&b));
    let simple = headers.iter().all(|h| printable(h))
        && rows.iter().flatten().all(|c| printable(c.as_ref()));
    if simple {
        ascii_table(headers, &rows)
    } else {
        tabled_table(headers, rows)
    }
}

/// What [`table`] prints for printable-ASCII cells.
fn ascii_table<S: AsRef<str>>(headers: &[&str], rows: &[Vec<S>]) -> String {
    let mut width: Vec<usize> = Vec::new();
    let mut widen = |cells: &mut dyn Iterator<Item = &str>| {
        for (i, cell) in cells.enumerate() {
            if width.len() == i {
                width.push(0);
            }
            width[i] = width[i].max(cell.len());
        }
    };
    widen(&mut headers.iter().copied());
    for r in rows {
        widen(&mut r.iter().map(AsRef::as_ref));
    }
    if width.is_empty() {
        return String::new();
    }
    let spaces = " ".repeat(width.iter().copied().max().unwrap_or(0) + 3);
    let longest = width.iter().sum::<usize>() + 3 * width.len();
    let mut out = String::with_capacity((rows.len() + 1) * longest);
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let start = out.len();
        let mut cells = cells.chain(std::iter::repeat(""));
        for (i, w) in width.iter().enumerate() {
            let cell = cells.next().unwrap_or("");
            // Three spaces between columns, each cell padded to its
            // column's width.
            out.push_str(&spaces[..if i > 0 { 3 } else { 0 }]);
            out.push_str(cell);
            out.push_str(&spaces[..w - cell.len()]);
        }
        out.truncate(start + out[start..].trim_end().len());
        out.push('\n');
    };
    if !headers.is_empty() {
        line(&mut headers.iter().copied());
    }
    for r in rows {
        line(&mut r.iter().map(AsRef::as_ref));
    }
    out
}

/// What [`table`] prints for any other cells.
fn tabled_table<S: AsRef<str>>(headers: &[&str], rows: Vec<Vec<S>>) -> String {
    let mut b = Builder::default();
    if !headers.is_empty() {
        b.push_record(headers.iter().map(|h| h.to_string()));
    }
    for r in rows {
        b.push_record(r.iter().map(|c| c.as_ref().to_owned()));
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

/// The largest input a tool reads: far above any certificate bundle,
/// etcdctl output or configuration, far below what would strain a host.
pub const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Reads a whole file, or stdin for `-`, as bytes: at most [`MAX_INPUT`],
/// so a wrong path such as `/dev/zero` is an error, not an exhausted
/// memory. Only regular files are read by name: a device, FIFO or socket
/// could block or never end (stdin, `/dev/stdin` and `/dev/fd/N`, which a
/// shell's `<(...)` gives, are read as streams, with the same bound).
pub fn read_input(path: &str) -> Result<Vec<u8>, std::io::Error> {
    let mut data = Vec::new();
    let limit = MAX_INPUT + 1;
    if path == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut data)?;
    } else {
        let stream = path == "/dev/stdin"
            || path.starts_with("/dev/fd/")
            || path.starts_with("/proc/self/fd/");
        if !stream {
            regular_file(&std::fs::metadata(path)?)?;
        }
        let f = if stream {
            std::fs::File::open(path)?
        } else {
            open_nonblocking(path)?
        };
        if !stream {
            regular_file(&f.metadata()?)?;
        }
        f.take(limit).read_to_end(&mut data)?;
    }
    if data.len() as u64 > MAX_INPUT {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB; is it the right file?",
                MAX_INPUT / 1024 / 1024
            ),
        ));
    }
    Ok(data)
}

/// Refuses what is not a regular file, saying what it is.
fn regular_file(m: &std::fs::Metadata) -> Result<(), std::io::Error> {
    match special_kind(m) {
        None => Ok(()),
        Some(what) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{what}, not a regular file; give a file, or - for stdin"),
        )),
    }
}

/// What a file that is not a regular one is (`a directory`, `a FIFO`, `a
/// device`, ...), or `None` for a regular file.
pub fn special_kind(m: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    Some(if t.is_file() {
        return None;
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    })
}

/// Opens `path` for reading without blocking: a FIFO put in place after a
/// look at the path does not hang the open (the caller refuses it once
/// the handle's metadata says what it is).
pub fn open_nonblocking(path: impl AsRef<std::path::Path>) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// [`read_input`] as UTF-8 text.
pub fn read_text(path: &str) -> Result<String, std::io::Error> {
    String::from_utf8(read_input(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_without_trailing_space() {
        let t = table(&["A", "LONGER"], vec![vec!["1", "x"], vec!["100", ""]]);
        assert_eq!(t, "A     LONGER\n1     x\n100\n");
        assert_eq!(table(&[], vec![vec!["k", "v"]]), "k   v\n");
    }

    #[test]
    fn reading_is_bounded_and_only_regular_files_by_name() {
        let e = read_input("/dev/zero").unwrap_err();
        assert!(
            e.to_string().starts_with("a device, not a regular file"),
            "{e}"
        );
        assert!(
            read_input("/")
                .unwrap_err()
                .to_string()
                .starts_with("a directory")
        );
        assert_eq!(
            read_input("/nonexistent").unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
        let t = std::env::temp_dir().join(format!("clikit-big-{}", std::process::id()));
        let f = std::fs::File::create(&t).unwrap();
        f.set_len(MAX_INPUT + 1).unwrap();
        let e = read_input(t.to_str().unwrap()).unwrap_err();
        std::fs::remove_file(&t).unwrap();
        assert!(e.to_string().starts_with("larger than 64 MiB"), "{e}");
    }

    /// Tables of printable ASCII laid out by the fast path and by tabled
    /// are the same text: ragged rows, empty cells, spaces inside cells and
    /// at their ends, tables with and without headers, 0 to 5 columns.
    #[test]
    fn the_ascii_layout_is_tabled_s_layout() {
        let seed = std::cell::Cell::new(0x2545_f491_4f6c_dd1d_u64);
        let next = |n: usize| {
            let mut x = seed.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seed.set(x);
            (x % n as u64) as usize
        };
        const ALPHABET: &[u8] = b" -./:aZz09~";
        for _ in 0..400 {
            let columns = next(6);
            let cell = || -> String {
                (0..next(7))
                    .map(|_| ALPHABET[next(ALPHABET.len())] as char)
                    .collect()
            };
            let headers: Vec<String> = (0..columns * next(2)).map(|_| cell()).collect();
            let rows: Vec<Vec<String>> = (0..next(5))
                .map(|_| {
                    (0..columns.saturating_sub(next(2)))
                        .map(|_| cell())
                        .collect()
                })
                .collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            assert_eq!(
                ascii_table(&headers, &rows),
                tabled_table(&headers, rows.clone()),
                "{headers:?} {rows:?}"
            );
        }
    }

    #[test]
    fn other_text_is_laid_out_by_display_width() {
        let t = table(&["A", "B"], vec![vec!["日本", "x"], vec!["ab", "y"]]);
        assert_eq!(t, "A      B\n日本   x\nab     y\n");
    }

    #[test]
    fn a_variant_is_printed_as_serde_names_it() {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "kebab-case")]
        enum E {
            FrontProxyCa,
        }
        assert_eq!(word(&E::FrontProxyCa), "front-proxy-ca");
    }

    #[test]
    fn stdin_is_the_default_input_and_read_once() {
        assert_eq!(inputs_or_stdin(&[]).unwrap(), ["-"]);
        let two = ["a".to_owned(), "-".to_owned()];
        assert_eq!(inputs_or_stdin(&two).unwrap(), two);
        assert!(inputs_or_stdin(&["-".to_owned(), "-".to_owned()]).is_err());
    }
}
