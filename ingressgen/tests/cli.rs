//! The `ingressgen` binary against real components: every rendered config
//! passes `haproxy -c`, and the manifests pass `kubernetes-validate
//! --strict`. Needs no root: a real HAProxy routing real requests, on
//! addresses the test adds, is tests/routing.rs. (Puppet applies the
//! example manifest in testkit/tests/puppet_examples.rs.)
//!
//! haproxy, curl, openssl and the kubernetes-validate venv are
//! installed by the test command (`.ci/test`); a missing one fails these
//! tests, it never skips them.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use testkit::{path_str, write};

#[path = "support/common.rs"]
mod common;
use common::*;

/// The example with a dev host and explicit Kubernetes names for pma.
fn with_explicit_pma(text: &str) -> String {
    text.replace(
        "    - name: pma\n",
        "    - name: pma\n      dev: true\n      service: phpmyadmin\n      port: 8080\n      namespace: tools\n",
    )
}

mod golden {
    use super::*;

    /// Compares with `tests/expected/NAME`, or rewrites it with
    /// UPDATE_GOLDEN=1.
    fn golden(name: &str, actual: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/expected")
            .join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
            return;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run UPDATE_GOLDEN=1 cargo test -p ingressgen",
                path.display()
            )
        });
        assert!(
            want == actual,
            "{name} differs from the golden file; if the change is meant, run UPDATE_GOLDEN=1 cargo test -p ingressgen and review the diff"
        );
    }

    #[test]
    fn the_bundled_example_renders_as_committed() {
        let ex = example();
        golden(
            "ocf/haproxy.cfg",
            &stdout_of(ingressgen().arg("haproxy").arg(&ex)),
        );
        golden(
            "ocf/ingress.yaml",
            &stdout_of(ingressgen().arg("ingress").arg(&ex)),
        );
        golden(
            "ocf/expose.yaml",
            &stdout_of(ingressgen().arg("expose").arg(&ex)),
        );
        golden(
            "ocf/routes.txt",
            &stdout_of(ingressgen().arg("routes").arg(&ex)),
        );
        let t = tempfile::tempdir().unwrap();
        ingressgen()
            .args(["haproxy", "--out", path_str(&t.path().join("haproxy.cfg"))])
            .arg(&ex)
            .assert()
            .success();
        for kind in ingressgen::haproxy::KINDS {
            let text = std::fs::read_to_string(t.path().join(format!("haproxy.{kind}"))).unwrap();
            golden(&format!("ocf/haproxy.{kind}"), &text);
        }
    }

    #[test]
    fn the_example_has_the_sites_lists() {
        let file = clusterfile::parse(&example_text()).unwrap();
        let site = ingressgen::site::Site::try_from(file).unwrap();
        assert_eq!(site.services.len(), 34);
        let aliases: Vec<_> = site.services.iter().flat_map(|s| &s.aliases).collect();
        assert_eq!(aliases, ["phpmyadmin", "sg"]);
        assert_eq!(site.internal_services.len(), 4);
        assert_eq!(site.routed_suffixes, ["code", "dev-kubernetes", "new"]);
        assert_eq!(site.workers.len(), 2);
    }

    #[test]
    fn output_does_not_depend_on_the_order_of_the_file_or_where_it_came_from() {
        let text = example_text();
        // The same services, workers and aliases in reverse order.
        let mut lines: Vec<&str> = text.lines().collect();
        let start = lines.iter().position(|l| l.trim() == "services:").unwrap() + 1;
        let end = lines
            .iter()
            .position(|l| l.contains("# Plain HTTP on :4080"))
            .unwrap();
        let mut entries: Vec<Vec<&str>> = Vec::new();
        for l in &lines[start..end] {
            if l.trim_start().starts_with("- ") {
                entries.push(vec![l]);
            } else {
                entries.last_mut().unwrap().push(l);
            }
        }
        entries.reverse();
        let flat: Vec<&str> = entries.concat();
        lines.splice(start..end, flat);
        let reordered = lines.join("\n").replace(
            "  - name: riptide\n    ipv4: 192.0.2.81\n  - name: bedbugs\n    ipv4: 192.0.2.82",
            "  - name: bedbugs\n    ipv4: 192.0.2.82\n  - name: riptide\n    ipv4: 192.0.2.81",
        );
        assert_ne!(reordered, text);
        for sub in ["haproxy", "ingress", "expose", "routes"] {
            let from_file = stdout_of(ingressgen().arg(sub).arg(example()));
            let from_stdin =
                stdout_of(ingressgen().args([sub, "-"]).write_stdin(reordered.clone()));
            assert_eq!(from_file, from_stdin, "{sub}");
        }
    }
}

