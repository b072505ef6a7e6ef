//! `cargo xtask man`: write `man/<tool>.1` for every tool, and
//! `man/cluster.yaml.5` for the cluster file, whose page changed.
//! (`tests/man.rs` is the check: it fails while a committed page is stale.)

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args != ["man"] {
        eprintln!("usage: cargo xtask man");
        return ExitCode::from(2);
    }
    for (path, rendered) in xtask::all_pages() {
        if std::fs::read_to_string(&path).is_ok_and(|current| current == rendered) {
            continue;
        }
        if let Err(e) = std::fs::write(&path, rendered) {
            eprintln!("xtask: error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
