//! A reader for keepalived.conf: enough of its grammar to lint what
//! `keepalived -t` cannot, with the line of every keyword.
//!
//! The file is words and braces. `#` and `!` start comments; a double-quoted
//! string is one word; `{` opens the block of the keyword before it. Lines
//! are kept so that every finding can say where it is. `include` is not
//! followed: lint the included files too.

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
    /// The first item of the block named `key`.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.block.iter().find(|i| i.key == key)
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

fn tokens(text: &str) -> Result<Vec<(Token, usize)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
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
                            None => return Err(format!("line {n}: a quoted string is not closed")),
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

/// Parses a whole file into its top-level items. `Err` names the line.
pub fn parse(text: &str) -> Result<Vec<Item>, String> {
    let toks = tokens(text)?;
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
                        _ => return Err(format!("line {line}: '{{' without a keyword before it")),
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
                    return Err(format!("line {line}: '}}' closes no block"));
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
        return Err(format!("line {line}: '{{' is never closed"));
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
        let items = parse(text).unwrap();
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
    fn unbalanced_braces_name_their_line() {
        assert!(parse("a {\n b\n").unwrap_err().contains("line 1"));
        assert!(parse("a\n}\n").unwrap_err().contains("line 2"));
        assert!(parse("a \"b\n").unwrap_err().contains("line 1"));
    }
}