mod files {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn out_writes_once_and_check_tells_puppet_whether_to() {
        let t = tempfile::tempdir().unwrap();
        let cfg = t.path().join("lb/haproxy.cfg");
        let check = || {
            ingressgen()
                .args(["haproxy", "--check", path_str(&cfg)])
                .arg(example())
                .output()
                .unwrap()
        };
        let before = check();
        assert_eq!(before.status.code(), Some(1), "nothing written yet");
        assert!(String::from_utf8_lossy(&before.stdout).contains("missing"));
        let out = stdout_of(
            ingressgen()
                .args(["haproxy", "--out", path_str(&cfg)])
                .arg(example()),
        );
        assert_eq!(out.matches("created").count(), 6, "{out}");
        assert_eq!(check().status.code(), Some(0));
        let meta = std::fs::metadata(&cfg).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o644);
        let config = std::fs::read_to_string(&cfg).unwrap();
        let hosts = t.path().join("lb/haproxy.hosts.lst");
        assert!(
            config.contains(&format!("-f {}", hosts.display())),
            "{config}"
        );
        // A second run changes nothing, not even the modification time.
        let mtime = meta.modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let again = stdout_of(
            ingressgen()
                .args(["--format", "json", "haproxy", "--out", path_str(&cfg)])
                .arg(example()),
        );
        let report: serde_json::Value = serde_json::from_str(&again).unwrap();
        assert!(
            report
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["action"] == "unchanged")
        );
        assert_eq!(std::fs::metadata(&cfg).unwrap().modified().unwrap(), mtime);
        // A changed host list alone makes --check ask for a run.
        std::fs::write(&hosts, "templates.ocf.berkeley.edu\n").unwrap();
        let c = check();
        assert_eq!(c.status.code(), Some(1));
        let report = String::from_utf8_lossy(&c.stdout).into_owned();
        let row = format!("differs {}", hosts.display());
        assert!(
            report
                .lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == row),
            "{report}"
        );
    }

    #[test]
    fn ingress_and_expose_write_and_check_one_file() {
        let t = tempfile::tempdir().unwrap();
        for sub in ["ingress", "expose"] {
            let f = t.path().join(format!("{sub}.yaml"));
            ingressgen()
                .args([sub, "--out", path_str(&f)])
                .arg(example())
                .assert()
                .success();
            let want = stdout_of(ingressgen().arg(sub).arg(example()));
            assert_eq!(std::fs::read_to_string(&f).unwrap(), want);
            ingressgen()
                .args([sub, "--check", path_str(&f)])
                .arg(example())
                .assert()
                .code(0);
            std::fs::write(&f, "stale").unwrap();
            ingressgen()
                .args([sub, "--check", path_str(&f)])
                .arg(example())
                .assert()
                .code(1);
        }
        // A directory where the file should be cannot be compared: an
        // error (2), not "change needed".
        let out = ingressgen()
            .args(["expose", "--check", path_str(t.path())])
            .arg(example())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read it"));
        ingressgen()
            .args(["ingress", "--out", "a", "--check", "b"])
            .arg(example())
            .assert()
            .code(2);
    }

    #[test]
    fn bad_input_is_refused_with_its_field_and_nothing_is_written() {
        let t = tempfile::tempdir().unwrap();
        let text = example_text();
        // The example with its `templates` line replaced.
        let templates_as = |line: &str| text.replace("    - templates\n", line);
        let cases: Vec<(&str, String, &str)> = vec![
            (
                "duplicate service",
                templates_as("    - templates\n    - templates\n"),
                "ingress.services[33]: \"templates\" is already used by ingress.services[32]",
            ),
            (
                "space",
                templates_as("    - \"temp lates\"\n"),
                "ingress.services[32]: \"temp lates\" has ' '",
            ),
            (
                "newline",
                templates_as("    - \"templates\\n    bind :1\"\n"),
                "ingress.services[32]: \"templates\\n    bind :1\" has '\\n'",
            ),
            (
                "hash",
                templates_as("    - \"templates#x\"\n"),
                "has '#'",
            ),
            (
                "brace",
                templates_as("    - \"temp{lates\"\n"),
                "ingress.services[32]: \"temp{lates\" has '{'",
            ),
            (
                "alias equal to a service",
                text.replace("aliases: [sg]", "aliases: [templates]"),
                "ingress.services[29].aliases[0]: \"templates\" is already used by ingress.services[32]",
            ),
            (
                "a service named like another's dev host",
                templates_as("    - {name: templates, dev: true}\n    - templates.dev-kubernetes\n"),
                "\"templates.dev-kubernetes\" is already used by ingress.services[",
            ),
            (
                "worker on loopback",
                text.replace("ipv4: 192.0.2.81", "ipv4: 127.0.0.81"),
                "workers[0].ipv4: 127.0.0.81 is a loopback address",
            ),
            (
                "worker on a broadcast address",
                text.replace("ipv4: 192.0.2.81", "ipv4: 255.255.255.255"),
                "workers[0].ipv4: 255.255.255.255 cannot be a host's address",
            ),
            (
                "worker on multicast",
                text.replace("ipv4: 192.0.2.81", "ipv4: 224.0.0.18"),
                "cannot be a host's address",
            ),
            (
                "tls bundle a directory",
                text.replace("tls_bundle: /etc/ssl/private/lb.pem", "tls_bundle: /"),
                "ingress.tls_bundle: \"/\" is not the path of a file",
            ),
            (
                "port out of range",
                text.replace("    - name: pma\n", "    - name: pma\n      port: 65536\n"),
                "ingress.services[25].port: 65536 is out of range; a port is 1-65535",
            ),
            (
                "node port out of range",
                text.replace("node_port: 31234", "node_port: 443"),
                "ingress.node_port: 443 is out of range",
            ),
            (
                "empty worker list",
                text.replace(
                    "  - name: riptide\n    ipv4: 192.0.2.81\n  - name: bedbugs\n    ipv4: 192.0.2.82\n",
                    "  []\n",
                ),
                "workers: is missing or empty",
            ),
            (
                "unknown field",
                text.replace("  node_port: 31234", "  nodeport: 31234"),
                "ingress.nodeport: unknown field",
            ),
            ("not YAML", "ingress: [\n".to_owned(), "bad.yaml:2: not valid YAML"),
        ];
        for (what, input, want) in cases {
            let file = write(t.path(), "bad.yaml", &input);
            let cfg = t.path().join("out/haproxy.cfg");
            for sub in ["haproxy", "ingress", "expose", "routes"] {
                let mut c = ingressgen();
                c.arg(sub);
                if sub != "routes" {
                    c.args(["--out", path_str(&cfg)]);
                }
                let out = c.arg(&file).output().unwrap();
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(1), "{what} ({sub}): {err}");
                assert!(out.stdout.is_empty(), "{what} ({sub})");
                assert!(
                    err.starts_with(&format!("ingressgen: error: {}:", file.display()))
                        && err.contains(want)
                        && err.lines().count() == 1,
                    "{what} ({sub}): {err}"
                );
            }
            assert!(
                !t.path().join("out").exists(),
                "{what}: something was written"
            );
        }
        // With --check the same input is an error (2), not "change needed".
        let file = write(t.path(), "bad.yaml", &templates_as("    - \"a b\"\n"));
        ingressgen()
            .args(["haproxy", "--check", path_str(&t.path().join("x.cfg"))])
            .arg(&file)
            .assert()
            .code(2);
    }

    #[test]
    fn a_failed_write_leaves_the_old_files() {
        let t = tempfile::tempdir().unwrap();
        let cfg = t.path().join("haproxy.cfg");
        std::fs::write(&cfg, "old\n").unwrap();
        // A directory where a host list must go makes the write fail.
        std::fs::create_dir(t.path().join("haproxy.redirects.map")).unwrap();
        let out = ingressgen()
            .args(["haproxy", "--out", path_str(&cfg)])
            .arg(example())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("haproxy.redirects.map exists and is not a regular file")
        );
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "old\n");
        let mut left: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["haproxy.cfg", "haproxy.redirects.map"]);
    }

    #[test]
    fn usage_errors_exit_2() {
        ingressgen().assert().code(2);
        ingressgen().args(["haproxy"]).assert().code(2);
        ingressgen().args(["bogus"]).assert().code(2);
        ingressgen()
            .args(["haproxy", "--node", "a b"])
            .arg(example())
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--node: \"a b\" has ' '"));
        ingressgen()
            .args(["haproxy", "--out", "/tmp/x y/haproxy.cfg"])
            .arg(example())
            .assert()
            .code(2)
            .stderr(predicates::str::contains("cannot name safely"));
        ingressgen()
            .args(["routes", "/nonexistent.yaml"])
            .assert()
            .code(1)
            .stderr(predicates::str::contains(
                "ingressgen: error: /nonexistent.yaml: cannot read it",
            ));
    }
}

