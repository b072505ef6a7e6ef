//! The version every tool prints (`--version`): the package version, and
//! the git commit when built from a checkout of this workspace (a build
//! from a release tarball, or from inside some other repository, has none).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets it");
    let workspace =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("..");
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&workspace)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let ours =
        git(&["rev-parse", "--show-toplevel"]).is_some_and(|top| same(Path::new(&top), &workspace));
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).filter(|c| ours && !c.is_empty());
    match commit {
        Some(c) => println!("cargo:rustc-env=CLIKIT_VERSION={version} (git {c})"),
        None => println!("cargo:rustc-env=CLIKIT_VERSION={version}"),
    }
    // Built again when HEAD moves (only files that exist: a missing one
    // would rebuild every time).
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]).filter(|_| ours) {
        let mut watch = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
        watch.extend(git(&["symbolic-ref", "-q", "HEAD"]));
        for f in watch {
            let path = Path::new(&dir).join(f);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

fn same(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
