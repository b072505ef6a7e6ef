//! Reading inputs: a path, or `-` for stdin.

use crate::error::Error;
pub use clikit::display_name;

/// Reads a whole file, or stdin for `-`, as UTF-8.
pub fn read_to_string(path: &str) -> Result<String, Error> {
    let bytes = clikit::read_input(path).map_err(|source| Error::Read {
        path: display_name(path),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| Error::input(display_name(path), "not UTF-8 text"))
}
