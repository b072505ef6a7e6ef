//! The `kubetool` binary against real components: openssl verifies every
//! certificate, Puppet compiles a class with the module's parameter types
//! from the Hiera output, and a three-member TLS etcd cluster runs on the
//! generated PKI and grows by `add-member`.
//!
//! openssl, puppet and etcd are installed by the test command (`.ci/test`);
//! a missing one fails these tests, it never skips them.

mod common;
use common::*;

mod generate {
    use super::*;

    #[test]
    fn the_hiera_contract_and_every_leaf_verifies_with_openssl() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("hieradata");
        full(&out, CLUSTER)
            .args(["--kubeadm"])
            .arg(t.path().join("kubeadm"))
            .assert()
            .success();

        // Private files in a private new directory.
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for f in ["Debian.yaml", "deadlock.yaml", "autocrat.yaml", "coup.yaml"] {
            assert_eq!(
                std::fs::metadata(out.join(f)).unwrap().permissions().mode() & 0o777,
                0o600,
                "{f}"
            );
        }
        let os = hiera(&out.join("Debian.yaml"));
        let v = |k: &str| os[&format!("kubernetes::{k}")].clone();
        assert_eq!(v("kubernetes_version"), Value::from("1.30.2"));
        assert_eq!(v("kubernetes_package_version"), Value::from("1.30.2-00"));
        assert_eq!(v("api_server_count"), Value::from(3));
        assert_eq!(v("install_dashboard"), Value::from(false));
        assert_eq!(v("controller_address"), Value::from("192.0.2.75:6443"));
        assert_eq!(v("cni_pod_cidr"), Value::from("10.244.0.0/16"));
        assert_eq!(
            v("etcd_initial_cluster"),
            Value::from(
                "deadlock=https://192.0.2.75:2380,autocrat=https://192.0.2.76:2380,coup=https://192.0.2.77:2380"
            )
        );
        assert_eq!(
            v("etcd_peers"),
            clikit::yaml::document::<Value>("[192.0.2.75, 192.0.2.76, 192.0.2.77]").unwrap()
        );
        assert_eq!(v("etcd_ip"), Value::from("%{networking.ip}"));
        let token = v("token").as_str().unwrap().to_owned();
        assert!(certs::is_bootstrap_token(&token), "{token}");

