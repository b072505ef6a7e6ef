//! The package's node_exporter recipe (packaging/textfile-checks, which
//! kubetoolkit-textfile.timer runs): every listed check's Prometheus text is
//! written atomically whatever its exit status, so the file turns non-OK
//! when the state does, and real `promtool check metrics` accepts each file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::{promtool, s, write};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../packaging/textfile-checks")
}

/// Runs the script on `conf`, writing into `out`.
fn run(conf: &Path, out: &Path, timeout: &str) -> Output {
    Command::new(script())
        .arg(conf)
        .env("KUBETOOLKIT_TEXTFILE_DIR", out)
        .env("KUBETOOLKIT_CHECK_TIMEOUT", timeout)
        .output()
        .expect("the script runs")
}

fn read(out: &Path, name: &str) -> String {
    std::fs::read_to_string(out.join(format!("kubetoolkit-{name}.prom"))).unwrap_or_default()
}

#[test]
fn every_run_writes_the_current_state_whatever_the_exit_status() {
    let tools = testkit::built_tools();
    let t = tempfile::tempdir().unwrap();
    let (pki, out) = (t.path().join("pki"), t.path().join("textfile"));
    std::fs::create_dir_all(&pki).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    testkit::server_certificate(&pki, 365);
    let certs = format!(
        "{} check --format prometheus --warning 30 --critical 7 {}",
        s(&tools.join("certs")),
        s(&pki)
    );
    let conf = write(
        t.path(),
        "checks",
        &format!("# comment\n\ncerts   {certs}\nslow sleep 5; echo late 1\n"),
    );
    let first = run(&conf, &out, "1");
    assert!(first.status.success(), "{}", testkit::text(&first));
    let ok = read(&out, "certs");
    assert!(ok.contains("certs_state{check=\"check\"} 0\n"), "{ok}");
    assert!(ok.contains("kubetoolkit_check_exit_status{check=\"certs\"} 0\n"));
    // A check that did not finish: only its exit status, no partial output.
    let slow = read(&out, "slow");
    assert!(
        slow.ends_with("kubetoolkit_check_exit_status{check=\"slow\"} 124\n"),
        "{slow}"
    );
    assert!(!slow.contains("late"), "{slow}");
    for name in ["certs", "slow"] {
        let file = out.join(format!("kubetoolkit-{name}.prom"));
        let (accepted, said) = promtool(&file);
        assert!(accepted, "{name}: {said}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "node_exporter must read it");
    }

    // The certificate now expires in 2 days: certs check exits 2, and the
    // file says so (the stale OK is gone).
    testkit::server_certificate(&pki, 2);
    let second = run(&conf, &out, "1");
    assert!(second.status.success(), "{}", testkit::text(&second));
    let critical = read(&out, "certs");
    assert!(
        critical.contains("certs_state{check=\"check\"} 2\n"),
        "{critical}"
    );
    assert!(critical.contains("kubetoolkit_check_exit_status{check=\"certs\"} 2\n"));
    assert!(promtool(&out.join("kubetoolkit-certs.prom")).0);

    // A check taken off the list leaves no file; nothing temporary is left.
    std::fs::write(&conf, format!("certs {certs}\n")).unwrap();
    assert!(run(&conf, &out, "5").status.success());
    let mut left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["kubetoolkit-certs.prom"]);
}

#[test]
fn a_bad_config_is_named_and_the_good_checks_still_run() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("textfile");
    std::fs::create_dir_all(&out).unwrap();
    let conf = write(
        t.path(),
        "checks",
        "Bad/Name echo x 1\nempty\nfine echo '# TYPE x gauge'; echo x 1\nfine echo again\n",
    );
    let r = run(&conf, &out, "5");
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    for said in [
        "check name 'Bad/Name'",
        "check empty has no command",
        "check fine is listed twice",
    ] {
        assert!(err.contains(said), "{err}");
    }
    assert!(err.contains(s(&conf)), "names the file: {err}");
    assert!(read(&out, "fine").starts_with("# TYPE x gauge\nx 1\n"));
    // No directory for node_exporter: an error that says what to do.
    let r = run(&conf, &t.path().join("missing"), "5");
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("prometheus-node-exporter"));
}
