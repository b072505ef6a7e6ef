//! The package's node_exporter recipe (packaging/textfile-checks, which
//! kubetoolkit-textfile.timer runs): every listed check's Prometheus text is
//! written atomically whatever its exit status, so the file turns non-OK
//! when the state does, and real `promtool check metrics` accepts each file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::{path_str, promtool, write};

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

/// Under `t`: a certificate valid `days` in `pki/`, an empty textfile
/// directory, and the certs check of `pki/` for the config: (pki, textfile
/// directory, check command).
fn certs_site(t: &Path, days: u32) -> (PathBuf, PathBuf, String) {
    let tools = testkit::built_tools();
    let (pki, out) = (t.join("pki"), t.join("textfile"));
    std::fs::create_dir_all(&pki).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    testkit::server_certificate(&pki, days);
    let certs = format!(
        "{} check --format prometheus --warning 30 --critical 7 {}",
        path_str(&tools.join("certs")),
        path_str(&pki)
    );
    (pki, out, certs)
}

#[test]
fn every_run_writes_the_current_state_whatever_the_exit_status() {
    let t = tempfile::tempdir().unwrap();
    let (pki, out, certs) = certs_site(t.path(), 365);
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
    assert!(err.contains(path_str(&conf)), "names the file: {err}");
    assert!(read(&out, "fine").starts_with("# TYPE x gauge\nx 1\n"));
}