        // The discovery hash is openssl's SPKI hash of the Kubernetes CA, bare.
        let ca = write(t.path(), "kube-ca.pem", &pem(&os, "kubernetes_ca_crt"));
        let spki = StdCommand::new("sh")
            .arg("-c")
            .arg(format!(
                "openssl x509 -pubkey -noout -in {} | openssl pkey -pubin -outform der | sha256sum",
                path_str(&ca)
            ))
            .output()
            .unwrap();
        let want = String::from_utf8(spki.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(want.len(), 64);
        assert_eq!(v("discovery_token_hash"), Value::from(want));

        // Every leaf against its CA, for the purpose it serves.
        let etcd_ca = pem(&os, "etcd_ca_crt");
        verify(t.path(), &etcd_ca, &pem(&os, "etcdclient_crt"), "sslclient");
        for m in MEMBERS {
            let host = hiera(&out.join(format!("{m}.yaml")));
            for (k, purposes) in [
                ("etcdserver_crt", &["sslserver", "sslclient"][..]),
                ("etcdpeer_crt", &["sslserver", "sslclient"]),
                ("etcdclient_crt", &["sslclient"]),
            ] {
                for p in purposes {
                    verify(t.path(), &etcd_ca, &pem(&host, k), p);
                }
            }
            let server = write(t.path(), "server.pem", &pem(&host, "etcdserver_crt"));
            let text = openssl(&[
                "x509",
                "-noout",
                "-ext",
                "subjectAltName",
                "-in",
                path_str(&server),
            ]);
            assert!(text.contains(&format!("DNS:{m}, DNS:localhost")), "{text}");
            assert!(
                text.contains("IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
                "{text}"
            );
            // The keys in the Hiera file are the certificates' keys.
            for (c, k) in [
                ("etcdserver_crt", "etcdserver_key"),
                ("etcdpeer_crt", "etcdpeer_key"),
                ("etcdclient_crt", "etcdclient_key"),
            ] {
                let cert = write(t.path(), "c.pem", &pem(&host, c));
                let key = write(t.path(), "k.pem", &pem(&host, k));
                assert_eq!(
                    openssl(&["x509", "-noout", "-pubkey", "-in", path_str(&cert)]),
                    openssl(&["pkey", "-pubout", "-in", path_str(&key)]),
                    "{m} {c}"
                );
            }

            // The kubeadm tree of this master.
            let k = t.path().join("kubeadm").join(m);
            let read = |f: &str| std::fs::read_to_string(k.join(f)).unwrap();
            assert_eq!(
                read("pki/ca.crt").trim(),
                pem(&os, "kubernetes_ca_crt").trim()
            );
            assert_eq!(read("pki/etcd/server.crt"), pem(&host, "etcdserver_crt"));
            for (leaf, ca_file, purpose) in [
                ("pki/apiserver.crt", "pki/ca.crt", "sslserver"),
                (
                    "pki/apiserver-kubelet-client.crt",
                    "pki/ca.crt",
                    "sslclient",
                ),
                (
                    "pki/front-proxy-client.crt",
                    "pki/front-proxy-ca.crt",
                    "sslclient",
                ),
                (
                    "pki/apiserver-etcd-client.crt",
                    "pki/etcd/ca.crt",
                    "sslclient",
                ),
                (
                    "pki/etcd/healthcheck-client.crt",
                    "pki/etcd/ca.crt",
                    "sslclient",
                ),
            ] {
                verify(t.path(), &read(ca_file), &read(leaf), purpose);
            }
            let api = openssl(&[
                "x509",
                "-noout",
                "-ext",
                "subjectAltName",
                "-in",
                path_str(&k.join("pki/apiserver.crt")),
            ]);
            assert!(api.contains(&format!("DNS:{m}, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local")), "{api}");
            assert!(api.contains("IP Address:10.96.0.1"), "{api}");
            for conf in [
                "admin.conf",
                "super-admin.conf",
                "controller-manager.conf",
                "scheduler.conf",
                "kubelet.conf",
            ] {
                let kc: Value = clikit::yaml::document(&read(conf)).unwrap();
                let data = kc["users"][0]["user"]["client-certificate-data"]
                    .as_str()
                    .unwrap();
                let cert = openssl_b64(t.path(), data);
                verify(t.path(), &read("pki/ca.crt"), &cert, "sslclient");
                let subject = openssl(&[
                    "x509",
                    "-noout",
                    "-subject",
                    "-nameopt",
                    "RFC2253",
                    "-in",
                    path_str(&write(t.path(), "kc.pem", &cert)),
                ]);
                let want = match conf {
                    "admin.conf" => "CN=kubernetes-admin,O=kubeadm:cluster-admins".to_owned(),
                    "super-admin.conf" => "CN=kubernetes-super-admin,O=system:masters".to_owned(),
                    "controller-manager.conf" => "CN=system:kube-controller-manager".to_owned(),
                    "scheduler.conf" => "CN=system:kube-scheduler".to_owned(),
                    _ => format!("CN=system:node:{m},O=system:nodes"),
                };
                assert_eq!(subject.trim(), format!("subject={want}"), "{conf}");
            }
        }
    }

    fn openssl_b64(tmp: &Path, data: &str) -> String {
        let f = write(tmp, "b64.txt", data);
        openssl(&["base64", "-d", "-A", "-in", path_str(&f)])
    }

    #[test]
    fn a_second_run_changes_nothing_and_stdout_writes_nothing() {
        let t = tempfile::tempdir().unwrap();
        full(t.path(), CLUSTER).assert().success();
        let before = snapshot(t.path());
        let mtime = std::fs::metadata(t.path().join("Debian.yaml"))
            .unwrap()
            .modified()
            .unwrap();
        let out = full(t.path(), CLUSTER)
            .args(["--format", "json"])
            .assert()
            .success();
        let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert!(
            report["files"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["action"] == "unchanged"),
            "{report:#}"
        );
        assert!(
            report["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["action"] == "kept"),
            "{report:#}"
        );
        assert_eq!(snapshot(t.path()), before);
        assert_eq!(
            std::fs::metadata(t.path().join("Debian.yaml"))
                .unwrap()
                .modified()
                .unwrap(),
            mtime
        );

        // --stdout: the same documents as one stream, and no file touched.
        let out = full(t.path(), CLUSTER).arg("--stdout").assert().success();
        let stream = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let mut expected = String::new();
        for f in ["Debian.yaml", "deadlock.yaml", "autocrat.yaml", "coup.yaml"] {
            expected.push_str(&String::from_utf8(before[Path::new(f)].clone()).unwrap());
        }
        assert_eq!(stream, expected);
        assert_eq!(snapshot(t.path()), before);
        // ... which certs reads from a pipe.
        let inspect = Command::cargo_bin("certs")
            .unwrap()
            .args(["inspect", "--format", "json", "-"])
            .write_stdin(stream)
            .assert()
            .success();
        let items: serde_json::Value =
            serde_json::from_slice(&inspect.get_output().stdout).unwrap();
        // 3 CAs + generic client + 9 member certificates, and their keys.
        let certs = items
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "certificate")
            .count();
        assert_eq!(certs, 13);
    }

    #[test]
    fn rsa_cas_and_an_ecdsa_service_account_key() {
        let t = tempfile::tempdir().unwrap();
        full(t.path(), "solo:10.0.0.1")
            .args([
                "--ca-algo",
                "rsa",
                "--key-size",
                "2048",
                "--sa-algo",
                "ecdsa",
            ])
            .assert()
            .success();
        let os = hiera(&t.path().join("Debian.yaml"));
        let host = hiera(&t.path().join("solo.yaml"));
        assert!(pem(&os, "etcd_ca_key").starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert!(pem(&host, "etcdserver_key").starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert!(pem(&os, "sa_key").starts_with("-----BEGIN EC PRIVATE KEY-----"));
        assert!(pem(&os, "sa_pub").starts_with("-----BEGIN PUBLIC KEY-----"));
        let ca = write(t.path(), "ca.pem", &pem(&os, "etcd_ca_crt"));
        assert!(
            openssl(&["x509", "-noout", "-text", "-in", path_str(&ca)])
                .contains("Public-Key: (2048 bit)")
        );
        verify(
            t.path(),
            &pem(&os, "etcd_ca_crt"),
            &pem(&host, "etcdserver_crt"),
            "sslserver",
        );
        // The original's default: RSA-2048 service-account key as PKCS#1.
        let t = tempfile::tempdir().unwrap();
        full(t.path(), "solo:10.0.0.1").assert().success();
        let os = hiera(&t.path().join("Debian.yaml"));
        assert!(pem(&os, "sa_key").starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert!(pem(&os, "etcd_ca_key").starts_with("-----BEGIN EC PRIVATE KEY-----"));
    }

    #[test]
    fn the_modules_env_file_and_the_environment() {
        let t = tempfile::tempdir().unwrap();
        // The module's template, half filled in; empty lines stay unset.
        let env = write(
            t.path(),
            "env",
            "OS=debian\nVERSION=1.29.4\nCONTAINER_RUNTIME=\nCNI_PROVIDER=calico-tigera\nETCD_INITIAL_CLUSTER=kube-control-plane:172.17.10.101\nETCD_IP=%{networking.ip}\nKUBE_API_ADVERTISE_ADDRESS=%{networking.ip}\nINSTALL_DASHBOARD=true\n",
        );
        let out = t.path().join("out");
        kubetool()
            .args(["--env-file", path_str(&env), "--dir", path_str(&out)])
            .env("CNI_PROVIDER_VERSION", "3.28.0")
            .env("VERSION", "9.9.9")
            .assert()
            .success();
        let os = hiera(&out.join("Debian.yaml"));
        assert_eq!(
            os["kubernetes::kubernetes_version"],
            Value::from("1.29.4"),
            "the file wins over the environment"
        );
        assert_eq!(
            os["kubernetes::container_runtime"],
            Value::from("cri_containerd")
        );
        assert_eq!(os["kubernetes::install_dashboard"], Value::from(true));
        assert_eq!(
            os["kubernetes::cni_network_preinstall"],
            Value::from(
                "https://raw.githubusercontent.com/projectcalico/calico/v3.28.0/manifests/tigera-operator.yaml"
            )
        );
        assert!(out.join("kube-control-plane.yaml").exists());
        // A flag wins over both; the original's underscore spelling works.
        kubetool()
            .args([
                "--env-file",
                path_str(&env),
                "--dir",
                path_str(&out),
                "--container_runtime",
                "docker",
                "-p",
                "3.28.0",
                "--stdout",
            ])
            .assert()
            .success()
            .stdout(predicates::str::contains(
                "kubernetes::container_runtime: \"docker\"",
            ));
    }
}

mod puppet {
    use super::*;

    /// A class with the parameter types of puppetlabs-kubernetes (init.pp
    /// and config::kubeadm), fed by automatic parameter lookup exactly as
    /// the module is: a wrong type or a missing key fails compilation.
    const CLASS: &str = r#"class kubernetes (
  Integer $api_server_count,
  Boolean $install_dashboard,
  String $kubernetes_version,
  String $kubernetes_package_version,
  String $container_runtime,
  String $cni_pod_cidr,
  String $token,
  String $discovery_token_hash,
  String $controller_address,
  String $etcd_initial_cluster,
  Array $etcd_peers,
  String $etcd_ip,
  String $kube_api_advertise_address,
  String $etcd_ca_crt,
  String $etcdclient_crt,
  String $etcdserver_crt,
  String $etcdpeer_key,
  String $sa_key,
) {
  $report = {
    'api_server_count' => type($api_server_count, 'generalized'),
    'install_dashboard' => type($install_dashboard, 'generalized'),
    'kubernetes_version' => type($kubernetes_version, 'generalized'),
    'token' => type($token, 'generalized'),
    'discovery_token_hash' => type($discovery_token_hash, 'generalized'),
    'etcd_peers' => type($etcd_peers, 'generalized'),
  }
  notice("types ${report}")
  notice("values ${api_server_count} ${install_dashboard} ${kubernetes_version} ${token} ${discovery_token_hash} ${etcd_ip}")
  notice("server ${etcdserver_crt}")
  notice("peer key ${etcdpeer_key}")
}
"#;

    fn apply(root: &Path, certname: &str) -> (bool, String) {
        let mut c = testkit::puppet_apply(root);
        c.args(["--modulepath", path_str(&root.join("modules"))])
            .args(["--hiera_config", path_str(&root.join("hiera.yaml"))])
            .args(["--certname", certname, "-e", "include kubernetes"]);
        let (code, text) = testkit::run_puppet(c);
        (code == Some(0), text)
    }

    /// A full run (Kubernetes 1.30.0, with `flags`) into `data`, deadlock's
    /// file moved to the node level of the hierarchy (nodes/).
    fn hieradata(data: &Path, flags: &[&str]) {
        // 1.30.0 stays a String (the original's quote stripping made
        // versions like 1.30 Floats, which the module refuses).
        full(data, CLUSTER)
            .args(["-v", "1.30.0"])
            .args(flags)
            .assert()
            .success();
        std::fs::create_dir_all(data.join("nodes")).unwrap();
        std::fs::rename(data.join("deadlock.yaml"), data.join("nodes/deadlock.yaml")).unwrap();
    }

    /// Compiles CLASS for deadlock under `root`: it must compile, and its
    /// parameters have the module's types. The output.
    fn compiles_with_the_modules_types(root: &Path) -> String {
        write(root, "modules/kubernetes/manifests/init.pp", CLASS);
        let (ok, text) = apply(root, "deadlock");
        assert!(ok, "{text}");
        assert!(
            text.contains("types {api_server_count => Integer, install_dashboard => Boolean, kubernetes_version => String, token => String, discovery_token_hash => String, etcd_peers => Array[String[10, 10]]}"),
            "{text}"
        );
        text
    }

    #[test]
    fn puppet_reads_the_hiera_with_the_modules_types() {
        let t = tempfile::tempdir().unwrap();
        let data = t.path().join("data");
        hieradata(&data, &[]);
        write(
            t.path(),
            "hiera.yaml",
            "---\nversion: 5\ndefaults:\n  datadir: data\n  data_hash: yaml_data\nhierarchy:\n  - name: node\n    path: \"nodes/%{trusted.certname}.yaml\"\n  - name: cluster\n    path: \"Debian.yaml\"\n",
        );
        let text = compiles_with_the_modules_types(t.path());
        let os = hiera(&data.join("Debian.yaml"));
        let token = os["kubernetes::token"].as_str().unwrap();
        let hash = os["kubernetes::discovery_token_hash"].as_str().unwrap();
        assert!(
            text.contains(&format!("values 3 false 1.30.0 {token} {hash} ")),
            "{text}"
        );
        let host = hiera(&data.join("nodes/deadlock.yaml"));
        assert!(
            text.contains(&format!("server {}", pem(&host, "etcdserver_crt"))),
            "{text}"
        );

        // The same data without a required key fails as the module would.
        let text = std::fs::read_to_string(data.join("Debian.yaml")).unwrap();
        let cut: String = text
            .lines()
            .filter(|l| !l.starts_with("kubernetes::api_server_count"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(data.join("Debian.yaml"), cut).unwrap();
        let (ok, text) = apply(t.path(), "deadlock");
        assert!(
            !ok && text.contains("expects a value for parameter 'api_server_count'"),
            "{text}"
        );
    }

    /// The data written with --eyaml-public-key, read by Puppet through
    /// hiera-eyaml's backend (eyaml_lookup_key): the keys arrive decrypted,
    /// as Strings, and every other key with the module's types.
    #[test]
    fn puppet_reads_eyaml_encrypted_hiera_through_the_eyaml_backend() {
        let t = tempfile::tempdir().unwrap();
        let keys = testkit::eyaml_createkeys(&t.path().join("eyaml"));
        let data = t.path().join("data");
        hieradata(&data, &["--eyaml-public-key", path_str(&keys.public)]);
        write(
            t.path(),
            "hiera.yaml",
            &format!(
                "---\nversion: 5\ndefaults:\n  datadir: data\nhierarchy:\n  - name: kubetool\n    lookup_key: eyaml_lookup_key\n    paths: [\"nodes/%{{trusted.certname}}.yaml\", \"Debian.yaml\"]\n    options:\n      pkcs7_public_key: {}\n      pkcs7_private_key: {}\n",
                path_str(&keys.public),
                path_str(&keys.private)
            ),
        );
        let text = compiles_with_the_modules_types(t.path());
        let os = hiera(&data.join("Debian.yaml"));
        let host = hiera(&data.join("nodes/deadlock.yaml"));
        assert!(pem(&os, "token").starts_with("ENC[PKCS7,"));
        let token = plain(&os, "token", Some(&keys), t.path());
        assert!(certs::is_bootstrap_token(&token), "{token:?}");
        let hash = pem(&os, "discovery_token_hash");
        assert!(
            text.contains(&format!("values 3 false 1.30.0 {token} {hash} ")),
            "{text}"
        );
        let peer_key = plain(&host, "etcdpeer_key", Some(&keys), t.path());
        assert!(peer_key.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        assert!(text.contains(&format!("peer key {peer_key}")), "{text}");
        assert!(
            text.contains(&format!("server {}", pem(&host, "etcdserver_crt"))),
            "{text}"
        );
    }
}

mod etcd {
    use super::*;
    use std::time::{Duration, Instant};

    /// A member's address and ports, and the files of its PKI.
    struct Node {
        member: testkit::etcd::Member,
        pki: PathBuf,
    }

    impl Node {
        fn client_url(&self) -> String {
            self.member.client_url()
        }
        fn peer_url(&self) -> String {
            self.member.peer_url()
        }
    }

    /// Writes a member's Hiera PEMs to files etcd can read (decrypting
    /// the keys with openssl when they are eyaml values).
    fn node(
        t: &Path,
        hieradata: &Path,
        name: &str,
        ip: &str,
        keys: Option<&testkit::EyamlKeys>,
    ) -> Node {
        let os = hiera(&hieradata.join("Debian.yaml"));
        let host = hiera(&hieradata.join(format!("{name}.yaml")));
        let pki = t.join("pki").join(name);
        write(&pki, "ca.crt", &pem(&os, "etcd_ca_crt"));
        for k in [
            "etcdserver_crt",
            "etcdserver_key",
            "etcdpeer_crt",
            "etcdpeer_key",
            "etcdclient_crt",
            "etcdclient_key",
        ] {
            let f = write(&pki, k, &plain(&host, k, keys, t));
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let tls = testkit::etcd::Tls {
            ca: pki.join("ca.crt"),
            cert: pki.join("etcdserver_crt"),
            key: pki.join("etcdserver_key"),
            peer_cert: pki.join("etcdpeer_crt"),
            peer_key: pki.join("etcdpeer_key"),
        };
        Node {
            // Free ports rather than 2379/2380, which a system etcd may
            // hold; the certificates name addresses, not ports.
            member: testkit::etcd::Member::new(name, ip).with_tls(tls),
            pki,
        }
    }

    /// etcdctl against `endpoints` with a client identity from `pki`.
    fn etcdctl(pki: &Path, endpoints: &str, args: &[&str]) -> std::process::Output {
        let p = |f: &str| pki.join(f).display().to_string();
        StdCommand::new("etcdctl")
            .env("ETCDCTL_API", "3")
            .args(["--endpoints", endpoints, "--cacert", &p("ca.crt")])
            .args([
                "--cert",
                &p("etcdclient_crt"),
                "--key",
                &p("etcdclient_key"),
            ])
            .args(["--dial-timeout", "2s", "--command-timeout", "5s"])
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "etcdctl is needed by this test ({e}); run .ci/test, which installs etcd-client"
                )
            })
    }

    fn wait_healthy(pki: &Path, endpoints: &str, t: &Path) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = etcdctl(pki, endpoints, &["endpoint", "health"]);
            if out.status.success() {
                return;
            }
            if Instant::now() > deadline {
                let logs: String = std::fs::read_dir(t)
                    .unwrap()
                    .filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .collect();
                panic!(
                    "etcd did not become healthy: {}\n{logs}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    #[test]
    fn a_tls_cluster_runs_on_the_generated_pki_and_add_member_grows_it() {
        grows(None);
    }

    /// The same with every key eyaml-encrypted: etcd runs on the keys as
    /// openssl decrypts them, and add-member signs with the decrypted etcd
    /// CA while every ciphertext already written stays byte-identical.
    #[test]
    fn the_same_with_eyaml_encrypted_keys() {
        let t = tempfile::tempdir().unwrap();
        grows(Some(&testkit::eyaml_createkeys(t.path())));
    }

    /// A client certificate from another CA (a second kubetool run) is refused.
    fn refuses_a_foreign_client(t: &Path, first: &Node) {
        let other = t.join("other");
        full(&other, "f1:127.0.0.1").assert().success();
        let foreign = node(t, &other, "f1", "127.0.0.1", None);
        let mut mixed = foreign.pki.clone();
        mixed.set_file_name("mixed");
        std::fs::create_dir_all(&mixed).unwrap();
        std::fs::copy(first.pki.join("ca.crt"), mixed.join("ca.crt")).unwrap();
        for f in ["etcdclient_crt", "etcdclient_key"] {
            std::fs::copy(foreign.pki.join(f), mixed.join(f)).unwrap();
        }
        let refused = etcdctl(&mixed, &first.client_url(), &["get", "/ocf/greeting"]);
        assert!(
            !refused.status.success(),
            "a foreign client certificate was accepted"
        );
        // etcdctl only times out; the member's log says why.
        let log = std::fs::read_to_string(t.join("m1.log")).unwrap();
        assert!(
            log.contains("rejected connection") && log.contains("unknown authority"),
            "{log}"
        );
    }

    fn grows(keys: Option<&testkit::EyamlKeys>) {
        let t = tempfile::tempdir().unwrap();
        let data = t.path().join("hieradata");
        let flags = eyaml_flags(keys);
        full(&data, "m1:127.0.0.1,m2:127.0.0.2,m3:127.0.0.3")
            .args(&flags)
            .assert()
            .success();
        assert_eq!(
            hiera(&data.join("Debian.yaml"))["kubernetes::etcd_initial_cluster"],
            Value::from(
                "m1=https://127.0.0.1:2380,m2=https://127.0.0.2:2380,m3=https://127.0.0.3:2380"
            )
        );
        if keys.is_some() {
            let m1 = hiera(&data.join("m1.yaml"));
            assert!(pem(&m1, "etcdserver_key").starts_with("ENC[PKCS7,"));
            assert!(pem(&m1, "etcdserver_crt").starts_with("-----BEGIN CERTIFICATE-----"));
        }
        let nodes: Vec<Node> = [
            ("m1", "127.0.0.1"),
            ("m2", "127.0.0.2"),
            ("m3", "127.0.0.3"),
        ]
        .iter()
        .map(|(n, ip)| node(t.path(), &data, n, ip, keys))
        .collect();
        let mut members =
            testkit::EtcdCluster::start(t.path(), nodes.iter().map(|n| n.member.clone()).collect());
        let endpoints = members.endpoints();
        wait_healthy(&nodes[0].pki, &endpoints, t.path());

        // Written through one member with m1's client certificate, read
        // through another with m3's.
        let put = etcdctl(
            &nodes[0].pki,
            &nodes[0].client_url(),
            &["put", "/ocf/greeting", "hello"],
        );
        assert!(
            put.status.success(),
            "{}",
            String::from_utf8_lossy(&put.stderr)
        );
        let get = etcdctl(
            &nodes[2].pki,
            &nodes[1].client_url(),
            &["get", "--print-value-only", "/ocf/greeting"],
        );
        assert_eq!(
            String::from_utf8_lossy(&get.stdout).trim(),
            "hello",
            "{}",
            String::from_utf8_lossy(&get.stderr)
        );

        if keys.is_none() {
            refuses_a_foreign_client(t.path(), &nodes[0]);
        }

        // add-member: the new member's certificates come from the same CA,
        // and nothing else changes.
        let before = snapshot(&data);
        kubetool()
            .args(["add-member", "m4:127.0.0.4", "--dir", path_str(&data)])
            .args(&flags)
            .assert()
            .success();

        let after = snapshot(&data);
        for f in ["m1.yaml", "m2.yaml", "m3.yaml"] {
            assert_eq!(before[Path::new(f)], after[Path::new(f)], "{f} changed");
        }
        let grown = hiera(&data.join("Debian.yaml"));
        let old_text = String::from_utf8(before[Path::new("Debian.yaml")].clone()).unwrap();
        let new_text = String::from_utf8(after[Path::new("Debian.yaml")].clone()).unwrap();
        let rest = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| {
                    !l.starts_with("kubernetes::etcd_initial_cluster:")
                        && !l.starts_with("kubernetes::api_server_count:")
                        && *l != "  - \"127.0.0.4\""
                })
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(
            rest(&old_text),
            rest(&new_text),
            "only the membership lines of Debian.yaml may change"
        );
        assert_ne!(old_text, new_text);
        assert_eq!(grown["kubernetes::api_server_count"], Value::from(4));
        assert_eq!(grown["kubernetes::etcd_peers"][3], Value::from("127.0.0.4"));
        let m4_doc = hiera(&data.join("m4.yaml"));
        assert_eq!(
            m4_doc["kubernetes::etcd_initial_cluster_state"],
            Value::from("existing")
        );

        let m4 = node(t.path(), &data, "m4", "127.0.0.4", keys);
        // etcd refuses a new member until every current one has been
        // connected for a while ("unhealthy cluster"): retry that, briefly.
        let deadline = Instant::now() + Duration::from_secs(20);
        let peer_urls = format!("--peer-urls={}", m4.peer_url());
        loop {
            let add = etcdctl(
                &nodes[0].pki,
                &endpoints,
                &["member", "add", "m4", &peer_urls],
            );
            let said = String::from_utf8_lossy(&add.stderr).into_owned();
            if add.status.success() {
                break;
            }
            assert!(
                said.contains("unhealthy cluster") && Instant::now() < deadline,
                "{said}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        members.join(m4.member.clone());
        wait_healthy(&m4.pki, &m4.client_url(), t.path());
        let get = etcdctl(
            &m4.pki,
            &m4.client_url(),
            &["get", "--print-value-only", "/ocf/greeting"],
        );
        assert_eq!(String::from_utf8_lossy(&get.stdout).trim(), "hello");
        let list = etcdctl(&m4.pki, &endpoints, &["member", "list"]);
        let list = String::from_utf8_lossy(&list.stdout);
        assert_eq!(
            list.lines().filter(|l| l.contains(", started, ")).count(),
            4,
            "{list}"
        );
        // The old members still run on their untouched certificates.
        let all = format!("{endpoints},{}", m4.client_url());
        wait_healthy(&nodes[1].pki, &all, t.path());
    }
}

mod lifecycle {
    use super::*;

    fn leaf_pems(dir: &Path) -> Vec<String> {
        let mut v = Vec::new();
        for m in MEMBERS {
            let h = hiera(&dir.join(format!("{m}.yaml")));
            v.push(pem(&h, "etcdserver_crt"));
        }
        v
    }

    #[test]
    fn an_sa_pub_of_another_key_is_refused_and_new_sa_key_replaces_both() {
        let t = tempfile::tempdir().unwrap();
        full(t.path(), CLUSTER).assert().success();
        let path = t.path().join("Debian.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let os = hiera(&path);
        // sa_pub replaced by the public key of the etcd CA.
        let ca = write(t.path(), "ca.pem", &pem(&os, "etcd_ca_crt"));
        let other = openssl(&["x509", "-noout", "-pubkey", "-in", path_str(&ca)]);
        let indented: String = other.lines().map(|l| format!("  {l}\n")).collect();
        let (head, tail) = around_entry(&text, "kubernetes::sa_pub");
        let edited = format!("{head}kubernetes::sa_pub: |\n{indented}{tail}");
        std::fs::write(&path, edited).unwrap();
        refused(
            full(t.path(), CLUSTER),
            t.path(),
            "kubernetes::sa_pub is not the public half of kubernetes::sa_key",
        );
        // --new sa-key makes a new pair, whatever the old sa_pub was.
        full(t.path(), CLUSTER)
            .args(["--new", "sa-key"])
            .assert()
            .success();
        let os = hiera(&path);
        let key = write(t.path(), "sa.key", &pem(&os, "sa_key"));
        assert_eq!(
            openssl(&["pkey", "-pubout", "-in", path_str(&key)]),
            pem(&os, "sa_pub")
        );
    }

    #[test]
    fn cas_are_kept_unless_new_is_asked_for() {
        let t = tempfile::tempdir().unwrap();
        full(t.path(), CLUSTER).assert().success();
        let os = hiera(&t.path().join("Debian.yaml"));

        // A cluster file that lost its etcd CA key: an error naming it, no change.
        let text = std::fs::read_to_string(t.path().join("Debian.yaml")).unwrap();
        let (head, tail) = around_entry(&text, "kubernetes::etcd_ca_key");
        let damaged = format!("{head}{tail}");
        std::fs::write(t.path().join("Debian.yaml"), &damaged).unwrap();
        refused(
            full(t.path(), CLUSTER),
            t.path(),
            "kubernetes::etcd_ca_crt is there but kubernetes::etcd_ca_key is missing",
        );
        std::fs::write(t.path().join("Debian.yaml"), &text).unwrap();

        // --new etcd-ca: a new etcd CA and new etcd leaves; the Kubernetes
        // CA, its discovery hash, the SA key and the token stay.
        full(t.path(), CLUSTER)
            .args(["--new", "etcd-ca"])
            .assert()
            .success();
        let after = hiera(&t.path().join("Debian.yaml"));
        assert_ne!(
            after["kubernetes::etcd_ca_crt"],
            os["kubernetes::etcd_ca_crt"]
        );
        for k in [
            "kubernetes_ca_crt",
            "kubernetes_ca_key",
            "discovery_token_hash",
            "sa_key",
            "token",
            "kubernetes_front_proxy_ca_key",
        ] {
            assert_eq!(
                after[&format!("kubernetes::{k}")],
                os[&format!("kubernetes::{k}")],
                "{k}"
            );
        }
        for leaf in leaf_pems(t.path()) {
            verify(t.path(), &pem(&after, "etcd_ca_crt"), &leaf, "sslserver");
        }
        // --new token: only the token changes.
        full(t.path(), CLUSTER)
            .args(["--new", "token"])
            .assert()
            .success();
        let again = hiera(&t.path().join("Debian.yaml"));
        assert_ne!(again["kubernetes::token"], after["kubernetes::token"]);
        assert_eq!(
            again["kubernetes::etcd_ca_crt"],
            after["kubernetes::etcd_ca_crt"]
        );
    }

    #[test]
    fn an_openssl_made_etcd_ca_is_used_kept_and_only_replaced_with_new() {
        let t = tempfile::tempdir().unwrap();
        let make_ca = |name: &str| {
            let crt = t.path().join(format!("{name}.crt"));
            let key = t.path().join(format!("{name}.key"));
            testkit::ec_self_signed(
                "P-384",
                &format!("/CN={name}"),
                3650,
                &key,
                &crt,
                &[
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ],
            );
            (crt, key)
        };
        let (crt, key) = make_ca("site-etcd-ca");
        let out = t.path().join("out");
        let with_ca = |crt: &Path, key: &Path| {
            let mut c = full(&out, CLUSTER);
            c.args([
                "--etcd-ca-cert",
                path_str(crt),
                "--etcd-ca-key",
                path_str(key),
            ]);
            c
        };
        with_ca(&crt, &key).assert().success();
        let os = hiera(&out.join("Debian.yaml"));
        let der = |pem_text: &str| {
            certs::Certificate::from_pem(pem_text)
                .unwrap()
                .der()
                .to_vec()
        };
        let theirs = std::fs::read_to_string(&crt).unwrap();
        assert_eq!(der(&pem(&os, "etcd_ca_crt")), der(&theirs));
        let host = hiera(&out.join("coup.yaml"));
        verify(t.path(), &theirs, &pem(&host, "etcdpeer_crt"), "sslserver");

        // The same CA again changes nothing; another one needs --new etcd-ca.
        let before = snapshot(&out);
        with_ca(&crt, &key).assert().success();
        assert_eq!(snapshot(&out), before);
        let (other, other_key) = make_ca("other-ca");
        with_ca(&other, &other_key)
            .assert()
            .code(1)
            .stderr(predicates::str::contains("pass --new etcd-ca as well"));
        assert_eq!(snapshot(&out), before);
        with_ca(&other, &other_key)
            .args(["--new", "etcd-ca"])
            .assert()
            .success();
        let host = hiera(&out.join("coup.yaml"));
        verify(
            t.path(),
            &std::fs::read_to_string(&other).unwrap(),
            &pem(&host, "etcdpeer_crt"),
            "sslserver",
        );
    }

    #[test]
    fn renew_reissues_leaves_under_the_same_cas_and_keys() {
        let t = tempfile::tempdir().unwrap();
        full(t.path(), CLUSTER)
            .args(["--validity", "20d"])
            .assert()
            .success();
        let os = hiera(&t.path().join("Debian.yaml"));
        let old = leaf_pems(t.path());
        let old_host = hiera(&t.path().join("coup.yaml"));

        // Nothing expires within 10 days: nothing changes.
        let before = snapshot(t.path());
        kubetool()
            .args([
                "renew",
                "--expiring-within",
                "10d",
                "--dir",
                path_str(t.path()),
            ])
            .assert()
            .success();
        assert_eq!(snapshot(t.path()), before);

        // Everything expires within 30 days: every leaf is reissued.
        kubetool()
            .args([
                "renew",
                "--expiring-within",
                "30d",
                "--dir",
                path_str(t.path()),
            ])
            .assert()
            .success();
        let new = leaf_pems(t.path());
        let after = hiera(&t.path().join("Debian.yaml"));
        for k in [
            "etcd_ca_crt",
            "etcd_ca_key",
            "kubernetes_ca_crt",
            "sa_key",
            "token",
        ] {
            assert_eq!(
                after[&format!("kubernetes::{k}")],
                os[&format!("kubernetes::{k}")],
                "{k}"
            );
        }
        for (o, n) in old.iter().zip(&new) {
            assert_ne!(o, n);
            verify(t.path(), &pem(&after, "etcd_ca_crt"), n, "sslserver");
        }
        let host = hiera(&t.path().join("coup.yaml"));
        assert_eq!(
            host["kubernetes::etcdserver_key"], old_host["kubernetes::etcdserver_key"],
            "keys are kept"
        );
        // Renewed with the default validity (a year), not the first run's 20 days.
        let renewed = certs::Certificate::from_pem(&pem(&host, "etcdserver_crt")).unwrap();
        assert!(
            renewed.info().days_left >= 364,
            "{}",
            renewed.info().not_after
        );
    }

    #[test]
    fn remove_member_deletes_only_what_kubetool_wrote() {
        let t = tempfile::tempdir().unwrap();
        full(t.path(), CLUSTER).assert().success();
        // Someone keeps other node data in coup.yaml, and other files here.
        let coup = t.path().join("coup.yaml");
        let text = std::fs::read_to_string(&coup).unwrap()
            + "profile::ntp::servers:\n  - ntp1.ocf.berkeley.edu\n";
        std::fs::write(&coup, text).unwrap();
        write(t.path(), "ca.pem", "not kubetool's\n");
        write(t.path(), "notes.json", "{}\n");
        kubetool()
            .args(["remove-member", "autocrat", "--dir", path_str(t.path())])
            .assert()
            .success();
        assert!(!t.path().join("autocrat.yaml").exists());
        let os = hiera(&t.path().join("Debian.yaml"));
        assert_eq!(os["kubernetes::api_server_count"], Value::from(2));
        assert_eq!(
            os["kubernetes::etcd_initial_cluster"],
            Value::from("deadlock=https://192.0.2.75:2380,coup=https://192.0.2.77:2380")
        );
        // A re-run keeps the foreign key in coup.yaml; remove-member of coup
        // takes out only kubetool's keys.
        kubetool()
            .args(["remove-member", "coup", "--dir", path_str(t.path())])
            .assert()
            .success();
        let left = hiera(&coup);
        assert_eq!(left.keys().collect::<Vec<_>>(), ["profile::ntp::servers"]);
        assert!(t.path().join("ca.pem").exists() && t.path().join("notes.json").exists());
        kubetool()
            .args(["remove-member", "deadlock", "--dir", path_str(t.path())])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("deadlock is the only member"));
    }
}

/// Every run leaves a consistent set, and can be repeated: kubetool is
/// killed (SIGKILL, by strace's fault injection) at each rename of a run
/// and at random other system calls; the next run must see the old set or
/// the new one, and a retry of the same command must converge.
mod crash {
    use super::*;
    use std::process::Command as StdCommand;

    /// The cluster-wide file's members, and whether every member's file
    /// is there and names it: the set is consistent.
    fn consistent(dir: &Path) -> Vec<String> {
        let os = hiera(&dir.join("Debian.yaml"));
        let ic = os["kubernetes::etcd_initial_cluster"].as_str().unwrap();
        let names: Vec<String> = ic
            .split(',')
            .map(|i| i.split('=').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            os["kubernetes::api_server_count"],
            Value::from(names.len()),
            "{ic}"
        );
        for n in &names {
            let h = dir.join(format!("{n}.yaml"));
            assert!(h.exists(), "Debian.yaml names {n}, whose file is missing");
            assert!(pem(&hiera(&h), "etcdserver_crt").contains("BEGIN CERTIFICATE"));
        }
        names
    }

    /// kubetool with `args`, killed at the `n`th call of `calls`; whether
    /// it was killed.
    fn killed_at(dir: &Path, args: &[&str], calls: &str, n: usize) -> bool {
        let bin = assert_cmd::cargo::cargo_bin("kubetool");
        let out = StdCommand::new("strace")
            .args(["-f", "-qq", "-o", "/dev/null", "-e"])
            .arg(format!("inject={calls}:signal=KILL:when={n}"))
            .arg(&bin)
            .args(args)
            .args(["--dir", path_str(dir)])
            .output()
            .expect("strace is needed by this test; run .ci/test");
        match out.status.code() {
            Some(0) => false,
            // strace reports the signal as 128 + 9.
            Some(137) | None => true,
            other => panic!("{other:?}: {}", String::from_utf8_lossy(&out.stderr)),
        }
    }

    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for (p, bytes) in snapshot(from) {
            std::fs::write(to.join(p), bytes).unwrap();
        }
    }

    const RENAMES: &str = "rename,renameat,renameat2";
    const OTHERS: &str = "write,fsync,unlink,unlinkat,openat";

    #[test]
    fn a_killed_add_member_leaves_the_old_set_or_the_new_one_and_a_retry_converges() {
        let t = tempfile::tempdir().unwrap();
        let base = t.path().join("base");
        full(&base, "deadlock:192.0.2.75,autocrat:192.0.2.76")
            .assert()
            .success();
        let old = snapshot(&base);
        let add = ["add-member", "coup:192.0.2.77"];
        let mut plan: Vec<(&str, usize)> = (1..=40).map(|n| (RENAMES, n)).collect();
        // Random other points, from a fixed seed (strace counts each call
        // of the set on its own; a run makes about 20 openat, 9 write, 8
        // fsync and 1 unlink).
        let mut x = 0x2545_f491_u64;
        for _ in 0..12 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            plan.push((OTHERS, 1 + (x >> 33) as usize % 20));
        }
        let mut kills = 0;
        let mut renames_done = false;
        for (i, (calls, n)) in plan.iter().enumerate() {
            if renames_done && *calls == RENAMES {
                continue;
            }
            let dir = t.path().join(format!("run{i}"));
            copy(&base, &dir);
            if !killed_at(&dir, &add, calls, *n) {
                if *calls == RENAMES {
                    renames_done = true; // past the last rename: it finished
                }
                continue;
            }
            kills += 1;
            // The next run (any command) settles the interrupted one first:
            // then the set is the old one or the new one, never a mix.
            let out = kubetool()
                .args(["renew", "--expiring-within", "1d", "--dir", path_str(&dir)])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{calls}@{n}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let names = consistent(&dir);
            if names.len() == 2 {
                let now = snapshot(&dir);
                assert!(
                    now == old,
                    "{calls}@{n}: not the old set: {:?}",
                    now.keys().collect::<Vec<_>>()
                );
            } else {
                assert_eq!(names, ["deadlock", "autocrat", "coup"], "{calls}@{n}");
            }
            // The same command, retried, converges and then changes nothing.
            kubetool()
                .args(add)
                .args(["--dir", path_str(&dir)])
                .assert()
                .success();
            assert_eq!(
                consistent(&dir),
                ["deadlock", "autocrat", "coup"],
                "{calls}@{n}"
            );
            let done = snapshot(&dir);
            kubetool()
                .args(add)
                .args(["--dir", path_str(&dir)])
                .assert()
                .success();
            assert!(
                snapshot(&dir) == done,
                "{calls}@{n}: a repeat changed something"
            );
            assert!(
                !done.keys().any(|p| p.to_string_lossy().contains(".new-")),
                "{calls}@{n}: debris {:?}",
                done.keys().collect::<Vec<_>>()
            );
        }
        // Two journal records and two files renamed: four rename points,
        // and most of the random ones.
        assert!(kills >= 10, "only {kills} runs were killed");
    }

    #[test]
    fn add_member_and_remove_member_are_safe_to_run_twice() {
        let t = tempfile::tempdir().unwrap();
        full(t.path(), CLUSTER).assert().success();
        let before = snapshot(t.path());
        kubetool()
            .args(["add-member", "coup:192.0.2.77", "--dir", path_str(t.path())])
            .assert()
            .success()
            .stderr(predicates::str::contains(
                "coup is already a member at 192.0.2.77; nothing to add",
            ));
        assert!(snapshot(t.path()) == before);
        // The same name at another address, or another name at its
        // address, is still a mistake.
        kubetool()
            .args(["add-member", "coup:192.0.2.99", "--dir", path_str(t.path())])
            .assert()
            .code(2);
        kubetool()
            .args(["--dir", path_str(t.path()), "remove-member", "coup"])
            .assert()
            .success();
        let after = snapshot(t.path());
        kubetool()
            .args(["remove-member", "coup", "--dir", path_str(t.path())])
            .assert()
            .success()
            .stderr(predicates::str::contains(
                "coup is not a member; nothing to remove",
            ));
        assert!(snapshot(t.path()) == after);
        // A full run's setting beside a subcommand is named.
        kubetool()
            .args(["-i", CLUSTER, "add-member", "x:192.0.2.9", "--dir", path_str(t.path())])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "--etcd-initial-cluster is a setting of a full run; add-member takes its settings from the existing cluster-wide file",
            ));
        // A member added since is about to be dropped by a plain re-run with
        // the old settings: said, with how to keep it.
        kubetool()
            .args(["add-member", "coup:192.0.2.77", "--dir", path_str(t.path())])
            .assert()
            .success();
        full(t.path(), "deadlock:192.0.2.75,autocrat:192.0.2.76")
            .assert()
            .success()
            .stderr(predicates::str::contains(
                "this run takes coup out of etcd_initial_cluster",
            ))
            .stderr(predicates::str::contains(
                "add them to ETCD_INITIAL_CLUSTER",
            ));
    }
}

/// `--cluster`: the settings and the members from the cluster file.
mod cluster_file {
    use super::*;

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ocf/cluster.yaml")
    }

    fn env_file() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ocf/kubetool.env")
    }

    fn stdout(c: &mut Command) -> Vec<u8> {
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn with_cluster(dir: &Path, file: &Path) -> Command {
        let mut c = kubetool();
        c.arg("--cluster").arg(file).arg("--dir").arg(dir);
        c
    }

    /// The example with `edit` applied to its text.
    fn edited(t: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
        let text = std::fs::read_to_string(example()).unwrap();
        let changed = edit(&text);
        assert_ne!(changed, text, "the edit changed nothing");
        write(t, name, &changed)
    }

    /// deadlock renamed deadlock2 at the same address: refused, nothing
    /// written (it used to list 192.0.2.75 twice and count 4 API servers);
    /// with --prune, a rename.
    #[test]
    fn a_renamed_master_is_refused_without_prune() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path().join("h");
        with_cluster(&h, &example()).assert().success();
        let before = std::fs::read(h.join("Debian.yaml")).unwrap();
        let renamed = edited(t.path(), "renamed.yaml", |s| {
            s.replace("name: deadlock", "name: deadlock2")
        });
        let out = with_cluster(&h, &renamed).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("deadlock2 has the address of deadlock"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(h.join("Debian.yaml")).unwrap(),
            before,
            "nothing written"
        );
        with_cluster(&h, &renamed).arg("--prune").assert().success();
        let os = std::fs::read_to_string(h.join("Debian.yaml")).unwrap();
        assert_eq!(
            os.matches("192.0.2.75").count(),
            2,
            "one member at .75 (initial cluster and peers): {os}"
        );
        assert!(os.contains("kubernetes::api_server_count: 3"), "{os}");
    }

    /// --check, for Puppet's unless: 1 while a run would write (nothing is
    /// written, not even the directory), 0 once the data is what the file
    /// says, 1 again when the file gains a master.
    #[test]
    fn check_says_whether_a_run_would_change_anything_and_writes_nothing() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path().join("h");
        let check = |file: &Path| with_cluster(&h, file).arg("--check").output().unwrap();
        let first = check(&example());
        assert_eq!(first.status.code(), Some(1), "{first:?}");
        assert!(String::from_utf8_lossy(&first.stdout).contains("created"));
        assert!(!h.exists(), "--check made the directory");
        stdout(&mut with_cluster(&h, &example()));
        let before = snapshot(&h);
        assert_eq!(check(&example()).status.code(), Some(0));
        let grown = edited(t.path(), "grown.yaml", |text| {
            text.replace(
                "  - name: coup\n    ipv4: 192.0.2.77\n    ipv6: 2001:db8::77\n",
                "  - name: coup\n    ipv4: 192.0.2.77\n    ipv6: 2001:db8::77\n  - name: fallingrocks\n    ipv4: 192.0.2.78\n",
            )
        });
        let out = check(&grown);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("fallingrocks.yaml"));
        assert_eq!(snapshot(&h), before, "--check wrote something");
        // A usage error is 2, as for any state check.
        let out = with_cluster(&h, &example())
            .args(["--check", "--stdout"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn the_cluster_file_gives_what_the_env_file_gives() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path().join("h");
        // Made from the cluster file, the data is what the env file
        // describes: a run from the env file finds nothing to change.
        stdout(&mut with_cluster(&h, &example()));
        let before = snapshot(&h);
        let mut c = kubetool();
        c.arg("--env-file").arg(env_file()).arg("--dir").arg(&h);
        let report = String::from_utf8(stdout(&mut c)).unwrap();
        assert!(
            !report.contains("updated") && !report.contains("created"),
            "{report}"
        );
        assert_eq!(snapshot(&h), before);
        let from_env = stdout(
            kubetool()
                .arg("--env-file")
                .arg(env_file())
                .arg("--dir")
                .arg(&h)
                .arg("--stdout"),
        );
        let from_file = stdout(with_cluster(&h, &example()).arg("--stdout"));
        assert_eq!(
            String::from_utf8(from_file).unwrap(),
            String::from_utf8(from_env).unwrap()
        );
        let os = hiera(&h.join("Debian.yaml"));
        assert_eq!(os["kubernetes::controller_address"], "192.0.2.100:6443");
        assert_eq!(os["kubernetes::kubernetes_package_version"], "1.30.2-1.1");
        assert_eq!(os["kubernetes::api_server_count"], 3);
        // Flags and the environment override the file.
        let out = stdout(
            with_cluster(&h, &example())
                .args(["--stdout", "-v", "1.31.0"])
                .env("INSTALL_DASHBOARD", "true"),
        );
        let docs = String::from_utf8(out).unwrap();
        assert!(
            docs.contains("kubernetes::kubernetes_version: \"1.31.0\""),
            "{docs}"
        );
        assert!(
            docs.contains("kubernetes::install_dashboard: true"),
            "{docs}"
        );
    }

    /// The api section is the one place the ports are said: the VIP's
    /// port is controller_address and every kubeconfig's through the VIP;
    /// the API servers' own port is the controller manager's and
    /// scheduler's, on their own master.
    #[test]
    fn the_api_sections_ports_reach_controller_address_and_the_kubeconfigs() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path().join("h");
        let split = edited(t.path(), "split.yaml", |s| {
            s.replace("  port: 6443\n", "  port: 8443\n")
                .replace("  apiserver_port: 6443\n", "  apiserver_port: 7443\n")
                .replace("apiserver_bind: node", "apiserver_bind: all")
        });
        let k = t.path().join("kubeadm");
        stdout(with_cluster(&h, &split).arg("--kubeadm").arg(&k));
        let os = hiera(&h.join("Debian.yaml"));
        assert_eq!(os["kubernetes::controller_address"], "192.0.2.100:8443");
        let server = |file: &str| {
            let text = std::fs::read_to_string(k.join("autocrat").join(file)).unwrap();
            let line = text.lines().find(|l| l.contains("server:")).unwrap();
            line.trim().to_owned()
        };
        for through_vip in ["admin.conf", "super-admin.conf", "kubelet.conf"] {
            assert_eq!(
                server(through_vip),
                "server: \"https://192.0.2.100:8443\"",
                "{through_vip}"
            );
        }
        for local in ["controller-manager.conf", "scheduler.conf"] {
            assert_eq!(
                server(local),
                "server: \"https://192.0.2.76:7443\"",
                "{local}"
            );
        }
        // A renewal has no cluster file: the port the tree has is kept.
        let mut renew = kubetool();
        renew
            .args(["renew", "--dir"])
            .arg(&h)
            .arg("--kubeadm")
            .arg(&k);
        stdout(&mut renew);
        assert_eq!(
            server("scheduler.conf"),
            "server: \"https://192.0.2.76:7443\""
        );
    }

