//! A reader for keepalived.conf: enough of its grammar to lint what
//! `keepalived -t` cannot, with the line of every keyword.
//!
//! The file is words and braces. `#` and `!` start comments; a double-quoted
//! string is one word; `{` opens the block of the keyword before it. Lines
//! are kept so that every finding can say where it is. `include` is not
//! followed: lint the included files too.
//!
//! Before that, the text is cut into lines as keepalived 2.2 reads them
//! (measured with `keepalived -d` on Debian 12's 2.2.7):
//! - a line is read 1,023 bytes at a time, and what lies past that is a
//!   line of its own: a long comment followed by `priority 10` is a
//!   comment to the eye and `priority 10` to keepalived;
//! - `$NAME=VALUE` defines a parameter, and a later `$NAME` (followed by
//!   whitespace or the end of the line) or `${NAME}` is replaced by its
//!   value, recursively; an undefined one stays as written;
//! - multi-line definitions (`$NAME= \`) and conditional lines (`@id ...`)
//!   are not expanded: they are reported ([`Unread`]) and left out.

/// keepalived's line buffer holds 1,023 bytes and a terminating NUL.
pub const LINE_BYTES: usize = 1023;

/// How many rounds of parameter replacement a line gets, and the longest
/// line they may make: bounds on a definition that names itself.
const MAX_ROUNDS: usize = 32;
const MAX_EXPANDED: usize = 64 * 1024;

/// A stretch of the file that is not read as keepalived reads it, or not
/// read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// A line longer than keepalived's buffer: what keepalived reads as a
    /// line of its own after the first 1,023 bytes.
    LongLine {
        /// The line in the file.
        line: usize,
        /// Its bytes from 1,024 on (the words keepalived reads there).
        rest: String,
    },
    /// A construct lint does not expand (a multi-line parameter, a
    /// conditional line): what it is.
    NotExpanded {
        /// Its first line.
        line: usize,
        /// What it is.
        what: String,
    },
}

/// A parsed file: its top-level items, and what was not read as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The top-level items.
    pub items: Vec<Item>,
    /// Long lines and constructs left out, in file order.
    pub unread: Vec<Unread>,
}

/// One keyword with its arguments and, if it has one, its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The keyword (`vrrp_instance`, `priority`, ...).
    pub key: String,
    /// The words after it on its line.
    pub args: Vec<String>,
    /// Its line, counting from 1.
    pub line: usize,
    /// The items of its `{ ... }` block.
    pub block: Vec<Item>,
    /// Whether it had a block at all.
    pub has_block: bool,
}

impl Item {
    /// The item of the block named `key`; the last when it is given more
    /// than once, as keepalived keeps the last value of a keyword.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.block.iter().rev().find(|i| i.key == key)
    }

    /// Every item of the block named `key`.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.block.iter().filter(move |i| i.key == key)
    }

    /// The first argument, if any.
    pub fn arg(&self) -> Option<&str> {
        self.args.first().map(String::as_str)
    }

    /// The words inside the block, each with its line: for blocks that are
    /// lists (`virtual_ipaddress`, `unicast_peer`, `track_script`).
    pub fn words(&self) -> Vec<(&str, usize)> {
        self.block
            .iter()
            .map(|i| (i.key.as_str(), i.line))
            .collect()
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Open,
    Close,
    Newline,
}

/// The lines of `text` as keepalived reads them, each with its line in
/// the file, parameters replaced; and what was not read as written.
fn logical_lines(text: &str) -> (Vec<(usize, String)>, Vec<Unread>) {
    let mut out = Vec::new();
    let mut unread = Vec::new();
    let mut params: Vec<(String, String)> = Vec::new();
    let mut continued = false;
    for (n, physical) in text.split('\n').enumerate() {
        let n = n + 1;
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        for (k, chunk) in chunks(physical).into_iter().enumerate() {
            if k > 0 && !chunk.trim().is_empty() {
                unread.push(Unread::LongLine {
                    line: n,
                    rest: chunk.trim().chars().take(80).collect(),
                });
            }
            // A multi-line definition runs until a line without a final `\`.
            if continued {
                continued = chunk.trim_end().ends_with('\\');
                continue;
            }
            let trimmed = chunk.trim_start();
            if trimmed.starts_with('@') {
                unread.push(Unread::NotExpanded {
                    line: n,
                    what: "a conditional line (@id): which config id it is for is not known here"
                        .into(),
                });
                continue;
            }
            if let Some((name, value)) = definition(trimmed) {
                if value.trim_end().ends_with('\\') {
                    unread.push(Unread::NotExpanded {
                        line: n,
                        what: format!("the multi-line parameter ${name}"),
                    });
                    continued = true;
                }
                params.retain(|(p, _)| *p != name);
                params.push((name, value));
                continue;
            }
            out.push((n, expand(chunk, &params)));
        }
    }
    (out, unread)
}

