//! kubetool's readers under mutation (see `testkit::fuzz`): the Hiera
//! files it reads back and the module's env file. Never a panic; an error
//! names the file.

use std::path::PathBuf;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

#[test]
fn the_hiera_reader_survives_mutants() {
    testkit::fuzz::run("hiera", &corpus("hiera"), 3000, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        if let Err(e) = kubetool::hiera::Existing::parse("fuzz.yaml", &text) {
            assert!(e.to_string().contains("fuzz.yaml"), "{e}");
        }
    });
}

#[test]
fn the_env_file_reader_survives_mutants() {
    let environ = |name: &str| (name == "ETCD_IP").then(|| "192.0.2.75".to_owned());
    testkit::fuzz::run("env-file", &corpus("env"), 5000, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        if let Err(e) = kubetool::env::EnvFile::parse("fuzz.env", &text, &environ) {
            assert!(e.to_string().contains("fuzz.env"), "{e}");
        }
    });
}