/// The timer is enabled on every host the package is on: where there is
/// nothing to do (no node_exporter directory, no check listed), the run
/// says why and succeeds, so the service does not fail every minute.
#[test]
fn nothing_to_do_is_not_a_failure() {
    let t = tempfile::tempdir().unwrap();
    let missing = t.path().join("no-node-exporter");
    let conf = write(t.path(), "checks", "fine echo x 1\n");
    let r = run(&conf, &missing, "5");
    assert_eq!(r.status.code(), Some(0), "{}", testkit::text(&r));
    let said = testkit::text(&r);
    assert!(
        said.contains("does not exist") && said.contains("prometheus-node-exporter"),
        "{said}"
    );
    assert!(!missing.exists(), "it made the directory");
    // The package's own file: every line commented.
    let shipped =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../packaging/textfile-checks.conf");
    let out = t.path().join("textfile");
    std::fs::create_dir_all(&out).unwrap();
    let r = run(&shipped, &out, "5");
    assert_eq!(r.status.code(), Some(0), "{}", testkit::text(&r));
    assert!(
        testkit::text(&r).contains("no check is listed"),
        "{}",
        testkit::text(&r)
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    // Every check taken off the list: their files go too.
    std::fs::write(out.join("kubetoolkit-old.prom"), "x 1\n").unwrap();
    assert!(run(&shipped, &out, "5").status.success());
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

/// node_exporter, killed when dropped.
struct NodeExporter(std::process::Child);

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// GET /metrics from 127.0.0.1:`port`, once it answers.
fn scrape(port: u16) -> String {
    use std::io::{Read, Write};
    for _ in 0..100 {
        if let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = write!(c, "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n");
            let mut body = String::new();
            if c.read_to_string(&mut body).is_ok() && body.starts_with("HTTP/1.0 200") {
                return body;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("node_exporter did not answer on port {port}");
}

/// The series of `metric` as node_exporter exported them, each with the
/// labels Prometheus adds when it scrapes (instance, job).
fn series(scraped: &str, metric: &str) -> Vec<String> {
    scraped
        .lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")))
        .map(|l| {
            let selector = l.rsplit_once(' ').unwrap().0;
            format!(
                "{},instance=\"m1\",job=\"node\"}}",
                selector.strip_suffix('}').unwrap()
            )
        })
        .collect()
}

/// The shipped alert rules, run by `promtool test rules` on series named
/// exactly as Debian's node_exporter names them: a scrape of the real
/// daemon reading files the real textfile-checks wrote.
#[test]
fn the_shipped_alert_rules_fire_on_series_as_node_exporter_names_them() {
    let t = tempfile::tempdir().unwrap();
    let (_, out, certs) = certs_site(t.path(), 2);
    let conf = write(
        t.path(),
        "checks",
        &format!("certs {certs}\nslow sleep 5\n"),
    );
    assert!(run(&conf, &out, "1").status.success());

    let port = testkit::free_port("127.0.0.1");
    let child = Command::new("prometheus-node-exporter")
        .args([
            &format!("--web.listen-address=127.0.0.1:{port}"),
            "--collector.disable-defaults",
            "--collector.textfile",
            &format!("--collector.textfile.directory={}", path_str(&out)),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prometheus-node-exporter is needed: .ci/test installs it");
    let _ne = NodeExporter(child);
    let scraped = scrape(port);
    let mtimes = series(&scraped, "node_textfile_mtime_seconds");
    let state = series(&scraped, "certs_state");
    let exits = series(&scraped, "kubetoolkit_check_exit_status");
    assert_eq!(
        (mtimes.len(), state.len(), exits.len()),
        (2, 1, 2),
        "{scraped}"
    );
    let file_of = |name: &str| {
        let m = mtimes.iter().find(|m| m.contains(name)).unwrap();
        m.split("file=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    let certs_file = file_of("kubetoolkit-certs");
    // Debian's node_exporter puts the whole path in `file`.
    assert!(certs_file.starts_with('/'), "{certs_file}");
    let exit_of = |check: &str| {
        exits
            .iter()
            .find(|e| e.contains(&format!("check=\"{check}\"")))
            .unwrap()
    };

    let rules = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/prometheus/kubetoolkit.rules.yml");
    let rules_text = std::fs::read_to_string(&rules).unwrap();
    // Every tool with a monitoring check has its state alerted on.
    // Every tool's page: its name, clap definition and exit-status table.
    let monitored = xtask::pages()
        .into_iter()
        .map(|p| (p.name, (p.command)(), p.tool));
    for (tool, cmd, table) in monitored {
        let checks = cmd
            .get_subcommands()
            .any(|c| table.scheme(Some(c.get_name()), &[]) == clikit::Scheme::Monitoring);
        assert_eq!(
            rules_text.contains(&format!("{tool}_state")),
            checks,
            "{tool}"
        );
    }

    // The certs file is never rewritten (the timer stopped); the slow one
    // is, every minute. certs is CRITICAL; slow timed out.
    let tests = format!(
        r#"rule_files: ['{rules}']
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: '{certs_mtime}'
        values: '0+0x15'
      - series: '{slow_mtime}'
        values: '0+60x15'
      - series: '{state}'
        values: '2x15'
      - series: '{certs_exit}'
        values: '2x15'
      - series: '{slow_exit}'
        values: '124x15'
    promql_expr_test:
      # The selector the README once gave matches nothing here.
      - expr: count(node_textfile_mtime_seconds{{file=~"kubetoolkit-.*"}}) or vector(0)
        eval_time: 10m
        exp_samples:
          - labels: '{{}}'
            value: 0
    alert_rule_test:
      - eval_time: 10m
        alertname: KubetoolkitChecksStale
        exp_alerts:
          - exp_labels: {{severity: warning, instance: m1, job: node, file: '{certs_file}'}}
            exp_annotations:
              summary: 'm1: {certs_file} not rewritten for 5 minutes; is kubetoolkit-textfile.timer running?'
      - eval_time: 4m
        alertname: KubetoolkitChecksStale
        exp_alerts: []
      - eval_time: 10m
        alertname: KubetoolkitCheckCritical
        exp_alerts:
          - exp_labels: {{severity: critical, instance: m1, job: node, check: check, tool: certs}}
            exp_annotations:
              summary: 'm1: certs check is CRITICAL'
      - eval_time: 10m
        alertname: KubetoolkitCheckDidNotFinish
        exp_alerts:
          - exp_labels: {{severity: warning, instance: m1, job: node, check: slow}}
            exp_annotations:
              summary: 'm1: check slow did not finish (exit status 124)'
      - eval_time: 10m
        alertname: KubetoolkitCheckWarning
        exp_alerts: []
"#,
        rules = path_str(&rules),
        certs_mtime = mtimes
            .iter()
            .find(|m| m.contains("kubetoolkit-certs"))
            .unwrap(),
        slow_mtime = mtimes
            .iter()
            .find(|m| m.contains("kubetoolkit-slow"))
            .unwrap(),
        state = state[0],
        certs_exit = exit_of("certs"),
        slow_exit = exit_of("slow"),
    );
    let test_file = write(t.path(), "rules-test.yml", &tests);
    let r = Command::new("promtool")
        .args(["test", "rules", path_str(&test_file)])
        .output()
        .expect("promtool runs");
    assert!(
        r.status.success(),
        "promtool test rules:\n{}\n{tests}",
        testkit::text(&r)
    );
}
