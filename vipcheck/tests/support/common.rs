//! What the vipcheck test targets share: the binary and the example.

use assert_cmd::Command;
use std::path::PathBuf;

/// The `vipcheck` binary this build made.
pub fn vipcheck() -> Command {
    Command::cargo_bin("vipcheck").expect("the vipcheck binary is built")
}

/// The bundled example cluster file.
pub fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/ocf/cluster.yaml")
}
