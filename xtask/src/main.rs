//! `cargo xtask man [--check]`: write (or compare) `man/<tool>.1` for every tool.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["man"] => false,
        ["man", "--check"] => true,
        _ => {
            eprintln!("usage: cargo xtask man [--check]");
            return ExitCode::from(2);
        }
    };
    let dir = xtask::man_dir();
    let mut stale = false;
    for page in xtask::pages() {
        let path = dir.join(format!("{}.1", page.name));
        let rendered = xtask::render(&page);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == rendered {
            continue;
        }
        if check {
            eprintln!(
                "xtask: {} is out of date; run `cargo xtask man`",
                path.display()
            );
            stale = true;
        } else if let Err(e) = std::fs::write(&path, rendered) {
            eprintln!("xtask: error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", path.display());
        }
    }
    if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
