//! The cluster file reader under mutation (see `testkit::fuzz`): any bytes
//! give a file or an error naming a line of the input, never a panic.

use std::path::PathBuf;

#[test]
fn the_reader_survives_mutants_of_real_cluster_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    testkit::fuzz::run("clusterfile", &dir, 5000, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        // YAML breaks lines at \n, \r\n and a lone \r.
        let lines = text.replace("\r\n", "\n").matches(['\n', '\r']).count() + 1;
        match clusterfile::parse(&text) {
            Ok(file) => assert!(!file.masters.is_empty()),
            Err(e) => {
                assert!(!e.message.is_empty());
                assert!(e.line.is_none_or(|l| (1..=lines).contains(&l)), "{e}");
            }
        }
    });
}