/// A physical line cut where keepalived's buffer cuts it. A cut inside a
/// UTF-8 character keeps the character whole in the earlier piece.
fn chunks(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while rest.len() > LINE_BYTES {
        let mut cut = LINE_BYTES;
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

/// `$NAME=VALUE` (no space before `=`; only whitespace before `$`).
fn definition(line: &str) -> Option<(String, String)> {
    let body = line.strip_prefix('$')?;
    let (name, value) = body.split_once('=')?;
    let first = name.chars().next()?;
    let valid =
        !first.is_ascii_digit() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| (name.to_owned(), value.trim_end().to_owned()))
}

/// `line` with each defined `$NAME` (followed by whitespace or the end)
/// and `${NAME}` replaced, recursively, within bounds.
fn expand(line: &str, params: &[(String, String)]) -> String {
    let mut current = line.to_owned();
    for _ in 0..MAX_ROUNDS {
        if !current.contains('$') {
            break;
        }
        let next = replace_once(&current, params);
        if next == current || next.len() > MAX_EXPANDED {
            break;
        }
        current = next;
    }
    current
}

fn replace_once(line: &str, params: &[(String, String)]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let found = params.iter().find_map(|(name, value)| {
            if let Some(r) = after
                .strip_prefix('{')
                .and_then(|a| a.strip_prefix(name.as_str()))
            {
                return r.strip_prefix('}').map(|r| (value, r));
            }
            let r = after.strip_prefix(name.as_str())?;
            (r.is_empty() || r.starts_with(char::is_whitespace)).then_some((value, r))
        });
        match found {
            Some((value, r)) => {
                out.push_str(value);
                rest = r;
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Why keepalived would refuse a file's syntax, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct SyntaxError {
    /// The line (1-based).
    pub line: usize,
    /// What is wrong there.
    pub what: Syntax,
}

/// What is wrong with a file's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Syntax {
    /// A `"` with no `"` after it on the line.
    #[error("a quoted string is not closed")]
    UnclosedQuote,
    /// A `{` with no keyword before it.
    #[error("'{{' without a keyword before it")]
    OpenWithoutKeyword,
    /// A `}` at the top level.
    #[error("'}}' closes no block")]
    CloseWithoutOpen,
    /// A `{` whose block never ends.
    #[error("'{{' is never closed")]
    NeverClosed,
}

fn syntax(line: usize, what: Syntax) -> SyntaxError {
    SyntaxError { line, what }
}

fn tokens(lines: &[(usize, String)]) -> Result<Vec<(Token, usize)>, SyntaxError> {
    let mut out = Vec::new();
    for (n, line) in lines {
        let n = *n;
        let mut chars = line.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                '#' | '!' => break,
                c if c.is_whitespace() => {
                    chars.next();
                }
                '{' => {
                    chars.next();
                    out.push((Token::Open, n));
                }
                '}' => {
                    chars.next();
                    out.push((Token::Close, n));
                }
                '"' => {
                    chars.next();
                    let mut w = String::new();
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some(c) => w.push(c),
                            None => return Err(syntax(n, Syntax::UnclosedQuote)),
                        }
                    }
                    out.push((Token::Word(w), n));
                }
                _ => {
                    let mut w = String::new();
                    while let Some(&c) = chars.peek() {
                        if c.is_whitespace() || c == '{' || c == '}' || c == '#' || c == '!' {
                            break;
                        }
                        w.push(c);
                        chars.next();
                    }
                    out.push((Token::Word(w), n));
                }
            }
        }
        out.push((Token::Newline, n));
    }
    Ok(out)
}

/// Parses a whole file into its top-level items, as keepalived reads it.
/// `Err` names the line.
pub fn parse(text: &str) -> Result<Parsed, SyntaxError> {
    let (lines, unread) = logical_lines(text);
    let items = items(tokens(&lines)?)?;
    Ok(Parsed { items, unread })
}

