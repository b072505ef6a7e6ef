//! Every input a tool reads by name is bounded: a device (`/dev/zero`), a
//! FIFO nobody writes to, and an over-large regular file are each refused
//! with a clear error and a non-zero exit, quickly, and within a memory
//! limit (`prlimit --as`) that an unbounded read of /dev/zero would break.
//! A wrong path in a Puppet exec or a Nagios command must not take the
//! host down.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::path_str;

/// 512 MiB of address space: room for a 64 MiB input, none for more.
const LIMIT: &str = "--as=536870912";

fn run(bin: &Path, tool: &str, args: &[String]) -> (Option<i32>, String, Duration) {
    run_within(LIMIT, bin, tool, args)
}

fn run_within(
    limit: &str,
    bin: &Path,
    tool: &str,
    args: &[String],
) -> (Option<i32>, String, Duration) {
    let start = Instant::now();
    let out = Command::new("timeout")
        .args(["20", "prlimit", limit, "--"])
        .arg(bin.join(tool))
        .args(args)
        .output()
        .expect("timeout and prlimit (coreutils, util-linux) are on every Debian");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text, start.elapsed())
}

#[test]
fn devices_fifos_and_huge_files_are_refused_within_bounds() {
    let bin = testkit::built_tools();
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let huge = t.path().join("huge.pem");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let dir = t.path().join("out");
    let d = path_str(&dir).to_owned();
    let full = |flag: &str| {
        let mut args = testkit::kubetool_settings("deadlock:192.0.2.75", &dir);
        args.push(flag.to_owned());
        args
    };
    // Each reader, with {} where the bad input goes.
    let readers: Vec<(&str, Vec<String>)> = vec![
        ("certs", vec!["inspect".into(), "{}".into()]),
        ("certs", vec!["check".into(), "{}".into()]),
        (
            "certs",
            vec!["verify".into(), "--ca".into(), "{}".into(), "{}".into()],
        ),
        (
            "kubetool",
            vec!["--env-file".into(), "{}".into(), "--dir".into(), d.clone()],
        ),
        (
            "kubetool",
            [
                full("--kubernetes-ca-cert"),
                vec!["{}".into(), "--kubernetes-ca-key".into(), "{}".into()],
            ]
            .concat(),
        ),
        (
            "kubetool",
            vec!["--cluster".into(), "{}".into(), "--dir".into(), d.clone()],
        ),
        ("ingressgen", vec!["routes".into(), "{}".into()]),
        ("vipcheck", vec!["lint".into(), "{}".into()]),
        (
            "vipcheck",
            vec![
                "render".into(),
                "--master".into(),
                "deadlock".into(),
                "{}".into(),
            ],
        ),
        // watch reads its CA before it sends anything (the
        // addresses given are loopback, where nothing listens).
        (
            "vipcheck",
            [
                "watch",
                "--vip",
                "127.0.0.1",
                "--host",
                "a.example",
                "--duration",
                "1s",
                "--out",
                &d,
                "--ca",
                "{}",
            ]
            .map(String::from)
            .into(),
        ),
        ("quorumcalc", vec!["status".into(), "{}".into()]),
        (
            "quorumcalc",
            vec!["check".into(), "--cluster".into(), "{}".into()],
        ),
    ];
    for (tool, args) in &readers {
        for (input, said) in [
            ("/dev/zero", "not a regular file"),
            (path_str(&fifo), "not a regular file"),
            (path_str(&huge), "larger than"),
        ] {
            let args: Vec<String> = args.iter().map(|a| a.replace("{}", input)).collect();
            let (code, text, took) = run(&bin, tool, &args);
            let what = format!("{tool} {}", args.join(" "));
            assert!(
                matches!(code, Some(1..=3)),
                "{what}: exit {code:?} (killed, timed out or succeeded):\n{text}"
            );
            assert!(text.contains(said), "{what}: {text}");
            assert!(took < Duration::from_secs(15), "{what}: {took:?}");
        }
    }
}

