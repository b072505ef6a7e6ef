//! One file, one meaning: every tool that reads the cluster file gives the
//! same verdict on it, and refuses it with the same message.
//!
//! The tools run as built binaries (the test builds them first: they are
//! other crates' binaries, which cargo does not hand to this test).

use std::path::Path;
use std::process::Command;
use testkit::{path_str, write};

const EXAMPLE: &str = include_str!("../../examples/ocf/cluster.yaml");

/// A tool reading the cluster file, and the exit statuses that mean it
/// refused the file (rather than answering a question about it).
struct Reader {
    tool: &'static str,
    args: &'static [&'static str],
    refused: &'static [i32],
}

const READERS: &[Reader] = &[
    Reader {
        tool: "quorumcalc",
        args: &["check", "--cluster"],
        refused: &[2],
    },
    Reader {
        tool: "ingressgen",
        args: &["routes"],
        refused: &[1],
    },
    Reader {
        tool: "vipcheck",
        args: &["render", "--master", "deadlock"],
        refused: &[1],
    },
    Reader {
        tool: "vipcheck",
        args: &["holder", "--cluster"],
        refused: &[3],
    },
    Reader {
        tool: "kubetool",
        args: &[
            "--stdout",
            "--dir",
            "/nonexistent/kubetool-test",
            "--cluster",
        ],
        refused: &[1],
    },
];

/// The verdict: `None` when accepted, else the message after
/// `<tool>: error: `.
fn verdict(bin: &Path, r: &Reader, file: &Path) -> Option<String> {
    let mut c = Command::new(bin.join(r.tool));
    c.args(r.args).arg(file);
    for v in [
        "ETCD_INITIAL_CLUSTER",
        "VERSION",
        "CNI_PROVIDER",
        "ETCD_IP",
        "KUBE_API_ADVERTISE_ADDRESS",
        "OS",
    ] {
        c.env_remove(v);
    }
    let out = c.output().unwrap();
    let code = out.status.code().expect("exited");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let refused = r.refused.contains(&code);
    let prefix = format!("{}: error: ", r.tool);
    match (refused, err.lines().find_map(|l| l.strip_prefix(&prefix))) {
        (true, Some(m)) => Some(m.to_owned()),
        (true, None) => panic!(
            "{} {:?} refused without an error line: {err}",
            r.tool, r.args
        ),
        (false, _) => None,
    }
}

#[test]
fn every_tool_gives_the_same_verdict_on_each_edit() {
    let bin = testkit::built_tools();
    let t = tempfile::tempdir().unwrap();
    let edit = |from: &str, to: &str| {
        assert!(EXAMPLE.contains(from), "{from}");
        EXAMPLE.replacen(from, to, 1)
    };
    let cases: Vec<(&str, String, bool)> = vec![
        ("the example", EXAMPLE.to_owned(), true),
        (
            "a new valid section (ingress.haproxy)",
            edit(
                "  internal_suffixes: [dev-kubernetes]\n",
                "  internal_suffixes: [dev-kubernetes]\n  haproxy: {maxconn: 8000}\n",
            ),
            true,
        ),
        (
            "a fully qualified master",
            edit("name: coup", "name: coup.ocf.berkeley.edu"),
            true,
        ),
        (
            "an unknown top-level section",
            edit(
                "cluster: ocf\n",
                "cluster: ocf\netcd: {client_port: 2379}\n",
            ),
            false,
        ),
        (
            "an unknown field on a master",
            edit(
                "    ipv6: 2001:db8::75\n",
                "    ipv6: 2001:db8::75\n    rack: a\n",
            ),
            false,
        ),
        (
            "an unknown field on a worker",
            edit("  - name: riptide\n", "  - name: riptide\n    rack: a\n"),
            false,
        ),
        (
            "an unknown field in vip",
            edit("  name: lb\n", "  name: lb\n  vird: 7\n"),
            false,
        ),
        (
            "an unknown field in ingress",
            edit(
                "  node_port: 31234\n",
                "  node_port: 31234\n  nodeport: 1\n",
            ),
            false,
        ),
        (
            "an unknown field on a service",
            edit(
                "      aliases: [sg]\n",
                "      aliases: [sg]\n      alias: [x]\n",
            ),
            false,
        ),
        (
            "an unknown field in kubernetes",
            edit("  os: Debian\n", "  os: Debian\n  verison: 1\n"),
            false,
        ),
        (
            "an upper-case master",
            edit("name: deadlock", "name: Deadlock"),
            false,
        ),
        (
            "an upper-case worker",
            edit("name: riptide", "name: Riptide"),
            false,
        ),
        (
            "an upper-case service",
            edit("    - templates\n", "    - Templates\n"),
            false,
        ),
        (
            "a bad master address",
            edit("ipv4: 192.0.2.77", "ipv4: 192.0.2.777"),
            false,
        ),
        (
            "a VIP without a prefix",
            edit("ipv4: 192.0.2.100/24", "ipv4: 192.0.2.100"),
            false,
        ),
        (
            "a VIP on a master's address",
            edit("ipv4: 192.0.2.100/24", "ipv4: 192.0.2.76/24"),
            false,
        ),
        (
            "a bad Kubernetes version",
            edit("version: 1.30.2", "version: v1.30.2"),
            false,
        ),
        ("not YAML", "masters: [\n".to_owned(), false),
    ];
    for (i, (what, text, valid)) in cases.iter().enumerate() {
        let file = write(t.path(), &format!("case{i}.yaml"), text);
        let verdicts: Vec<Option<String>> =
            READERS.iter().map(|r| verdict(&bin, r, &file)).collect();
        for (r, v) in READERS.iter().zip(&verdicts) {
            assert_eq!(
                v.is_none(),
                *valid,
                "{what}: {} {:?}: {v:?}",
                r.tool,
                r.args
            );
        }
        if !valid {
            let first = verdicts[0].as_ref().unwrap();
            assert!(
                first.starts_with(&format!("{}:", path_str(&file))),
                "{what}: {first}"
            );
            for (r, v) in READERS.iter().zip(&verdicts) {
                assert_eq!(v.as_ref(), Some(first), "{what}: {} says otherwise", r.tool);
            }
        }
    }
}

/// The tools compose: `kubetool --stdout | certs check -` is OK on a fresh
/// cluster (each master's document pairs its own keys and certificates),
/// and kubetool checks the kubeadm flags even without --kubeadm.
#[test]
fn kubetool_stdout_is_what_certs_check_reads() {
    let bin = testkit::built_tools();
    let t = tempfile::tempdir().unwrap();
    let full = testkit::kubetool_settings(
        "deadlock:192.0.2.75,autocrat:192.0.2.76,coup:192.0.2.77",
        t.path(),
    );
    let out = std::process::Command::new(bin.join("kubetool"))
        .args(&full)
        .arg("--stdout")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", testkit::text(&out));
    let mut check = std::process::Command::new(bin.join("certs"))
        .args(["check", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut check.stdin.take().unwrap(), &out.stdout).unwrap();
    let checked = check.wait_with_output().unwrap();
    let line = String::from_utf8_lossy(&checked.stdout).into_owned();
    assert_eq!(checked.status.code(), Some(0), "{line}");
    assert!(line.starts_with("CERTS OK - 13 certificates"), "{line}");
    let bad = std::process::Command::new(bin.join("kubetool"))
        .args(&full)
        .args(["--stdout", "--service-cidr", "10.96.0.0/33"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", testkit::text(&bad));
    assert!(
        testkit::text(&bad).contains("--service-cidr"),
        "{}",
        testkit::text(&bad)
    );
}
