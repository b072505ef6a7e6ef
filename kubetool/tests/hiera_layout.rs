//! kubetool's files laid out the way a site's hierarchy reads them, and
//! `kubetool shadowed` against real Puppet: on a tree laid out like the
//! reference site's (its common.yaml hand-keeping the member list above
//! kubetool's os/ and hosts/ files), `puppet lookup --explain` finds each
//! key where the check says the master gets it, before and after
//! add-member.

mod common;
use common::*;

/// The example cluster file.
const EXAMPLE: &str = "../examples/ocf/cluster.yaml";

/// The site's hiera.yaml: per-node data, then common.yaml, then
/// kubetool's files, host before OS.
const HIERA: &str = r#"version: 5
defaults:
  datadir: data
  data_hash: yaml_data
hierarchy:
  - name: "Per-node data"
    path: "nodes/%{trusted.certname}.yaml"
  - name: "Common data"
    path: "common.yaml"
  - name: "kubernetes hosts"
    path: "kubernetes/hosts/%{::hostname}.yaml"
  - name: "kubernetes os"
    path: "kubernetes/os/%{::osfamily}.yaml"
"#;

/// What the site's common.yaml keeps by hand: the three masters, as
/// kubetool writes them for the example.
const COMMON: &str = r#"---
kubernetes::etcd_initial_cluster: "deadlock=https://192.0.2.75:2380,autocrat=https://192.0.2.76:2380,coup=https://192.0.2.77:2380"
kubernetes::etcd_peers: ["192.0.2.75", "192.0.2.76", "192.0.2.77"]
kubernetes::api_server_count: 3
kubernetes::controller_address: "192.0.2.100:6443"
"#;

/// The keys looked up with real Puppet, per state.
const LOOKED_UP: [&str; 5] = [
    "kubernetes::etcd_initial_cluster",
    "kubernetes::etcd_peers",
    "kubernetes::api_server_count",
    "kubernetes::controller_address",
    "kubernetes::kubernetes_version",
];

fn split(c: &mut Command) -> &mut Command {
    c.args(["--hiera-layout", "split"])
}

/// `kubetool shadowed` as JSON: (exit status, findings).
fn shadowed(site: &Path) -> (i32, Vec<serde_json::Value>) {
    let out = split(&mut kubetool())
        .args(["shadowed", "--format", "json", "--hiera-config"])
        .arg(site.join("hiera.yaml"))
        .arg("--dir")
        .arg(site.join("data/kubernetes"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v.as_array().unwrap().clone())
}

/// `puppet lookup --explain KEY` for `node`: the file the value was found
/// in, and the value as Puppet prints it.
fn puppet_lookup(site: &Path, node: &str, key: &str) -> (PathBuf, String) {
    let facts = write(
        site,
        &format!("facts-{node}.yaml"),
        &format!(
            "hostname: {node}\ndomain: ocf.berkeley.edu\nfqdn: {node}.ocf.berkeley.edu\nclientcert: {node}\nosfamily: Debian\nos: {{family: Debian}}\n"
        ),
    );
    let out = testkit::puppet(&site.join("puppet"), "lookup")
        .args(["--hiera_config", path_str(&site.join("hiera.yaml"))])
        .args([
            "--node",
            node,
            "--facts",
            path_str(&facts),
            "--explain",
            key,
        ])
        .output()
        .expect("puppet is needed by this test; run .ci/test, which installs it");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let searched = text
        .split_once(&format!("Searching for \"{key}\""))
        .unwrap_or_else(|| panic!("{key}: {text}"))
        .1;
    let found = format!("Found key: \"{key}\" value: ");
    let (before, value) = searched
        .split_once(&found)
        .unwrap_or_else(|| panic!("puppet found no {key} for {node}: {text}"));
    let path = before
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Path \"")?.strip_suffix('"'))
        .next_back()
        .map(PathBuf::from)
        .expect("a path before the value");
    // The value as Puppet prints it (JSON-like, arrays over several lines).
    let v = serde_json::Deserializer::from_str(value)
        .into_iter::<serde_json::Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("{key}: {value}"));
    (path, v.to_string())
}

