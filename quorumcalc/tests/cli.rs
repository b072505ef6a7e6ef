//! quorumcalc's command-line contract: every documented exit status, stdin,
//! JSON, error messages, determinism, and a real etcd cluster on loopback.
//!
//! One integration test binary for the crate (modules inside, not many files),
//! which keeps link time down.

use std::path::PathBuf;
use std::process::{Command as StdCommand, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_quorumcalc");

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/etcd")
}

fn fixture(name: &str) -> String {
    fixtures().join(name).to_string_lossy().into_owned()
}

fn example_cluster() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/ocf/cluster.yaml")
        .to_string_lossy()
        .into_owned()
}

/// What a run produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Run {
    let out = assert_cmd::Command::new(BIN)
        .args(args)
        .write_stdin(stdin)
        .output()
        .expect("quorumcalc runs");
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn run(args: &[&str]) -> Run {
    run_with_stdin(args, "")
}

/// Asserts the exit status, and that an error (and only an error) is on stderr.
fn expect(r: &Run, code: i32, stderr_has: Option<&str>) {
    match stderr_has {
        None => assert!(r.stderr.is_empty(), "unexpected stderr: {}", r.stderr),
        Some(s) => {
            assert!(
                r.stderr.starts_with("quorumcalc: error: "),
                "stderr: {}",
                r.stderr
            );
            assert!(r.stderr.contains(s), "stderr lacks {s:?}: {}", r.stderr);
            assert_eq!(r.stderr.lines().count(), 1, "one-line error: {}", r.stderr);
            if code == 3 {
                // A Nagios check says UNKNOWN on stdout too (NRPE reads only stdout).
                let msg = r
                    .stderr
                    .trim_end()
                    .strip_prefix("quorumcalc: error: ")
                    .unwrap();
                assert_eq!(r.stdout, format!("QUORUM UNKNOWN - {msg}\n"));
            } else {
                assert!(r.stdout.is_empty(), "no data on error: {}", r.stdout);
            }
        }
    }
    assert_eq!(r.code, code, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
}

mod reports {
    use super::*;

    #[test]
    fn table_prints_the_measured_figures() {
        let r = run(&["table", "1-7"]);
        expect(&r, 0, None);
        let rows: Vec<Vec<&str>> = r
            .stdout
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().take(3).collect())
            .collect();
        let want: Vec<Vec<String>> = [
            (1, 1, 0),
            (2, 2, 0),
            (3, 2, 1),
            (4, 3, 1),
            (5, 3, 2),
            (6, 4, 2),
            (7, 4, 3),
        ]
        .iter()
        .map(|(n, q, f)| vec![n.to_string(), q.to_string(), f.to_string()])
        .collect();
        assert_eq!(rows, want);
        assert!(r.stdout.contains("adds nothing over N-1; quorum is higher"));
    }

    #[test]
    fn table_json_is_stable_and_parseable() {
        let r = run(&["table", "4", "--format", "json"]);
        expect(&r, 0, None);
        assert_eq!(
            r.stdout,
            "[\n  {\n    \"members\": 4,\n    \"quorum\": 3,\n    \"tolerated_failures\": 1,\n    \"note\": \"adds nothing over N-1; quorum is higher\"\n  }\n]\n"
        );
    }

    #[test]
    fn bad_sizes_are_usage_errors_naming_the_problem() {
        for (arg, says) in [
            ("0", "at least 1"),
            ("-3", "negative"),
            ("abc", "not a whole number"),
            ("100000", "absurd"),
            ("9-2", "backwards"),
        ] {
            expect(&run(&["table", arg]), 2, Some(says));
        }
        expect(
            &run(&["availability", "3", "--up", "2"]),
            2,
            Some("outside 0 to 1"),
        );
        expect(
            &run(&["place", "--members", "0", "--domains", "3"]),
            2,
            Some("at least 1"),
        );
        expect(&run(&["domains", "rack-a"]), 2, Some("DOMAIN=MEMBERS"));
        expect(
            &run(&["table", "--bogus"]),
            2,
            Some("unexpected argument '--bogus'"),
        );
    }

    #[test]
    fn an_unwritable_stdout_is_a_failure() {
        let out = StdCommand::new(BIN)
            .args(["table"])
            .stdout(
                std::fs::File::options()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .starts_with("quorumcalc: error: cannot write output")
        );
    }

    #[test]
    fn a_closed_pipe_ends_quietly() {
        use std::io::{BufRead, BufReader};
        // Far more output than a pipe buffer holds, so the writer meets EPIPE.
        let mut child = StdCommand::new(BIN)
            .args(["availability", "1-3000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader is dropped here, closing the pipe like `| head -1`.
        let out = child.wait_with_output().unwrap();
        assert!(first.starts_with("MEMBERS"));
        assert_eq!(out.status.code(), Some(0));
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn availability_shows_four_less_available_than_three() {
        let r = run(&["availability", "3,4", "--up", "0.99", "--format", "json"]);
        expect(&r, 0, None);
        let rows: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let a3 = rows[0]["availability"].as_f64().unwrap();
        let a4 = rows[1]["availability"].as_f64().unwrap();
        assert!((a3 - 0.999702).abs() < 1e-12, "{a3}");
        assert!(a4 < a3);
        assert!(
            rows[1]["note"]
                .as_str()
                .unwrap()
                .contains("less available than 3 members")
        );
    }

    #[test]
    fn domains_and_place_agree() {
        let r = run(&["place", "--members", "5", "--domains", "a,b,c"]);
        expect(&r, 0, None);
        let placement = r.stdout.lines().next().unwrap().to_owned();
        assert_eq!(placement, "a=2 b=2 c=1");
        let mut args = vec!["domains", "--format", "json"];
        args.extend(placement.split(' '));
        let r = run(&args);
        expect(&r, 0, None);
        let a: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(a["domain_failures_tolerated"], 1);
        assert_eq!(a["voters"], 5);
    }

    #[test]
    fn help_and_version_go_to_stdout_and_succeed() {
        let r = run(&["--help"]);
        expect(&r, 0, None);
        assert!(r.stdout.contains("EXIT STATUS") && r.stdout.contains("EXAMPLES"));
        let r = run(&["status", "--help"]);
        expect(&r, 0, None);
        let r = run(&["--version"]);
        expect(&r, 0, None);
        // The package version, and the commit when built from a checkout
        // (testkit/tests/versions.rs checks the form for every tool).
        let prefix = format!("quorumcalc {}", env!("CARGO_PKG_VERSION"));
        assert!(r.stdout.starts_with(&prefix), "{}", r.stdout);
    }

    #[test]
    fn no_subcommand_is_a_usage_error_with_help_on_stderr() {
        let r = run(&[]);
        assert_eq!(r.code, 2);
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains("Usage: quorumcalc"), "{}", r.stderr);
    }
}

mod check {
    use super::*;

    #[test]
    fn exit_0_when_quorum_holds() {
        let r = run(&["check", "--voters", "3", "--down", "1"]);
        expect(&r, 0, None);
        assert_eq!(
            r.stdout,
            "quorum holds: 2 of 3 voters up, quorum is 2; no further failure can be survived\n"
        );
    }

    #[test]
    fn exit_1_when_quorum_is_lost() {
        let r = run(&["check", "--voters", "3", "--down", "2"]);
        expect(&r, 1, None);
        assert_eq!(
            r.stdout,
            "quorum lost: 1 of 3 voters up, quorum is 2; 1 more voter must come back\n"
        );
    }

    #[test]
    fn the_example_cluster_file_gives_the_voters_by_name() {
        let cluster = example_cluster();
        let r = run(&["check", "--cluster", &cluster, "--down", "coup"]);
        expect(&r, 0, None);
        assert!(r.stdout.contains("(down: coup)"));
        let r = run(&["check", "--cluster", &cluster, "--down", "coup,autocrat"]);
        expect(&r, 1, None);
    }

    #[test]
    fn learners_count_on_neither_side() {
        // 2 voters + 1 learner, one voter down: lost although 2 of 3 processes live.
        let r = run(&["check", "--voters", "a,b", "--learners", "l", "--down", "a"]);
        expect(&r, 1, None);
        // 3 voters + 1 learner, the learner and one voter down: holds.
        let r = run(&[
            "check",
            "--voters",
            "a,b,c",
            "--learners",
            "l",
            "--down",
            "l,a",
        ]);
        expect(&r, 0, None);
        assert!(
            r.stdout
                .contains("learners do not count (1 learner, 1 down)")
        );
    }

    #[test]
    fn every_error_is_exit_2() {
        expect(&run(&["check"]), 2, Some("--voters"));
        expect(
            &run(&["check", "--voters", "3", "--down", "4"]),
            2,
            Some("more than the 3"),
        );
        expect(
            &run(&["check", "--voters", "3", "--down", "coup"]),
            2,
            Some("by name too"),
        );
        expect(
            &run(&["check", "--voters", "0"]),
            2,
            Some("at least 1 voting"),
        );
        expect(
            &run(&["check", "--cluster", "/nonexistent/cluster.yaml"]),
            2,
            Some("/nonexistent/cluster.yaml: cannot read it: No such file"),
        );
        let t = tempfile::tempdir().unwrap();
        let empty = t.path().join("empty.yaml");
        std::fs::write(&empty, "").unwrap();
        let empty = empty.to_str().unwrap();
        expect(
            &run(&["check", "--cluster", empty]),
            2,
            Some(&format!(
                "{empty}:1: expected a cluster file (key: value lines), found nothing"
            )),
        );
        expect(
            &run(&["check", "--cluster", "/dev/null"]),
            2,
            Some("/dev/null: is a device, FIFO or socket, not a regular file"),
        );
        expect(
            &run(&["check", "--cluster", &example_cluster(), "--down", "cuop"]),
            2,
            Some("not a member; members are deadlock, autocrat, coup"),
        );
    }

    #[test]
    fn json_verdict() {
        let r = run(&["check", "--voters", "5", "--down", "1", "--format", "json"]);
        expect(&r, 0, None);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["quorum_holds"], true);
        assert_eq!(v["failures_to_spare"], 1);
        assert_eq!(v["quorum"], 3);
    }
}

mod plan {
    use super::*;

    #[test]
    fn exit_0_when_no_step_loses_quorum() {
        let r = run(&["plan", "--voters", "3", "--down", "1", "replace"]);
        expect(&r, 0, None);
        assert!(
            r.stdout
                .contains("replace: member remove (the failed member)")
        );
    }

    #[test]
    fn exit_1_when_a_step_loses_quorum() {
        let r = run(&[
            "plan", "--voters", "3", "--down", "1", "add", "--format", "json",
        ]);
        expect(&r, 1, None);
        let p: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(p["loses_quorum"], true);
        assert_eq!(p["steps"][1]["verdict"], "quorum lost");
        assert_eq!(p["steps"][1]["voters"], 4);
        assert!(
            p["steps"][1]["warnings"][0]
                .as_str()
                .unwrap()
                .contains("unhealthy cluster")
        );
    }

    #[test]
    fn errors_are_exit_2() {
        expect(
            &run(&["plan", "--voters", "3"]),
            2,
            Some("give at least one ACTION"),
        );
        expect(
            &run(&["plan", "--voters", "3", "promote"]),
            2,
            Some("needs a learner"),
        );
        expect(
            &run(&["plan", "--voters", "3", "explode"]),
            2,
            Some("invalid value 'explode'"),
        );
    }

    /// Quorum lost: both ways back, from the example cluster file and the
    /// real snapshot fixture, as text and JSON; without names, a hint.
    #[test]
    fn lost_quorum_gives_both_ways_back() {
        let file = example_cluster();
        let snap = fixture("snapshot.db");
        let args = [
            "plan",
            "--cluster",
            &file,
            "--down",
            "autocrat,coup",
            "--snapshot",
            &snap,
        ];
        let r = run(&args);
        expect(&r, 1, None);
        for want in [
            "quorum is lost: 2 of 3 members have lost their data (autocrat, coup)",
            "(a) restore: loses every write after the snapshot",
            "(b) force-new-cluster: keeps every write deadlock applied",
            "--initial-cluster-token etcd-restore-snapshot",
        ] {
            assert!(r.stdout.contains(want), "{want}: {}", r.stdout);
        }
        let json = run(&[&args[..], &["--format", "json"]].concat());
        let p: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let rec = &p["recovery"];
        assert_eq!(rec["snapshot"]["revision"], 4);
        assert_eq!(rec["survivors"], serde_json::json!(["deadlock"]));
        let restores = rec["ways"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "restore")
            .count();
        assert_eq!(restores, 3);
        // The same input, the same plan.
        assert_eq!(run(&args).stdout, r.stdout);

        let r = run(&["plan", "--voters", "3", "--down", "2"]);
        expect(&r, 1, None);
        assert!(r.stdout.contains("name the members"), "{}", r.stdout);
        let r = run(&[
            "plan",
            "--cluster",
            &file,
            "--down",
            "autocrat,coup",
            "--snapshot",
            "/nonexistent",
            "--format",
            "json",
        ]);
        let p: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(p["recovery"]["ways"][0]["possible"], false);
        assert_eq!(p["recovery"]["advice"], "force-new-cluster");
    }
}

mod status {
    use super::*;

    fn scenario(name: &str) -> Vec<String> {
        ["member-list", "endpoint-status", "endpoint-health"]
            .iter()
            .map(|k| fixture(&format!("{name}.{k}.json")))
            .collect()
    }

    fn status(files: &[String]) -> Run {
        let mut args = vec!["status"];
        args.extend(files.iter().map(String::as_str));
        run(&args)
    }

    #[test]
    fn ok_is_0() {
        let r = status(&scenario("healthy"));
        expect(&r, 0, None);
        assert!(r.stdout.starts_with(
            "QUORUM OK - 3 of 3 voters up, quorum 2, 1 more failure survivable; leader m1 |"
        ));
    }

    #[test]
    fn warning_is_1() {
        let r = status(&scenario("one-down"));
        expect(&r, 1, None);
        assert!(
            r.stdout
                .starts_with("QUORUM WARNING - quorum holds, but no further failure")
        );
    }

    #[test]
    fn critical_is_2() {
        let r = status(&scenario("two-down"));
        expect(&r, 2, None);
        assert!(
            r.stdout
                .starts_with("QUORUM CRITICAL - quorum lost: no leader")
        );
    }

    #[test]
    fn unknown_is_3_for_every_error_and_for_too_little_input() {
        let r = status(&[fixture("one-down.endpoint-status.json")]);
        assert_eq!(r.code, 3);
        assert!(
            r.stdout
                .starts_with("QUORUM UNKNOWN - cannot count the voting members")
        );
        expect(
            &run(&["status", "/nonexistent.json"]),
            3,
            Some("cannot read /nonexistent.json"),
        );
        // A wrong path that never ends is refused, not read into memory.
        expect(
            &run(&["status", "/dev/zero"]),
            3,
            Some("cannot read /dev/zero: a device, not a regular file"),
        );
        expect(
            &run(&["status", "--bogus"]),
            3,
            Some("unexpected argument '--bogus'"),
        );
        expect(
            &run_with_stdin(&["status"], "[{\"Endpoint\":"),
            3,
            Some("stdin: invalid JSON"),
        );
        expect(
            &run_with_stdin(&["status"], ""),
            3,
            Some("stdin: no JSON found"),
        );
        expect(
            &run_with_stdin(&["status", "-", "-"], "[]"),
            3,
            Some("only once"),
        );
    }

    /// Real `etcdctl --debug member list` stderr (etcd 3.4.23) when no
    /// member answered, judged with an empty stdin as etcd-status does.
    #[test]
    fn no_member_answering_is_judged_from_etcdctls_stderr() {
        let judged = |fixture: &str, code: i32, says: &str| {
            let errors = fixtures().join(format!("{fixture}.etcdctl-stderr.txt"));
            let errors = errors.to_str().unwrap();
            let r = run_with_stdin(&["status", "--etcdctl-errors", errors], "");
            expect(&r, code, None);
            let line = r.stdout.lines().next().unwrap();
            assert!(line.contains(says), "{fixture}: {line}");
            r
        };
        // Three endpoints, none listening: the worst state, not an unknown one.
        let r = judged(
            "all-down",
            2,
            "QUORUM CRITICAL - no etcd member answers: all 3 endpoints unreachable \
             (https://127.0.0.1:2379: dial tcp 127.0.0.1:2379: connect: connection refused)",
        );
        assert!(
            r.stdout.contains("https://127.0.0.1:22379: dial tcp"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("etcdctl: context deadline exceeded"),
            "{}",
            r.stdout
        );
        // A member that accepts the connection and never answers (SIGSTOP).
        judged(
            "hung",
            2,
            "QUORUM CRITICAL - no etcd member answered before etcdctl's timeout",
        );
        // The member is up; the check's CA is wrong: the check cannot tell.
        judged(
            "wrong-ca",
            3,
            "QUORUM UNKNOWN - etcdctl cannot talk to etcd at https://127.0.0.1:2379: \
             authentication handshake failed: x509: certificate signed by unknown authority",
        );
        judged(
            "no-key",
            3,
            "QUORUM UNKNOWN - etcdctl failed: open /nonexistent/client.key: no such file or directory",
        );
        // With an answer on stdin, the answer is judged as before.
        let mut args = vec!["status", "--etcdctl-errors"];
        let errors = fixtures().join("all-down.etcdctl-stderr.txt");
        args.push(errors.to_str().unwrap());
        let files = scenario("healthy");
        args.extend(files.iter().map(String::as_str));
        expect(&run(&args), 0, None);
        // Without the errors, an empty input stays UNKNOWN (no guessing).
        expect(&run_with_stdin(&["status"], ""), 3, Some("no JSON found"));
    }

    #[test]
    fn stdin_takes_several_documents_in_any_order() {
        let texts: Vec<String> = scenario("one-down")
            .iter()
            .rev()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        let r = run_with_stdin(&["status", "-"], &texts.join("\n"));
        expect(&r, 1, None);
        // No argument at all means stdin too.
        let again = run_with_stdin(&["status"], &texts.join(""));
        assert_eq!(again.stdout, r.stdout);
    }

    #[test]
    fn output_does_not_depend_on_input_order() {
        let mut files = scenario("learner");
        let a = status(&files);
        files.reverse();
        let b = status(&files);
        assert_eq!(a.stdout, b.stdout);
        assert_eq!(a.code, 0);
        let json = |f: &[String]| {
            let mut args = vec!["status", "--format", "json"];
            args.extend(f.iter().map(String::as_str));
            run(&args).stdout
        };
        assert_eq!(json(&files), json(&scenario("learner")));
    }

    #[test]
    fn json_ids_are_hex_strings_that_survive_jq() {
        let mut args = vec!["status", "--format", "json"];
        let files = scenario("healthy");
        args.extend(files.iter().map(String::as_str));
        let r = run(&args);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["state"], "OK");
        assert_eq!(v["leader"]["id"], "81c11181701465a4");
        let ids: Vec<&str> = v["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        // 17628312066579276252 > 2^63 survives exactly as hex.
        assert!(ids.contains(&"f4a4586cfe30a1dc"));
    }
}

/// A real 3-member etcd cluster on loopback: kill members one by one and pipe
/// etcdctl's JSON into quorumcalc, as a monitoring check would.
mod live_etcd {
    use super::*;
    use std::time::{Duration, Instant};

    /// The etcd members, killed on drop even when an assertion fails
    /// half-way, and their data, removed with the directory.
    struct Cluster {
        etcd: testkit::EtcdCluster<'static>,
        _dir: tempfile::TempDir,
    }

    impl Cluster {
        fn kill(&mut self, name: &str) {
            self.etcd.kill(name);
        }

        fn etcdctl(&self, args: &[&str]) -> String {
            let out = StdCommand::new("etcdctl")
                .arg(format!("--endpoints={}", self.etcd.endpoints()))
                .arg("--command-timeout=2s")
                .args(args)
                .env("ETCDCTL_API", "3")
                .output()
                .expect("etcdctl runs");
            // etcdctl exits 1 whenever any member is down; its JSON is still valid.
            String::from_utf8(out.stdout).unwrap()
        }

        /// The monitoring pipeline: etcdctl's JSON on quorumcalc's stdin.
        fn status(&self) -> (i32, serde_json::Value) {
            let input = [
                self.etcdctl(&["member", "list", "-w", "json"]),
                self.etcdctl(&["endpoint", "status", "--cluster", "-w", "json"]),
                self.etcdctl(&["endpoint", "health", "--cluster", "-w", "json"]),
            ]
            .join("\n");
            let r = run_with_stdin(&["status", "--format", "json", "-"], &input);
            assert!(
                r.stderr.is_empty(),
                "quorumcalc stderr: {}\ninput: {input}",
                r.stderr
            );
            (r.code, serde_json::from_str(&r.stdout).unwrap())
        }

        /// Polls until quorumcalc reports `code` from all three outputs,
        /// allowing for start-up and elections (while etcd starts, `member
        /// list` can print nothing although `endpoint status` answers).
        fn wait_for(&self, code: i32) -> serde_json::Value {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let (got, report) = self.status();
                if got == code && report["sources"].as_array().is_some_and(|s| s.len() == 3) {
                    return report;
                }
                assert!(
                    Instant::now() < deadline,
                    "expected exit {code}, still {got}: {report:#}"
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }

    /// Fails (never skips) when a real tool is missing. `version_arg` is how
    /// the tool prints its version: `etcd --version`, but `etcdctl version`.
    fn require(tool: &str, version_arg: &str) {
        let found = StdCommand::new(tool)
            .arg(version_arg)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "`{tool}` is not installed; this test needs a real etcd: run .ci/test, which installs etcd-server and etcd-client"
        );
    }

    fn start() -> Cluster {
        require("etcd", "--version");
        require("etcdctl", "version");
        let dir = tempfile::tempdir().unwrap();
        let members = ["m1", "m2", "m3"].map(|n| testkit::etcd::Member::new(n, "127.0.0.1"));
        Cluster {
            etcd: testkit::EtcdCluster::start(dir.path(), members.to_vec()),
            _dir: dir,
        }
    }

    #[test]
    fn losing_members_one_by_one() {
        let mut cluster = start();

        let report = cluster.wait_for(0);
        assert_eq!(report["voters"], 3);
        assert_eq!(report["voters_up"], 3);
        assert_eq!(report["failures_to_spare"], 1);
        let leader = report["leader"]["name"]
            .as_str()
            .expect("a leader")
            .to_owned();

        // Kill the leader: the others elect a new one and keep quorum, with
        // nothing left to spare.
        cluster.kill(&leader);
        let report = cluster.wait_for(1);
        assert_eq!(report["state"], "WARNING");
        assert_eq!(report["voters"], 3);
        assert_eq!(report["voters_up"], 2);
        assert_eq!(report["quorum"], 2);
        assert_eq!(report["failures_to_spare"], 0);
        let new_leader = report["leader"]["name"]
            .as_str()
            .expect("a new leader")
            .to_owned();
        assert_ne!(new_leader, leader);

        // Kill a second member: quorum is lost.
        cluster.kill(&new_leader);
        let report = cluster.wait_for(2);
        assert_eq!(report["state"], "CRITICAL");
        assert_eq!(report["voters_up"], 1);
        assert!(
            report["summary"]
                .as_str()
                .unwrap()
                .starts_with("quorum lost"),
            "{report:#}"
        );
        assert!(report["leader"].is_null());
    }
}

#[test]
fn counts_are_plain_and_limits_are_the_same_everywhere() {
    // Count-like arguments are errors, never one member named "3.0".
    for voters in ["3.0", "+3", "1e3", "３"] {
        let r = run(&["check", "--voters", voters, "--down", "1"]);
        expect(&r, 2, Some("plain whole numbers"));
    }
    let r = run(&["plan", "--voters", "3.0", "add"]);
    expect(&r, 2, Some("plain whole numbers"));
    // 10,001 masters: refused through --cluster as through --voters.
    let mut yaml = String::from("masters:\n");
    for i in 0..10_001 {
        yaml.push_str(&format!(
            "  - {{name: m{i}, ipv4: 10.0.{}.{}}}\n",
            i / 256,
            i % 256
        ));
    }
    let r = run_with_stdin(&["check", "--cluster", "-"], &yaml);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("at most 10000"), "{}", r.stderr);
    let names: Vec<String> = (0..10_001).map(|i| format!("m{i}")).collect();
    let r = run(&["check", "--voters", &names.join(",")]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("more than 10000 members"), "{}", r.stderr);
    // availability: at most 20 --up values.
    let mut args = vec!["availability", "3"];
    for _ in 0..21 {
        args.extend(["--up", "0.9"]);
    }
    let r = run(&args);
    expect(&r, 2, Some("21 --up values; at most 20"));
}

#[path = "cli/snapshots.rs"]
mod snapshots;
