//! `cargo xtask man`: write `man/<tool>.1` for every tool,
//! `man/cluster.yaml.5` for the cluster file, and `completions/` (bash, zsh,
//! fish) for every tool, where they changed.
//! (`tests/man.rs` is the check: it fails while a committed page is stale.)
//!
//! `cargo xtask lab up|drill NAME|all|report|down`: build the tools (release) and
//! run the lab (lab/), as root.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("lab") {
        return lab(&args[1..]);
    }
    if args != ["man"] {
        eprintln!("usage: cargo xtask man | cargo xtask lab up|drill NAME|all|report|down");
        return ExitCode::from(2);
    }
    for (path, rendered) in xtask::generated() {
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

/// Builds every tool in release mode and runs the lab with them.
fn lab(args: &[String]) -> ExitCode {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let built = std::process::Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "--release", "--quiet", "--locked", "--bins"])
        .status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("xtask: error: cargo build --release failed");
        return ExitCode::FAILURE;
    }
    let status = std::process::Command::new(root.join("target/release/lab"))
        .current_dir(&root)
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: error: cannot run the lab: {e}");
            ExitCode::FAILURE
        }
    }
}