/// Each looked-up key, for `node`: Puppet finds it in the file the check
/// names (a finding's `by`), or else in kubetool's file or a file with
/// the same value as kubetool's.
fn puppet_agrees(site: &Path, node: &str, findings: &[serde_json::Value]) {
    let os = site.join("data/kubernetes/os/Debian.yaml");
    let ours: serde_yaml::Mapping =
        clikit::yaml::document(&std::fs::read_to_string(&os).unwrap()).unwrap();
    for key in LOOKED_UP {
        let (found_in, value) = puppet_lookup(site, node, key);
        let finding = findings
            .iter()
            .find(|f| f["node"] == node && f["key"] == key);
        match finding {
            Some(f) => {
                let by = PathBuf::from(f["by"].as_str().unwrap());
                assert_eq!(
                    found_in.canonicalize().unwrap(),
                    by.canonicalize().unwrap(),
                    "{node} {key}"
                );
                let theirs: serde_json::Value =
                    serde_json::from_str(f["theirs"].as_str().unwrap()).unwrap();
                let puppet: serde_json::Value = serde_json::from_str(&value).unwrap();
                assert_eq!(puppet, theirs, "{node} {key}");
            }
            None => {
                let puppet: serde_json::Value = serde_json::from_str(&value).unwrap();
                let mine = serde_json::to_value(&ours[key]).unwrap();
                assert_eq!(
                    puppet, mine,
                    "{node} {key}: not shadowed, so kubetool's value"
                );
            }
        }
    }
}

#[test]
fn the_split_layout_and_the_shadowing_check_agree_with_puppet_lookup() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path();
    write(site, "hiera.yaml", HIERA);
    write(site, "data/common.yaml", COMMON);
    let data = site.join("data/kubernetes");
    split(&mut kubetool())
        .args(["--cluster", EXAMPLE, "--dir"])
        .arg(&data)
        .assert()
        .success();
    for f in [
        "os/Debian.yaml",
        "hosts/deadlock.yaml",
        "hosts/autocrat.yaml",
        "hosts/coup.yaml",
    ] {
        assert!(data.join(f).is_file(), "{f}");
    }
    assert!(!data.join("Debian.yaml").exists(), "nothing flat");
    // common.yaml says what kubetool says: nothing shadowed.
    let (code, findings) = shadowed(site);
    assert_eq!((code, findings.len()), (0, 0), "{findings:?}");
    puppet_agrees(site, "deadlock", &findings);

    // A fourth master: kubetool's member list grows, common.yaml's does
    // not, and the masters would still be told of three members.
    split(&mut kubetool())
        .args(["add-member", "fallingrocks:192.0.2.78", "--dir"])
        .arg(&data)
        .assert()
        .success();
    assert!(data.join("hosts/fallingrocks.yaml").is_file());
    let (code, findings) = shadowed(site);
    assert_eq!(code, 1, "{findings:?}");
    let keys: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        [
            "kubernetes::api_server_count",
            "kubernetes::etcd_initial_cluster",
            "kubernetes::etcd_peers"
        ]
    );
    for node in ["deadlock", "fallingrocks"] {
        assert_eq!(
            findings.iter().filter(|f| f["node"] == node).count(),
            3,
            "{node}"
        );
        puppet_agrees(site, node, &findings);
    }
    // The hand-kept keys gone from common.yaml: nothing shadowed again.
    write(site, "data/common.yaml", "---\nocf::other: 1\n");
    assert_eq!(shadowed(site).0, 0);
}

