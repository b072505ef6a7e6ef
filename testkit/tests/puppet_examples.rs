//! Every manifest under examples/puppet/ applied with real `puppet apply`
//! (Debian 12's Puppet 7, every directory of its own): the first run
//! converges, the second changes nothing (`--detailed-exitcodes` 0), files
//! come before the execs that read them, a config change reloads (never
//! restarts), and certnames may be short or fully qualified. What would
//! touch the machine's real services (the package, systemd, kubectl) is
//! replaced through the classes' parameters; the manifests are used as
//! committed.

use std::path::{Path, PathBuf};
use testkit::{path_str, write};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The committed manifest `name`, after profile::kubetoolkit (which every
/// profile includes).
fn manifests(name: &str) -> String {
    let read = |f: &str| std::fs::read_to_string(root().join("examples/puppet").join(f)).unwrap();
    format!("{}\n{}\n", read("kubetoolkit.pp"), read(name))
}

/// profile::kubetoolkit without the package: the one cluster file at
/// `server`, and its copy at `file` (none when `None`).
fn toolkit(server: &Path, file: Option<&Path>) -> String {
    let place = match file {
        Some(f) => format!("  cluster_file => '{}',\n", path_str(f)),
        None => "  place_cluster_file => false,\n".to_owned(),
    };
    format!(
        "class {{ 'profile::kubetoolkit':\n  manage_package => false,\n  server_cluster_file => '{}',\n{place}}}\n",
        path_str(server)
    )
}

/// The bundled example cluster file, as the Puppet server's one copy
/// under `dir`: (its path, its text).
fn server_file(dir: &Path) -> (PathBuf, String) {
    let example = std::fs::read_to_string(root().join("examples/ocf/cluster.yaml")).unwrap();
    (write(dir, "server/cluster.yaml", &example), example)
}

/// An executable shell script at `dir/name` running `body`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = write(dir, name, &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    p
}

/// A shell script at `dir/name` that appends `word` (and its first
/// argument, if any) to `log`.
fn recorder(dir: &Path, name: &str, word: &str, log: &Path) -> PathBuf {
    script(dir, name, &format!("echo {word} $1 >> {}", path_str(log)))
}

/// A fresh Puppet server for the PKI class: its tempdir, the tools, the
/// environment's data directory for kubetool (not there yet), and the
/// example cluster file on the server, with its text.
fn pki_site() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf, String) {
    let t = tempfile::tempdir().unwrap();
    let tools = testkit::built_tools();
    let hiera = t
        .path()
        .join("code/environments/production/data/kubernetes");
    let (server, example) = server_file(t.path());
    (t, tools, hiera, server, example)
}

