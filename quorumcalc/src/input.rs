//! Reading inputs: a path, or `-` for stdin.

use crate::error::Error;
use std::io::Read;

/// How an input is named in messages: `stdin` for `-`, else the path.
pub fn display_name(path: &str) -> String {
    if path == "-" {
        "stdin".to_owned()
    } else {
        path.to_owned()
    }
}

/// Reads a whole file, or stdin for `-`, as UTF-8.
pub fn read_to_string(path: &str) -> Result<String, Error> {
    let mut text = String::new();
    let result = if path == "-" {
        std::io::stdin().lock().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    result.map_err(|source| Error::Read {
        path: display_name(path),
        source,
    })?;
    Ok(text)
}