mod diff {
    use super::*;

    #[test]
    fn a_reviewer_sees_hosts_added_removed_and_rerouted() {
        let t = tempfile::tempdir().unwrap();
        let new = example_text()
            .replace("    - templates\n", "    - templates\n    - zulip\n")
            .replace("    - rt\n", "")
            .replace("aliases: [phpmyadmin]", "aliases: [phpmyadmin, mysql]")
            .replace("    - static\n", "    - name: static\n      port: 8080\n")
            .replace("  - name: bedbugs\n    ipv4: 192.0.2.82\n", "");
        let new = write(t.path(), "new.yaml", &new);
        let out = ingressgen()
            .arg("diff")
            .arg(example())
            .arg(&new)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        let rows: Vec<Vec<&str>> = text
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        let has = |want: &[&str]| rows.iter().any(|r| r == want);
        assert!(
            has(&[
                "added",
                "https",
                "zulip.ocf.berkeley.edu",
                "-",
                "route",
                "app-zulip/zulip-service:80"
            ]),
            "{text}"
        );
        assert!(
            has(&[
                "removed",
                "https",
                "rt.ocf.berkeley.edu",
                "route",
                "app-rt/rt-service:80",
                "-"
            ]),
            "{text}"
        );
        assert!(
            has(&[
                "added",
                "https",
                "mysql.ocf.berkeley.edu",
                "-",
                "redirect",
                "pma.ocf.berkeley.edu"
            ]),
            "{text}"
        );
        assert!(
            has(&[
                "added",
                "https",
                "mysql.ocf.io",
                "-",
                "redirect",
                "pma.ocf.berkeley.edu"
            ]),
            "{text}"
        );
        assert!(
            has(&[
                "changed",
                "https",
                "static.ocf.berkeley.edu",
                "route",
                "app-static/static-service:80",
                "route",
                "app-static/static-service:8080"
            ]),
            "{text}"
        );
        assert!(
            has(&[
                "removed",
                "backend",
                "bedbugs",
                "server",
                "192.0.2.82:31234",
                "-"
            ]),
            "{text}"
        );
        assert!(text.ends_with("3 added, 2 removed, 1 changed\n"), "{text}");
        let json = stdout_of_code(
            ingressgen()
                .args(["--format", "json", "diff"])
                .arg(example())
                .arg(&new),
            1,
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 6);
        assert_eq!(v[0]["change"], "added");
        // The same file, reordered or not, is no difference.
        let same = ingressgen()
            .arg("diff")
            .arg(example())
            .arg(example())
            .output()
            .unwrap();
        assert_eq!(same.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&same.stdout), "no differences\n");
        // Bad input is an error (2), not a difference.
        let bad = write(t.path(), "bad.yaml", "ingress: 1\n");
        ingressgen()
            .arg("diff")
            .arg(example())
            .arg(&bad)
            .assert()
            .code(2);
    }

    fn stdout_of_code(c: &mut Command, code: i32) -> String {
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(code));
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn routes_say_where_each_host_goes() {
        let json = stdout_of(
            ingressgen()
                .args(["--format", "json", "routes"])
                .arg(example()),
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let find = |key: &str| {
            v.as_array()
                .unwrap()
                .iter()
                .find(|e| e["key"] == key)
                .unwrap_or_else(|| panic!("no {key}"))
                .clone()
        };
        assert_eq!(
            find("slidingsync.matrix.ocf.berkeley.edu")["target"],
            "app-slidingsync-matrix/slidingsync-matrix-service:80"
        );
        assert_eq!(
            find("sg.ocf.berkeley.edu")["target"],
            "sourcegraph.ocf.berkeley.edu"
        );
        assert_eq!(find("www.ocf.berkeley.edu")["scope"], "internal");
        assert_eq!(find("*.ocf.io")["target"], "*.ocf.berkeley.edu");
        assert_eq!(find("riptide")["target"], "192.0.2.81:31234");
    }
}