    #[test]
    fn a_master_added_to_the_file_joins_and_one_removed_stays_until_pruned() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path().join("h");
        stdout(&mut with_cluster(&h, &example()));
        let before = snapshot(&h);

        // Added: as add-member does, every other file byte-identical, and
        // only the membership lines of Debian.yaml change.
        let four = edited(t.path(), "four.yaml", |s| {
            s.replace(
                "  - name: coup\n",
                "  - name: fallingrocks\n    ipv4: 192.0.2.78\n  - name: coup\n",
            )
        });
        stdout(&mut with_cluster(&h, &four));
        let after = snapshot(&h);
        for (path, content) in &before {
            if path != Path::new("Debian.yaml") {
                assert_eq!(&after[path], content, "{} changed", path.display());
            }
        }
        let (old, new) = (
            String::from_utf8(before[Path::new("Debian.yaml")].clone()).unwrap(),
            String::from_utf8(after[Path::new("Debian.yaml")].clone()).unwrap(),
        );
        let changed: Vec<&str> = new
            .lines()
            .filter(|l| !old.lines().any(|o| o == *l))
            .collect();
        assert_eq!(
            changed,
            [
                "kubernetes::etcd_initial_cluster: \"deadlock=https://192.0.2.75:2380,autocrat=https://192.0.2.76:2380,fallingrocks=https://192.0.2.78:2380,coup=https://192.0.2.77:2380\"",
                "  - \"192.0.2.78\"",
                "kubernetes::api_server_count: 4",
            ],
            "{new}"
        );
        let joined = hiera(&h.join("fallingrocks.yaml"));
        assert_eq!(joined["kubernetes::etcd_initial_cluster_state"], "existing");