/// 200,000 nested lists: serde_yaml's scanner is quadratic in the
/// nesting, so this once took certs and kubetool minutes. Every reader of
/// YAML (and quorumcalc's of JSON) must refuse it at once, naming the
/// nesting.
#[test]
fn deep_nesting_is_refused_at_once_by_every_reader() {
    const DEPTH: usize = 200_000;
    const ANSWER_WITHIN: Duration = Duration::from_secs(1);
    let bin = testkit::built_tools();
    let t = tempfile::tempdir().unwrap();
    let nested = format!("masters: {}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let yaml = testkit::write(t.path(), "n.yaml", &nested);
    let json = testkit::write(
        t.path(),
        "n.json",
        &format!("{}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH)),
    );
    // kubetool reads the Hiera files of --dir: the cluster-wide one and a
    // master's.
    let hiera = t.path().join("hiera");
    std::fs::create_dir_all(&hiera).unwrap();
    std::fs::write(hiera.join("Debian.yaml"), &nested).unwrap();
    let member = t.path().join("member");
    std::fs::create_dir_all(&member).unwrap();
    std::fs::write(member.join("deadlock.yaml"), &nested).unwrap();
    let tree = t.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("Debian.yaml"), &nested).unwrap();
    let y = path_str(&yaml).to_owned();
    let kubetool = |dir: &Path| testkit::kubetool_settings("deadlock:192.0.2.75", dir);
    let a = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let readers: Vec<(&str, Vec<String>, &str)> = vec![
        ("certs", a(&["inspect", &y]), "nested more than"),
        ("certs", a(&["check", &y]), "nested more than"),
        ("certs", a(&["check", path_str(&tree)]), "nested more than"),
        ("certs", a(&["verify", "--ca", &y, &y]), "nested more than"),
        (
            "certs",
            a(&["sign", "--ca", &y, "--cn", "x", &y]),
            "nested more than",
        ),
        ("kubetool", kubetool(&hiera), "nested more than"),
        ("kubetool", kubetool(&member), "nested more than"),
        (
            "kubetool",
            a(&["--cluster", &y, "--dir", path_str(&hiera)]),
            "nested more than",
        ),
        ("ingressgen", a(&["routes", &y]), "nested more than"),
        (
            "vipcheck",
            a(&["render", "--master", "deadlock", &y]),
            "nested more than",
        ),
        (
            "quorumcalc",
            a(&["check", "--cluster", &y]),
            "nested more than",
        ),
        (
            "quorumcalc",
            a(&["status", path_str(&json)]),
            "recursion limit",
        ),
    ];
    for (tool, args, said) in &readers {
        let (code, text, took) = run(&bin, tool, args);
        let what = format!("{tool} {}", args.join(" "));
        assert!(
            matches!(code, Some(1..=3)),
            "{what}: exit {code:?}:\n{text}"
        );
        assert!(text.contains(said), "{what}: {text}");
        assert!(took < ANSWER_WITHIN, "{what}: took {took:?}");
    }
}

/// The largest cluster file read (32 MiB) filled with the smallest values
/// YAML allows: a block list of two million short services, a flow list
/// of tiny mappings, one mapping of two million keys. Each is refused by
/// its count of values, with the line, within 2 GB of address space, by
/// `ingressgen diff` (two files read at once) and by every other tool
/// that reads a cluster file; once, such a file aborted on a failed
/// allocation.
#[test]
fn the_fullest_cluster_file_is_refused_within_two_gigabytes() {
    const LIMIT_2GB: &str = "--as=2000000000";
    const MAX_BYTES: usize = 32 * 1024 * 1024;
    let bin = testkit::built_tools();
    let t = tempfile::tempdir().unwrap();
    let fill = |name: &str, head: &str, item: &dyn Fn(usize) -> String| {
        let mut text = String::from(head);
        for i in 0.. {
            let next = item(i);
            if text.len() + next.len() > MAX_BYTES {
                break;
            }
            text.push_str(&next);
        }
        testkit::write(t.path(), name, &text)
    };
    let masters = "masters: [{name: deadlock, ipv4: 192.0.2.75}]\n";
    let block = fill(
        "block.yaml",
        &format!("{masters}ingress:\n  services:\n"),
        &|i| format!("    - s{i:x}\n"),
    );
    let flow = fill("flow.yaml", &format!("{masters}x: [\n"), &|i| {
        format!("  {{n: {i:x}}},\n")
    });
    let keys = fill("keys.yaml", &format!("{masters}x:\n"), &|i| {
        format!("  k{i:x}: 1\n")
    });
    let d = path_str(t.path()).to_owned();
    let mut runs: Vec<(&str, Vec<String>)> = [&block, &flow, &keys]
        .iter()
        .map(|f| {
            (
                "ingressgen",
                vec!["diff".into(), path_str(f).into(), path_str(f).into()],
            )
        })
        .collect();
    let k = path_str(&keys).to_owned();
    runs.extend([
        (
            "kubetool",
            vec!["--cluster".into(), k.clone(), "--dir".into(), d],
        ),
        (
            "quorumcalc",
            vec!["check".into(), "--cluster".into(), k.clone()],
        ),
        (
            "vipcheck",
            vec!["render".into(), "--master".into(), "deadlock".into(), k],
        ),
    ]);
    for (tool, args) in &runs {
        let (code, text, _) = run_within(LIMIT_2GB, &bin, tool, args);
        let what = format!("{tool} {}", args.join(" "));
        assert!(
            matches!(code, Some(1..=3)),
            "{what}: exit {code:?} (killed, timed out or succeeded):\n{text}"
        );
        assert!(
            text.contains("values (scalars, lists and mappings)"),
            "{what}: {text}"
        );
    }
}