mod haproxy_check {
    use super::*;

    /// The example with the bundle path pointing at a real bundle, and the
    /// API's CA at its certificate.
    fn with_bundle(dir: &Path, text: &str) -> PathBuf {
        let (bundle, cert) = tls_bundle(dir);
        write(
            dir,
            "cluster.yaml",
            &text
                .replace("/etc/ssl/private/lb.pem", path_str(&bundle))
                .replace("/etc/kubernetes/pki/ca.crt", path_str(&cert)),
        )
    }

    #[test]
    fn every_rendered_config_passes_haproxy_check() {
        let t = tempfile::tempdir().unwrap();
        let base = example_text();
        let variants = [
            ("example", base.clone()),
            // No alternate domain, no suffixes, no internal services.
            (
                "minimal",
                "masters: [{name: m1, ipv4: 10.0.0.2}]\nworkers: [{name: w1, ipv4: 10.0.0.1}]\ningress:\n  domain: example.org\n  tls_bundle: /etc/ssl/private/lb.pem\n  services: [app]\n".into(),
            ),
            // Two alternate domains, IPv6 monitor, one bind address, named node.
            (
                "options",
                base.replace("alternate_domains: [ocf.io]", "alternate_domains: [ocf.io, ocf.dev]")
                    .replace(
                        "  internal_suffixes: [dev-kubernetes]\n",
                        "  internal_suffixes: [dev-kubernetes]\n  haproxy:\n    bind: [192.0.2.100]\n    monitor: \"[::1]:9000\"\n    monitor_path: /up\n    maxconn: 20000\n",
                    ),
            ),
            // The Gateway's data plane as the router: its NodePort, checked
            // on its readiness port.
            (
                "gateway",
                base.replace("controller: ingress-nginx", "controller: gateway-api"),
            ),
            // The kubeadm guide's split: the API on 8443, kube-apiserver on
            // every address, no IPv6 VIP.
            (
                "api-split",
                base.replace("  port: 6443\n", "  port: 8443\n")
                    .replace("apiserver_bind: node", "apiserver_bind: all")
                    .replace("  ipv6: 2001:db8::100/64\n", ""),
            ),
        ];
        for (name, text) in variants {
            let dir = t.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            let file = with_bundle(&dir, &text);
            let cfg = dir.join("haproxy.cfg");
            render_checked(&file, &cfg, &["--node", "deadlock"]);
        }
        // The 50,000-service shape too (generated, as in the benchmark).
        let dir = t.path().join("large");
        std::fs::create_dir(&dir).unwrap();
        let mut text = base.clone();
        let extra: String = (0..50_000).map(|i| format!("    - svc{i}\n")).collect();
        text = text.replace("    - templates\n", &format!("    - templates\n{extra}"));
        let file = with_bundle(&dir, &text);
        let cfg = dir.join("haproxy.cfg");
        render_checked(&file, &cfg, &[]);
        let hosts = std::fs::read_to_string(dir.join("haproxy.hosts.lst")).unwrap();
        assert_eq!(
            hosts.lines().filter(|l| !l.starts_with('#')).count(),
            50_034
        );
    }
}