        // Removed from the file: kept, with a warning, until --prune.
        let three = edited(t.path(), "three.yaml", |s| {
            s.replace(
                "  - name: coup\n    ipv4: 192.0.2.77\n    ipv6: 2001:db8::77\n",
                "  - name: fallingrocks\n    ipv4: 192.0.2.78\n",
            )
        });
        let with_four = snapshot(&h);
        let out = with_cluster(&h, &three).output().unwrap();
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("kubetool: warning: coup is a member but not in"),
            "{err}"
        );
        assert!(err.contains("run with --prune to remove it"), "{err}");
        assert_eq!(snapshot(&h), with_four, "a member was dropped silently");
        let out = with_cluster(&h, &three).arg("--prune").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!h.join("coup.yaml").exists());
        assert_eq!(
            hiera(&h.join("Debian.yaml"))["kubernetes::api_server_count"],
            3
        );
    }

    #[test]
    fn the_masters_come_from_one_place() {
        let t = tempfile::tempdir().unwrap();
        let out = with_cluster(t.path(), &example())
            .env("ETCD_INITIAL_CLUSTER", "a:10.0.0.1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("unset ETCD_INITIAL_CLUSTER"));
        kubetool()
            .arg("--cluster")
            .arg(example())
            .args(["-i", "a:10.0.0.1"])
            .assert()
            .code(2);
        kubetool().arg("--prune").assert().code(2);
        let bad = edited(t.path(), "bad.yaml", |s| {
            s.replace("version: 1.30.2", "version: v1.30.2")
        });
        let out = with_cluster(t.path(), &bad).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("bad.yaml:")
                && err.contains("kubernetes.version: \"v1.30.2\" is not a Kubernetes version"),
            "{err}"
        );
        assert!(
            std::fs::read_dir(t.path())
                .unwrap()
                .all(|e| e.unwrap().file_name() == "bad.yaml")
        );
    }
}