/// A site whose cluster file says where the files are (split, by FQDN)
/// gives a change the same file: `renew --cluster` and `shadowed
/// --cluster` find the files, as Puppet's exec runs them, and take
/// nothing else from it (a version changed in the file is not written by
/// a renewal).
#[test]
fn a_change_finds_the_files_where_the_cluster_file_says() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path();
    let data = site.join("data/kubernetes");
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let placed = "kubernetes:\n  hiera_layout: split\n  hiera_host_domain: ocf.berkeley.edu\n";
    let cluster = write(
        site,
        "cluster.yaml",
        &text.replacen("kubernetes:\n", placed, 1),
    );
    // kubetool ARGS, then --cluster (unless `bare`) and --dir.
    let run = |args: &[&std::ffi::OsStr], bare: bool| {
        let mut c = kubetool();
        c.args(args);
        if !bare {
            c.arg("--cluster").arg(&cluster);
        }
        c.arg("--dir").arg(&data).output().unwrap()
    };
    let out = run(&[], false);
    assert!(out.status.success(), "{}", testkit::text(&out));
    let host = data.join("hosts/deadlock.ocf.berkeley.edu.yaml");
    let os = data.join("os/Debian.yaml");
    let before = (hiera(&host), hiera(&os));
    let newer = std::fs::read_to_string(&cluster).unwrap().replacen(
        "version: 1.30.2\n",
        "version: 1.31.0\n",
        1,
    );
    write(site, "cluster.yaml", &newer);
    let renew = [std::ffi::OsStr::new("renew")];
    let out = run(&renew, true);
    assert_eq!(out.status.code(), Some(1), "{}", testkit::text(&out));
    assert!(
        testkit::text(&out).contains("or --cluster"),
        "{}",
        testkit::text(&out)
    );
    let out = run(&renew, false);
    assert!(out.status.success(), "{}", testkit::text(&out));
    let after = (hiera(&host), hiera(&os));
    let key = "kubernetes::etcdserver_crt";
    assert_ne!(before.0[key], after.0[key], "the leaf is reissued");
    let version = "kubernetes::kubernetes_version";
    assert_eq!(
        before.1[version], after.1[version],
        "only placement is taken"
    );
    let by_fqdn = HIERA.replace("%{::hostname}", "%{trusted.certname}");
    let config = write(site, "hiera.yaml", &by_fqdn);
    let shadowed = [
        "shadowed".as_ref(),
        "--hiera-config".as_ref(),
        config.as_os_str(),
    ];
    let out = run(&shadowed, false);
    assert!(out.status.success(), "{}", testkit::text(&out));
}

#[test]
fn fqdn_host_files_and_what_the_check_cannot_follow() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path();
    let data = site.join("data/kubernetes");
    split(&mut kubetool())
        .args([
            "--cluster",
            EXAMPLE,
            "--hiera-host-domain",
            "ocf.berkeley.edu",
            "--dir",
        ])
        .arg(&data)
        .assert()
        .success();
    assert!(data.join("hosts/deadlock.ocf.berkeley.edu.yaml").is_file());
    // A renewal (cron, Puppet) need not say split: it is found. With the
    // wrong naming it writes nothing and says which flag was missed.
    kubetool()
        .args(["renew", "--hiera-host-domain", "ocf.berkeley.edu", "--dir"])
        .arg(&data)
        .assert()
        .success();
    let out = kubetool()
        .args(["renew", "--dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("give the --hiera-host-domain"), "{err}");
    assert!(
        !data.join("hosts/deadlock.yaml").exists(),
        "nothing written"
    );
    let run = |hiera: &str| {
        write(site, "hiera.yaml", hiera);
        split(&mut kubetool())
            .args([
                "shadowed",
                "--hiera-host-domain",
                "ocf.berkeley.edu",
                "--hiera-config",
            ])
            .arg(site.join("hiera.yaml"))
            .arg("--dir")
            .arg(&data)
            .output()
            .unwrap()
    };
    // Host files by FQDN, read by a level on the certname.
    let by_fqdn = HIERA.replace("%{::hostname}", "%{trusted.certname}");
    assert_eq!(run(&by_fqdn).status.code(), Some(0));
    // By short name, no level reads them: each master's file is named.
    let out = run(HIERA);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("deadlock: hosts/deadlock.ocf.berkeley.edu.yaml is read by no level"),
        "{text}"
    );
    // What it cannot follow is an error (2), never "none shadowed".
    for (hiera, why) in [
        ("version: 3\n", "not a Hiera 5 config"),
        (
            &HIERA.replace("%{::hostname}", "%{facts.role}"),
            "--fact role=VALUE",
        ),
        (
            &format!("{HIERA}  - name: vault\n    path: x\n    lookup_key: vault_lookup\n"),
            "backend vault_lookup",
        ),
    ] {
        let out = run(hiera);
        assert_eq!(out.status.code(), Some(2), "{hiera}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{err}");
    }
    // A level's file that cannot be read.
    write(site, "data/common.yaml", "a: [unclosed\n");
    let out = run(HIERA);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("common.yaml"));
}