/// Gateway API mode: the same routing, rendered for a maintained router.
mod gateway {
    use super::*;
    use std::collections::BTreeMap;

    /// host -> namespace/service:port, as the router reads the objects
    /// (HTTPRoutes only where they attach to the Gateway).
    fn backends(yaml: &str) -> BTreeMap<String, String> {
        let docs = clikit::yaml::documents(yaml).unwrap();
        let ingress = ingressgen::objects::ingress_routes(&docs).unwrap();
        let gateway = ingressgen::objects::gateway_routes(&docs).unwrap();
        ingress
            .into_iter()
            .chain(gateway)
            .map(|(host, b)| (host, b.to_string()))
            .collect()
    }

    /// One routing model, two renderings: for every host of the example
    /// (dev hosts, explicit names and internal services included), the
    /// Ingress objects and the HTTPRoutes name the same Service, port and
    /// namespace, and each is the one `routes` shows for that host.
    #[test]
    fn ingresses_and_http_routes_send_every_host_to_the_same_backend() {
        let t = tempfile::tempdir().unwrap();
        let file = write(
            t.path(),
            "cluster.yaml",
            &with_explicit_pma(&example_text()),
        );
        let ingress = stdout_of(ingressgen().arg("ingress").arg(&file));
        let routes = stdout_of(
            ingressgen()
                .args(["ingress", "--controller", "gateway-api"])
                .arg(&file),
        );
        let (a, b) = (backends(&ingress), backends(&routes));
        assert_eq!(a.len(), 41, "{a:?}");
        assert_eq!(a, b);
        let table = stdout_of(ingressgen().args(["--format", "json", "routes"]).arg(&file));
        let table: Vec<serde_json::Value> = serde_json::from_str(&table).unwrap();
        let mut routed = 0;
        for row in table
            .iter()
            .filter(|r| r["action"] == "route" && r["target"] != "ingress")
        {
            let host = row["key"].as_str().unwrap();
            assert_eq!(
                Some(row["target"].as_str().unwrap()),
                a.get(host).map(String::as_str),
                "{host}"
            );
            routed += 1;
        }
        assert_eq!(
            routed, 39,
            "every service and dev host, not the aliases (redirected)"
        );
    }