/// The PKI class as a site declares it, run as root from `tools`, with
/// `extra` parameter lines.
fn pki_class(server: &Path, hiera: &Path, tools: &Path, extra: &str) -> String {
    format!(
        "{}{}class {{ 'profile::kubernetes::pki':\n  hieradata => '{}',\n  bin => '{}',\n  user => 'root',\n  group => 'root',\n{extra}}}\n",
        manifests("kubetool.pp"),
        toolkit(server, None),
        path_str(hiera),
        path_str(tools)
    )
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

/// `puppet apply --detailed-exitcodes -e code` as `certname`: (exit, output).
fn apply(dir: &Path, certname: &str, code: &str) -> (Option<i32>, String) {
    let mut c = testkit::puppet_apply(&dir.join("puppet"));
    c.args(["--detailed-exitcodes", "--certname", certname, "-e", code]);
    testkit::run_puppet(c)
}

/// Applies twice: the first run changes something (2), the second nothing (0).
fn converges(dir: &Path, certname: &str, code: &str) {
    let (first, text) = apply(dir, certname, code);
    assert_eq!(first, Some(2), "first run: {text}");
    let (second, text) = apply(dir, certname, code);
    assert_eq!(second, Some(0), "second run must change nothing: {text}");
}

#[test]
fn kubetool_makes_the_hiera_data_once_and_converges() {
    kubetool_profile(false);
}

/// The same with `eyaml_keys`: the data is encrypted, and re-applying
/// (which runs nothing) keeps it.
#[test]
fn kubetool_with_eyaml_keys_writes_encrypted_data_and_converges() {
    kubetool_profile(true);
}

fn kubetool_profile(eyaml: bool) {
    let (t, tools, hiera, server, example) = pki_site();
    let keys = eyaml.then(|| testkit::eyaml_createkeys(&t.path().join("eyaml")));
    let keys_param = keys.as_ref().map_or(String::new(), |k| {
        format!(
            "  eyaml_keys => '{}',\n",
            path_str(k.public.parent().unwrap())
        )
    });
    let code = pki_class(&server, &hiera, &tools, &keys_param);
    converges(t.path(), "puppet.example", &code);
    for f in ["Debian.yaml", "deadlock.yaml", "autocrat.yaml", "coup.yaml"] {
        assert!(hiera.join(f).is_file(), "{f}");
    }
    // A master added to the one cluster file: the next run gives it its
    // data, the one after changes nothing.
    let grown = example.replace(
        "  - name: coup\n    ipv4: 192.0.2.77\n    ipv6: 2001:db8::77\n",
        "  - name: coup\n    ipv4: 192.0.2.77\n    ipv6: 2001:db8::77\n  - name: fallingrocks\n    ipv4: 192.0.2.78\n",
    );
    assert_ne!(grown, example);
    std::fs::write(&server, grown).unwrap();
    converges(t.path(), "puppet.example", &code);
    assert!(hiera.join("fallingrocks.yaml").is_file());
    let os = std::fs::read_to_string(hiera.join("Debian.yaml")).unwrap();
    assert_eq!(
        os.contains("kubernetes::etcd_ca_key: >\n  ENC[PKCS7,"),
        eyaml,
        "{os}"
    );
    // The data is what certs check calls healthy (so `renew` stays idle),
    // its keys decrypted and paired too when they are encrypted.
    let mut args = vec!["check", path_str(&hiera)];
    if let Some(k) = &keys {
        args.splice(0..0, ["--eyaml-private-key", path_str(&k.private)]);
    }
    let check = testkit::tool(path_str(&tools.join("certs")), &args);
    assert!(check.status.success(), "{}", testkit::text(&check));
    if eyaml {
        assert!(!testkit::text(&check).contains("not read"));
    }
}

/// At a site whose cluster file lays kubetool's files out split and by
/// FQDN, leaves within 30 days of expiry are renewed by the class's renew
/// exec (it finds the files through the cluster file), and the run after
/// changes nothing.
#[test]
fn kubetool_renews_where_the_cluster_file_lays_the_files_out() {
    let (t, tools, hiera, server, example) = pki_site();
    let placed = "kubernetes:\n  hiera_layout: split\n  hiera_host_domain: ocf.berkeley.edu\n";
    let laid_out = example.replacen("kubernetes:\n", placed, 1);
    assert_ne!(laid_out, example);
    std::fs::write(&server, laid_out).unwrap();
    let code = pki_class(&server, &hiera, &tools, "");
    converges(t.path(), "puppet.example", &code);
    let host = hiera.join("hosts/deadlock.ocf.berkeley.edu.yaml");
    assert!(host.is_file());
    // Leaves of 20 days: certs check warns, so the renew exec runs.
    let kubetool = path_str(&tools.join("kubetool")).to_owned();
    let short = testkit::tool(
        &kubetool,
        &[
            "renew",
            "--validity",
            "20d",
            "--cluster",
            path_str(&server),
            "--dir",
            path_str(&hiera),
        ],
    );
    assert!(short.status.success(), "{}", testkit::text(&short));
    let certs = path_str(&tools.join("certs")).to_owned();
    let check = |what: &str| {
        let c = testkit::tool(
            &certs,
            &[
                "check",
                "--warning",
                "30",
                "--critical",
                "7",
                path_str(&hiera),
            ],
        );
        (c.status.code(), format!("{what}: {}", testkit::text(&c)))
    };
    let (code_before, said) = check("20-day leaves");
    assert_eq!(code_before, Some(1), "{said}");
    converges(t.path(), "puppet.example", &code);
    let (code_after, said) = check("renewed by Puppet");
    assert_eq!(code_after, Some(0), "{said}");
}

/// With the environment's hiera.yaml given, a run fails while a level
/// before kubetool's files (a hand-kept common.yaml) hides a key kubetool
/// wrote, naming it; once the level agrees, the class converges.
#[test]
fn kubetool_fails_while_a_level_above_its_files_hides_a_key() {
    let t = tempfile::tempdir().unwrap();
    let tools = testkit::built_tools();
    let env = t.path().join("code/environments/production");
    let hiera = env.join("data/kubernetes");
    let (server, _) = server_file(t.path());
    let config = write(
        &env,
        "hiera.yaml",
        "version: 5\nhierarchy:\n  - name: common\n    path: common.yaml\n  - name: kubernetes masters\n    path: \"kubernetes/%{trusted.hostname}.yaml\"\n  - name: kubernetes cluster\n    path: kubernetes/Debian.yaml\n",
    );
    write(
        &env,
        "data/common.yaml",
        "kubernetes::controller_address: \"192.0.2.75:6443\"\n",
    );
    let hiera_config = format!("  hiera_config => '{}',\n", path_str(&config));
    let code = pki_class(&server, &hiera, &tools, &hiera_config);
    let (status, text) = apply(t.path(), "puppet.example", &code);
    assert!(matches!(status, Some(4 | 6)), "the run must fail: {text}");
    assert!(
        text.contains("kubernetes::controller_address") && text.contains("common.yaml"),
        "{text}"
    );
    write(&env, "data/common.yaml", "ocf::other: 1\n");
    let (status, text) = apply(t.path(), "puppet.example", &code);
    assert_eq!(status, Some(0), "{text}");
}

#[test]
fn ingressgen_renders_and_reloads_once_per_change() {
    let t = tempfile::tempdir().unwrap();
    let tools = testkit::built_tools();
    let (source, example) = server_file(t.path());
    let placed = t.path().join("etc/ocf/cluster.yaml");
    let cfg = t.path().join("etc/haproxy/haproxy.cfg");
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    let reloads = t.path().join("reloads");
    let reload = recorder(t.path(), "reload", "reload", &reloads);
    let bundle = testkit::edge_bundle(t.path(), "edge.pem", &testkit::OCF_EDGE_SANS, 90);
    let code = format!(
        "{}{}class {{ 'profile::ingress::haproxy':\n  config => '{}',\n  bin => '{}',\n  reload => '{}',\n  tls_bundle => '{}',\n}}\n",
        manifests("ingressgen.pp"),
        toolkit(&source, Some(&placed)),
        path_str(&cfg),
        path_str(&tools),
        path_str(&reload),
        path_str(&bundle)
    );
    converges(t.path(), "deadlock", &code);
    assert_eq!(lines(&reloads), 1, "one reload for the first render");
    let rendered = testkit::tool(
        path_str(&tools.join("ingressgen")),
        &[
            "haproxy",
            "--map-dir",
            path_str(cfg.parent().unwrap()),
            path_str(&placed),
        ],
    );
    assert_eq!(
        std::fs::read(&cfg).unwrap(),
        rendered.stdout,
        "the config is ingressgen's"
    );
    // A new service on the server: the file, one render, one reload.
    std::fs::write(
        &source,
        example.replace("    - templates\n", "    - templates\n    - zulip\n"),
    )
    .unwrap();
    converges(t.path(), "deadlock", &code);
    assert_eq!(lines(&reloads), 2);
    let hosts = std::fs::read_to_string(cfg.with_file_name("haproxy.hosts.lst")).unwrap();
    assert!(hosts.contains("zulip.ocf.berkeley.edu\n"), "{hosts}");
    // A service the certificate does not cover (two labels: the wildcard
    // covers one): the run fails naming it, nothing is rendered, nothing
    // reloads, and HAProxy goes on serving what it served.
    let before = std::fs::read(&cfg).unwrap();
    let uncovered = example.replace("    - templates\n", "    - templates\n    - docs.staff\n");
    std::fs::write(&source, uncovered).unwrap();
    let (status, text) = apply(t.path(), "deadlock", &code);
    assert!(matches!(status, Some(4 | 6)), "the run must fail: {text}");
    assert!(
        text.contains("not covered: docs.staff.ocf.berkeley.edu"),
        "{text}"
    );
    assert_eq!(lines(&reloads), 2, "no reload with an uncovered name");
    assert_eq!(std::fs::read(&cfg).unwrap(), before, "nothing rendered");
}

#[test]
fn vipcheck_renders_for_short_and_fully_qualified_certnames_and_reloads() {
    let tools = testkit::built_tools();
    for certname in ["deadlock", "deadlock.ocf.berkeley.edu"] {
        let t = tempfile::tempdir().unwrap();
        let (server, example) = server_file(t.path());
        let placed = t.path().join("etc/ocf/cluster.yaml");
        let config = t.path().join("etc/keepalived/keepalived.conf");
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        let (running, log) = (t.path().join("running"), t.path().join("service.log"));
        let start = recorder(t.path(), "start", "start", &log);
        let reload = recorder(t.path(), "reload", "reload", &log);
        let kubectl = recorder(t.path(), "kubectl", "kubectl", &log);
        // keepalived's service through the base provider: started once,
        // then only reloaded.
        let service = format!(
            "{{ 'ensure' => 'running', 'provider' => 'base', 'start' => \"/bin/sh -c '{} && touch {}'\", 'status' => '/usr/bin/test -e {}', 'restart' => '{}' }}",
            path_str(&start),
            path_str(&running),
            path_str(&running),
            path_str(&reload)
        );
        let code = format!(
            "{}{}class {{ 'profile::vip':\n  bin => '{}',\n  config => '{}',\n  interface => 'eth0',\n  kubectl => '{}',\n  service => {service},\n}}\n",
            manifests("vipcheck.pp"),
            toolkit(&server, Some(&placed)),
            path_str(&tools),
            path_str(&config),
            path_str(&kubectl)
        );
        converges(t.path(), certname, &code);
        let conf = std::fs::read_to_string(&config).unwrap();
        let rendered = testkit::tool(
            path_str(&tools.join("vipcheck")),
            &[
                "render",
                "--master",
                "deadlock",
                "--interface",
                "eth0",
                "--unicast",
                path_str(&server),
            ],
        );
        assert_eq!(conf.as_bytes(), rendered.stdout, "{certname}");
        // Started once; not the VIP holder, so kubectl is never run: no
        // diff against the API server on every run of every master.
        let log_of = || std::fs::read_to_string(&log).unwrap();
        assert!(log_of().starts_with("start\n"), "{certname}: {}", log_of());
        assert!(!log_of().contains("kubectl"), "{}", log_of());
        let services = |text: String| {
            text.lines()
                .filter(|l| !l.starts_with("kubectl"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        // A change to the cluster file on the server: one reload, no restart,
        // and the node's copy follows (one file, one source).
        let moved = example.replace("ipv4: 192.0.2.100/24", "ipv4: 192.0.2.101/24");
        assert_ne!(moved, example, "the example has a VIP to move");
        std::fs::write(&server, &moved).unwrap();
        converges(t.path(), certname, &code);
        assert_eq!(services(log_of()), "start reload", "{certname}");
        assert_eq!(std::fs::read_to_string(&placed).unwrap(), moved);
        assert!(
            std::fs::read_to_string(&config)
                .unwrap()
                .contains("192.0.2.101/24")
        );
        // On the VIP holder (a namespace whose lo carries the VIP), the
        // exec asks kubectl for a diff, and applies when there is one.
        let ns = testkit::Netns::new("pp-holder");
        ns.ip(&["addr", "add", "192.0.2.101/24", "dev", "lo"]);
        let kubectl_log = t.path().join("kubectl.log");
        let differs = script(
            t.path(),
            "kubectl-differs",
            &format!(
                "echo kubectl $1 >> {}\ntest \"$1\" != diff",
                path_str(&kubectl_log)
            ),
        );
        let code = code.replace(path_str(&kubectl), path_str(&differs));
        let mut c = std::process::Command::new("ip");
        c.args(["netns", "exec", ns.name()]);
        let puppet = testkit::puppet_apply(&t.path().join("puppet"));
        c.arg(puppet.get_program()).args(puppet.get_args());
        c.args(["--detailed-exitcodes", "--certname", certname, "-e", &code]);
        let (status, text) = testkit::run_puppet(c);
        assert_eq!(status, Some(2), "{text}");
        assert_eq!(
            std::fs::read_to_string(&kubectl_log).unwrap(),
            "kubectl diff\nkubectl apply\n",
            "{text}"
        );
    }
}

/// The README's reboot snippet, as committed: with no reboot pending it
/// does nothing; pending, it reboots only while etcd can spare a member.
#[test]
fn the_readme_reboot_runs_only_when_pending_and_the_cluster_can_spare_the_master() {
    let tools = testkit::built_tools();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("exec { 'reboot-for-kernel':")
        .expect("the snippet");
    let snippet = &readme[start..start + readme[start..].find("\n```").unwrap()];
    let t = tempfile::tempdir().unwrap();
    let log = t.path().join("reboots");
    let reboot = recorder(t.path(), "reboot", "reboot", &log);
    let pending = t.path().join("reboot-required");
    // etcd-status with etcdctl's answers taken from a file (real etcdctl
    // output, kept in quorumcalc's fixtures).
    let answers = t.path().join("etcd.json");
    let status = script(
        t.path(),
        "etcd-status",
        &format!(
            "{} status < {}",
            path_str(&tools.join("quorumcalc")),
            path_str(&answers)
        ),
    );
    let code = snippet
        .replace(
            "/sbin/shutdown -r +1 \"kernel update (Puppet)\"",
            path_str(&reboot),
        )
        .replace("/run/reboot-required", path_str(&pending))
        .replace("/usr/libexec/kubetoolkit/etcd-status", path_str(&status));
    assert!(!code.contains("/sbin/shutdown"), "{code}");
    let fixtures = root().join("quorumcalc/tests/fixtures/etcd");
    let etcd = |name: &str| {
        let mut text = String::new();
        for kind in ["member-list", "endpoint-status"] {
            text += &std::fs::read_to_string(fixtures.join(format!("{name}.{kind}.json"))).unwrap();
        }
        std::fs::write(&answers, text).unwrap();
    };
    // Healthy, nothing pending: nothing, run after run.
    etcd("healthy");
    assert_eq!(apply(t.path(), "deadlock", &code).0, Some(0));
    assert_eq!(lines(&log), 0);
    // Pending, but one member is already down: no failure to spare.
    std::fs::write(&pending, "").unwrap();
    etcd("one-down");
    assert_eq!(apply(t.path(), "deadlock", &code).0, Some(0));
    assert_eq!(lines(&log), 0);
    // Pending and healthy: the reboot.
    etcd("healthy");
    let (exit, text) = apply(t.path(), "deadlock", &code);
    assert_eq!(exit, Some(2), "{text}");
    assert_eq!(lines(&log), 1);
}
