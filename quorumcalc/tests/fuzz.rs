//! The etcdctl JSON reader and the status verdict under mutation (see
//! `testkit::fuzz`), over the real etcd outputs of the fixtures: never a
//! panic, and an UNKNOWN never carries invented counts.

use std::path::PathBuf;

#[test]
fn etcdctl_json_and_the_verdict_survive_mutants() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/etcd");
    testkit::fuzz::run("etcdctl-json", &dir, 5000, |bytes| {
        let mut inputs = quorumcalc::etcd::Inputs::default();
        if inputs
            .add("input", &String::from_utf8_lossy(bytes))
            .is_err()
        {
            return;
        }
        let Ok(r) = quorumcalc::status::evaluate(&inputs) else {
            return;
        };
        if r.state == quorumcalc::status::State::Unknown {
            assert_eq!(
                (r.voters_up, r.failures_to_spare),
                (None, None),
                "{}",
                r.summary
            );
        }
        if let (Some(v), Some(up)) = (r.voters, r.voters_up) {
            assert!(up <= v, "{}", r.summary);
        }
    });
}