    /// Switching HAProxy is one change of `controller`: its servers move to
    /// the Gateway's NodePort and are checked on its readiness port; the
    /// hosts and everything else stay as they were.
    #[test]
    fn the_switch_moves_only_the_backend() {
        let t = tempfile::tempdir().unwrap();
        let old = write(t.path(), "old.yaml", &example_text());
        let new = write(
            t.path(),
            "new.yaml",
            &example_text().replace("controller: ingress-nginx", "controller: gateway-api"),
        );
        let cfg = stdout_of(ingressgen().arg("haproxy").arg(&new));
        // Its comments name the router it sends to, and no other.
        for wanted in [
            "    server riptide 192.0.2.81:31235\n",
            "http-check send meth GET uri /ready\n",
            "default-server check port 31236 inter",
            "to the Gateway's data plane (envoy-gateway) on every worker.",
        ] {
            assert!(cfg.contains(wanted), "{wanted}: {cfg}");
        }
        assert!(!cfg.contains("ingress-nginx"), "{cfg}");
        let out = ingressgen()
            .arg("diff")
            .arg(&old)
            .arg(&new)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        let changed: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("changed "))
            .filter_map(|l| l.split_whitespace().nth(2))
            .collect();
        assert_eq!(
            changed,
            ["bedbugs", "health-check", "riptide", "controller"],
            "{text}"
        );
    }

    #[test]
    fn gateway_mode_needs_the_gateway_section() {
        let t = tempfile::tempdir().unwrap();
        let text = example_text().replace("  gateway:\n    implementation: envoy-gateway\n", "");
        let file = write(t.path(), "cluster.yaml", &text);
        for sub in ["ingress", "expose"] {
            ingressgen()
                .args([sub, "--controller", "gateway-api"])
                .arg(&file)
                .assert()
                .code(2)
                .stderr(predicates::str::contains("has no ingress.gateway section"));
        }
        let file = write(
            t.path(),
            "switched.yaml",
            &text.replace("controller: ingress-nginx", "controller: gateway-api"),
        );
        ingressgen()
            .arg("routes")
            .arg(&file)
            .assert()
            .code(1)
            .stderr(predicates::str::contains(
                "ingress.gateway: controller: gateway-api needs the gateway section",
            ));
    }
}

mod schemas {
    use super::*;

    /// kubernetes-validate from the venv `.ci/test` makes (or $KUBERNETES_VALIDATE).
    fn validator() -> PathBuf {
        let p = std::env::var_os("KUBERNETES_VALIDATE")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target/ci-venv/bin/kubernetes-validate"));
        assert!(
            p.exists(),
            "{} is needed by this test; run .ci/test, which installs kubernetes-validate from PyPI in a venv",
            p.display()
        );
        p
    }

    fn validate(file: &Path) -> (bool, String) {
        verdict(
            StdCommand::new(validator())
                .args(["--strict", "--kubernetes-version", "1.30.0"])
                .arg(file),
        )
    }