fn items(toks: Vec<(Token, usize)>) -> Result<Vec<Item>, SyntaxError> {
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    // The item being read on the current line, if any.
    let mut current: Option<Item> = None;
    let mut open_lines: Vec<usize> = Vec::new();
    for (tok, line) in toks {
        match tok {
            Token::Word(w) => match &mut current {
                Some(item) => item.args.push(w),
                None => {
                    current = Some(Item {
                        key: w,
                        args: Vec::new(),
                        line,
                        block: Vec::new(),
                        has_block: false,
                    })
                }
            },
            Token::Newline => {
                if let Some(item) = current.take() {
                    stack.last_mut().expect("a level").push(item);
                }
            }
            Token::Open => {
                // `{` alone on a line belongs to the keyword before it.
                let item = match current.take() {
                    Some(i) => i,
                    None => match stack.last_mut().and_then(Vec::pop) {
                        Some(i) if !i.has_block => i,
                        _ => return Err(syntax(line, Syntax::OpenWithoutKeyword)),
                    },
                };
                let mut item = item;
                item.has_block = true;
                stack.last_mut().expect("a level").push(item);
                stack.push(Vec::new());
                open_lines.push(line);
            }
            Token::Close => {
                if let Some(item) = current.take() {
                    stack.last_mut().expect("a level").push(item);
                }
                if stack.len() == 1 {
                    return Err(syntax(line, Syntax::CloseWithoutOpen));
                }
                let block = stack.pop().expect("an open block");
                open_lines.pop();
                let parent = stack
                    .last_mut()
                    .and_then(|l| l.last_mut())
                    .expect("the keyword that opened the block");
                parent.block = block;
            }
        }
    }
    if let Some(line) = open_lines.last() {
        return Err(syntax(*line, Syntax::NeverClosed));
    }
    Ok(stack.pop().expect("the top level"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_lists_comments_and_quotes() {
        let text = "\
! comment
global_defs {
    router_id deadlock   # trailing comment
}
vrrp_script chk { script \"/usr/bin/vipcheck track --url x\"
  interval 2 }
vrrp_instance VI_1
{
    state MASTER
    virtual_ipaddress {
        192.0.2.100/24 dev eth0
    }
}
";
        let items = parse(text).unwrap().items;
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].get("router_id").unwrap().arg(), Some("deadlock"));
        let s = &items[1];
        assert_eq!(s.args, ["chk"]);
        assert_eq!(
            s.get("script").unwrap().arg(),
            Some("/usr/bin/vipcheck track --url x")
        );
        assert_eq!(s.get("interval").unwrap().line, 6);
        let i = &items[2];
        assert_eq!((i.key.as_str(), i.line), ("vrrp_instance", 7));
        let vips = i.get("virtual_ipaddress").unwrap();
        assert_eq!(vips.words(), [("192.0.2.100/24", 11)]);
        assert_eq!(vips.block[0].args, ["dev", "eth0"]);
    }

    #[test]
    fn a_line_past_keepalived_buffer_is_read_as_two() {
        let head = format!("    # a long comment {}", "x".repeat(2000));
        let head = &head[..LINE_BYTES];
        let text = format!("a {{\n    priority 150\n{head}priority 10\n}}\n");
        let p = parse(&text).unwrap();
        let prios: Vec<(&str, usize)> = p.items[0]
            .all("priority")
            .map(|i| (i.args[0].as_str(), i.line))
            .collect();
        assert_eq!(prios, [("150", 2), ("10", 3)]);
        assert_eq!(p.items[0].get("priority").unwrap().args, ["10"]);
        assert_eq!(
            p.unread,
            [Unread::LongLine {
                line: 3,
                rest: "priority 10".into()
            }]
        );
        // Blank bytes past the buffer are nothing.
        let blank = format!("a {{\n    b{}\n}}\n", " ".repeat(2000));
        assert!(parse(&blank).unwrap().unread.is_empty());
        // A cut inside a UTF-8 character keeps it whole.
        let wide = format!("# {}\n", "é".repeat(1000));
        assert_eq!(chunks(wide.trim_end()).len(), 2);
    }

    #[test]
    fn parameters_are_replaced_and_what_is_not_expanded_is_said() {
        let text = "\
$PRIO=150
$BASE=192.0.2.${LAST}
$LAST=100
a {
    priority $PRIO
    vip ${BASE}/24
    keep $UNDEFINED ${PRIO}x $PRIOx
}
$INST= \\
  b { \\
  }
@main priority 240
";
        let p = parse(text).unwrap();
        let a = &p.items[0];
        assert_eq!(a.get("priority").unwrap().args, ["150"]);
        assert_eq!(a.get("vip").unwrap().args, ["192.0.2.100/24"]);
        assert_eq!(
            a.get("keep").unwrap().args,
            ["$UNDEFINED", "150x", "$PRIOx"]
        );
        assert_eq!(p.items.len(), 1, "{:?}", p.items);
        let lines: Vec<usize> = p
            .unread
            .iter()
            .map(|u| match u {
                Unread::NotExpanded { line, .. } | Unread::LongLine { line, .. } => *line,
            })
            .collect();
        assert_eq!(lines, [9, 12]);
        // A definition that names itself stops within the bounds.
        let p = parse("$A=$A $A\nx $A\n").unwrap();
        assert!(p.items[0].args.len() < 100_000);
    }

    #[test]
    fn unbalanced_braces_name_their_line() {
        assert_eq!(
            parse("a {\n b\n").unwrap_err(),
            syntax(1, Syntax::NeverClosed)
        );
        assert_eq!(
            parse("a\n}\n").unwrap_err(),
            syntax(2, Syntax::CloseWithoutOpen)
        );
        assert_eq!(
            parse("a \"b\n").unwrap_err(),
            syntax(1, Syntax::UnclosedQuote)
        );
        assert_eq!(
            parse("a\n\n{\n").unwrap_err().to_string(),
            "line 3: '{' is never closed"
        );
    }
}
