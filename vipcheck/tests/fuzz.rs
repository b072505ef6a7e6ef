//! vipcheck's readers under mutation (see `testkit::fuzz`): keepalived.conf
//! (the reader and every lint rule, one file and two together) and the
//! notify state records. Never a panic; findings name lines of the input.

use std::path::PathBuf;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

#[test]
fn keepalived_conf_reader_and_lint_survive_mutants() {
    testkit::fuzz::run("keepalived", &corpus("keepalived"), 5000, |bytes| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let lines = text.lines().count() + 1;
        if let Ok(parsed) = vipcheck::conf::parse(&text) {
            assert!(parsed.items.iter().all(|i| i.line <= lines));
        }
        let files = vec![("a".to_owned(), text.clone()), ("b".to_owned(), text)];
        for f in vipcheck::lint::lint(&files, &[]) {
            assert!(f.line <= lines, "{f:?}");
            assert!(!f.message.is_empty() && !f.fix.is_empty());
        }
    });
}

#[test]
fn notify_records_survive_mutants() {
    testkit::fuzz::run("notify", &corpus("notify"), 5000, |bytes| {
        if let Ok(t) = vipcheck::notify::parse(&String::from_utf8_lossy(bytes)) {
            // What parses prints back to the same record.
            let again = vipcheck::notify::parse(&serde_json::to_string(&t).unwrap()).unwrap();
            assert_eq!(again, t);
        }
    });
}