    /// `ingress` and `expose` of `file`, written in `dir`.
    fn rendered(dir: &Path, file: &Path) -> (PathBuf, PathBuf) {
        let (ingress, expose) = (dir.join("ingress.yaml"), dir.join("expose.yaml"));
        for (sub, out) in [("ingress", &ingress), ("expose", &expose)] {
            ingressgen()
                .args([sub, "--out", path_str(out)])
                .arg(file)
                .assert()
                .success();
        }
        (ingress, expose)
    }

    /// Whether a validator passed, and all it said.
    fn verdict(c: &mut StdCommand) -> (bool, String) {
        let out = c.output().expect("the validator runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    #[test]
    fn manifests_pass_strict_schema_validation() {
        let t = tempfile::tempdir().unwrap();
        let file = write(
            t.path(),
            "cluster.yaml",
            &with_explicit_pma(&example_text()),
        );
        let (ingress, expose) = rendered(t.path(), &file);
        for f in [&ingress, &expose] {
            let (ok, text) = validate(f);
            assert!(ok, "{}: {text}", f.display());
        }
        let (_, report) = validate(&ingress);
        assert_eq!(
            report.matches("passed for resource ingress/").count(),
            38,
            "{report}"
        );
        let (_, report) = validate(&expose);
        assert!(
            report.contains("passed for resource service/ingress-nginx"),
            "{report}"
        );
        assert!(
            report.contains("passed for resource configmap/ingress-nginx-controller"),
            "{report}"
        );
        // The validator is strict for real: an unknown field fails it.
        let broken = write(
            t.path(),
            "broken.yaml",
            &std::fs::read_to_string(&ingress).unwrap().replacen(
                "pathType: Prefix",
                "pathType: Prefix\n        weight: 1",
                1,
            ),
        );
        let (ok, text) = validate(&broken);
        assert!(!ok, "an unknown field passed: {text}");
    }

    /// The Gateway API CRDs' schemas, run by node (`.ci/test` installs the
    /// pinned npm packages beside the script).
    fn validate_gateway_api(file: &Path) -> (bool, String) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/gateway-api");
        assert!(
            dir.join("node_modules/@kubernetes-models/gateway-api")
                .is_dir(),
            "{} has no node_modules; run .ci/test, which installs them with npm ci",
            dir.display()
        );
        // node is on PATH: .ci/test installs it where the image has none.
        verdict(
            StdCommand::new("node")
                .arg(dir.join("validate.mjs"))
                .arg(file),
        )
    }

    /// Gateway API mode: the Gateway and every HTTPRoute pass the CRDs'
    /// schemas, the data plane's NodePort Service passes Kubernetes' own,
    /// and a value the schema forbids fails (the check is real).
    #[test]
    fn gateway_api_objects_pass_the_crd_schemas() {
        let t = tempfile::tempdir().unwrap();
        let text = with_explicit_pma(&example_text())
            .replace("controller: ingress-nginx", "controller: gateway-api");
        for implementation in ["envoy-gateway", "contour"] {
            let text = text.replace(
                "implementation: envoy-gateway",
                &format!("implementation: {implementation}"),
            );
            let file = write(t.path(), "cluster.yaml", &text);
            let (objects, expose) = rendered(t.path(), &file);
            let (ok, report) = validate_gateway_api(&objects);
            assert!(ok, "{implementation}: {report}");
            assert!(report.ends_with("39 passed, 0 failed\n"), "{report}");
            assert!(report.contains("passed HTTPRoute/tools/pma\n"), "{report}");
            let (ok, report) = validate(&expose);
            assert!(ok, "{implementation}: {report}");
            assert!(
                report.contains("passed for resource service/ingressgen-nodeport"),
                "{report}"
            );
        }
        let objects = std::fs::read_to_string(t.path().join("ingress.yaml")).unwrap();
        for (from, to) in [
            ("    port: 80\n", "    port: 0\n"),
            ("    sectionName: http\n", "    sectionName: Http_1\n"),
            ("  - api.ocf.berkeley.edu\n", "  - api..ocf.berkeley.edu\n"),
        ] {
            assert!(objects.contains(from), "{from}");
            let broken = write(t.path(), "broken.yaml", &objects.replacen(from, to, 1));
            let (ok, report) = validate_gateway_api(&broken);
            assert!(!ok && report.contains("1 failed"), "{to}: {report}");
        }
    }
}
