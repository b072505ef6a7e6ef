//! certs' readers under mutation (see `testkit::fuzz`): PEM, DER, Hiera
//! YAML and kubeconfigs, through what `inspect` and `check` do with every
//! item. Never a panic.

use std::path::PathBuf;

#[test]
fn pem_der_hiera_and_kubeconfig_readers_survive_mutants() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    testkit::fuzz::run("certs-items", &dir, 3000, |bytes| {
        let Ok(items) = certs::source::read_items(bytes) else {
            return;
        };
        let entries = certs::inspect::entries("fuzz", items);
        let text = certs::inspect::to_text(&entries);
        assert!(entries.is_empty() || !text.is_empty());
        let _ = certs::inspect::unreadable(&entries);
    });
}