mod bad_input {
    use super::*;

    /// Each bad input: exit status, the message, and nothing written.
    #[test]
    fn refused_with_the_reason_and_nothing_written() {
        let t = tempfile::tempdir().unwrap();
        let not_pem = write(t.path(), "ca.crt", "hello\n");
        let a_key = write(t.path(), "ca.key", "hello\n");
        let missing = t.path().join("nope.crt");
        let base = |cluster: &str| {
            let mut c = kubetool();
            c.args([
                "-c",
                "flannel",
                "-t",
                "%{networking.ip}",
                "-a",
                "%{networking.ip}",
                "-i",
                cluster,
            ]);
            c
        };
        let cases: Vec<(Command, i32, &str)> = vec![
            (
                base("deadlock:192.0.2.75,autocrat"),
                2,
                "\"autocrat\" is not NAME:IP",
            ),
            (
                base("deadlock:192.0.2.75,,coup:192.0.2.77"),
                2,
                "an empty item",
            ),
            (base("dead lock:192.0.2.75"), 2, "is not a host name"),
            (
                base("deadlock:192.0.2.300"),
                2,
                "is not an IPv4 or IPv6 address",
            ),
            (
                base("deadlock:192.0.2.75,deadlock:192.0.2.76"),
                2,
                "the name deadlock appears twice",
            ),
            (base("Deadlock:192.0.2.75"), 2, "write \"deadlock\""),
            (
                base("deadlock:192.0.2.75,coup:192.0.2.75"),
                2,
                "the address 192.0.2.75 appears twice",
            ),
            (
                base("a:2001:db8::1,b:[2001:db8::1]"),
                2,
                "the address 2001:db8::1 appears twice",
            ),
            (
                {
                    let mut c = base(CLUSTER);
                    c.args(["--ca-algo", "rsa", "-b", "256"]);
                    c
                },
                2,
                "256 bits is not a size for rsa keys",
            ),
            (
                {
                    let mut c = base(CLUSTER);
                    c.env("CA_ALGO", "dsa");
                    c
                },
                2,
                "environment variable CA_ALGO: \"dsa\" is not a key algorithm",
            ),
            (
                {
                    let mut c = base(CLUSTER);
                    c.args([
                        "--etcd-ca-cert",
                        path_str(&missing),
                        "--etcd-ca-key",
                        path_str(&a_key),
                    ]);
                    c
                },
                1,
                "--etcd-ca-cert",
            ),
            (
                {
                    let mut c = base(CLUSTER);
                    c.args([
                        "--etcd-ca-cert",
                        path_str(&not_pem),
                        "--etcd-ca-key",
                        path_str(&a_key),
                    ]);
                    c
                },
                1,
                "no CERTIFICATE block",
            ),
            (
                {
                    let mut c = base(CLUSTER);
                    c.args(["--etcd-ca-cert", path_str(&not_pem)]);
                    c
                },
                2,
                "--etcd-ca-key",
            ),
            (
                {
                    let mut c = base(CLUSTER);
                    c.args(["--dir", path_str(&not_pem)]);
                    c
                },
                1,
                "is not a directory",
            ),
            (
                {
                    let mut c = kubetool();
                    c.args(["-c", "flannel", "-i", CLUSTER, "-a", "%{networking.ip}"]);
                    c
                },
                2,
                "ETCD_IP is not set",
            ),
            (
                {
                    let mut c = kubetool();
                    c.args(["-t", "x", "-i", CLUSTER, "-a", "%{networking.ip}"]);
                    c
                },
                2,
                "CNI_PROVIDER is not set",
            ),
            (
                {
                    let mut c = kubetool();
                    c.args(["add-member", "x:10.0.0.1"]);
                    c
                },
                1,
                "run kubetool with the full settings first",
            ),
        ];
        let work = t.path().join("work");
        std::fs::create_dir(&work).unwrap();
        for (mut cmd, code, message) in cases {
            let before = snapshot(t.path());
            let out = cmd.current_dir(&work).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(code), "{cmd:?}: {stderr}");
            assert!(
                stderr.starts_with("kubetool: error: ") && stderr.contains(message),
                "{cmd:?}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert_eq!(snapshot(t.path()), before, "{cmd:?} wrote something");
        }

        // An existing cluster whose files are damaged is left as it was.
        full(&work, CLUSTER).assert().success();
        let coup = work.join("coup.yaml");
        std::fs::write(&coup, "kubernetes::etcdserver_crt: [unclosed\n").unwrap();
        let before = snapshot(&work);
        full(&work, CLUSTER)
            .assert()
            .code(1)
            .stderr(predicates::str::contains("coup.yaml: not valid YAML"));
        kubetool()
            .args(["add-member", "riptide:192.0.2.81", "--dir", path_str(&work)])
            .assert()
            .code(1);
        assert_eq!(snapshot(&work), before);
    }
}
