//! The `certs` binary against real openssl: every certificate the library
//! makes must satisfy `openssl verify`, `certs inspect` must agree with
//! `openssl x509 -text` (on openssl's certificates too), and the checks'
//! exit statuses are the documented ones.
//!
//! openssl is installed by the test command (`.ci/test`); a missing openssl
//! fails these tests, it never skips them.

use assert_cmd::Command;
use certs::{Ca, CaSpec, KeyAlgorithm, LeafSpec, PrivateKey, Role, kubeadm};
use serde_json::Value;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

use testkit::{openssl, path_str, write};

fn certs() -> Command {
    Command::cargo_bin("certs").expect("the certs binary is built")
}

fn key(alg: KeyAlgorithm) -> PrivateKey {
    PrivateKey::generate(alg).unwrap()
}

fn ca(name: &str, alg: KeyAlgorithm) -> Ca {
    Ca::generate(&CaSpec::new(name), key(alg)).unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A Hiera YAML document: each key with its PEM as a literal block.
fn hiera(entries: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (key, pem) in entries {
        out.push_str(&format!("kubernetes::{key}: |\n"));
        for line in pem.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("valid JSON")
}

mod generated {
    use super::*;

    fn profiles() -> Vec<(&'static str, LeafSpec)> {
        vec![
            (
                "server",
                LeafSpec::new("web", Role::Server)
                    .dns(["lb.ocf.berkeley.edu"])
                    .ips([ip("192.0.2.100")]),
            ),
            (
                "client",
                LeafSpec::new("alice", Role::Client).organization("ocf"),
            ),
            (
                "peer",
                LeafSpec::new("deadlock", Role::Peer)
                    .dns(["deadlock"])
                    .ips([ip("2001:db8::75")]),
            ),
            (
                "apiserver",
                kubeadm::apiserver(
                    "deadlock",
                    "cluster.local",
                    ip("10.96.0.1"),
                    ip("192.0.2.75"),
                ),
            ),
            (
                "apiserver-kubelet-client",
                kubeadm::apiserver_kubelet_client(),
            ),
            ("front-proxy-client", kubeadm::front_proxy_client()),
            (
                "etcd-server",
                kubeadm::etcd_server("deadlock", ip("192.0.2.75")),
            ),
            (
                "etcd-healthcheck-client",
                kubeadm::etcd_healthcheck_client(),
            ),
            ("apiserver-etcd-client", kubeadm::apiserver_etcd_client()),
            ("admin", kubeadm::admin()),
            ("super-admin", kubeadm::super_admin()),
            ("controller-manager", kubeadm::controller_manager()),
            ("scheduler", kubeadm::scheduler()),
            ("kubelet", kubeadm::kubelet("riptide")),
        ]
    }

    #[test]
    fn openssl_verifies_every_profile_for_every_key_type() {
        let dir = tempfile::tempdir().unwrap();
        for alg in KeyAlgorithm::ALL {
            let ca = ca(&format!("ca-{alg}"), alg);
            let ca_file = write(
                dir.path(),
                &format!("{alg}/ca.crt"),
                &ca.certificate().pem(),
            );
            // openssl reads the CA key in the encoding we write (PKCS#1 / SEC1)
            // and derives the same public key from it.
            let ca_key = write(dir.path(), &format!("{alg}/ca.key"), &ca.key().to_pem());
            assert_eq!(
                openssl(&["pkey", "-in", path_str(&ca_key), "-pubout"]),
                ca.key().public_key_pem(),
                "{alg}"
            );
            let leaf_key = key(alg);
            for (name, spec) in profiles() {
                let cert = ca.issue(&spec, &leaf_key).unwrap();
                let f = write(dir.path(), &format!("{alg}/{name}.crt"), &cert.pem());
                let purpose = match spec.role {
                    Role::Server => "sslserver",
                    Role::Client => "sslclient",
                    Role::Peer => "sslserver",
                };
                let out = openssl(&[
                    "verify",
                    "-CAfile",
                    path_str(&ca_file),
                    "-purpose",
                    purpose,
                    path_str(&f),
                ]);
                assert_eq!(out.trim(), format!("{}: OK", path_str(&f)), "{alg} {name}");
                if spec.role == Role::Peer {
                    openssl(&[
                        "verify",
                        "-CAfile",
                        path_str(&ca_file),
                        "-purpose",
                        "sslclient",
                        path_str(&f),
                    ]);
                }
            }
        }
    }

    #[test]
    fn certificates_with_several_groups_keep_every_group() {
        let ca = ca("kubernetes", KeyAlgorithm::EcdsaP256);
        let spec = LeafSpec::new("alice", Role::Client)
            .organization("ocf")
            .organization("ocf-staff");
        let cert = ca.issue(&spec, &key(KeyAlgorithm::EcdsaP256)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "alice.crt", &cert.pem());
        let subject = openssl(&[
            "x509",
            "-in",
            path_str(&f),
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253",
        ]);
        assert_eq!(subject.trim(), "subject=CN=alice,O=ocf-staff,O=ocf");
    }
}

/// The fields of `openssl x509 -text` that `certs inspect` also reports.
#[derive(Debug, PartialEq)]
struct Fields {
    subject: String,
    issuer: String,
    not_before: String,
    not_after: String,
    dns: Vec<String>,
    ips: Vec<String>,
    key_usage: Vec<String>,
    eku: Vec<String>,
    is_ca: bool,
    key_type: String,
    key_bits: Option<u64>,
}

fn openssl_fields(file: &Path) -> Fields {
    let text = openssl(&["x509", "-in", path_str(file), "-noout", "-text"]);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let after = |prefix: &str| -> String {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in openssl output:\n{text}"))
            .trim()
            .to_owned()
    };
    let next_after = |header: &str| -> Option<String> {
        let i = lines.iter().position(|l| l.starts_with(header))?;
        Some(lines[i + 1].to_owned())
    };
    // "Nov 24 20:11:52 2026 GMT" (the day space-padded) -> RFC 3339.
    let date = |d: String| {
        let p: Vec<&str> = d.split_whitespace().collect();
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = MONTHS.iter().position(|m| *m == p[0]).unwrap() + 1;
        assert_eq!(p[4], "GMT", "{d}");
        format!(
            "{}-{month:02}-{:02}T{}Z",
            p[3],
            p[1].parse::<u8>().unwrap(),
            p[2]
        )
    };
    let (mut dns, mut ips) = (vec![], vec![]);
    if let Some(san) = next_after("X509v3 Subject Alternative Name") {
        for part in san.split(", ") {
            if let Some(d) = part.strip_prefix("DNS:") {
                dns.push(d.to_owned());
            } else if let Some(a) = part.strip_prefix("IP Address:") {
                // openssl prints IPv6 uncompressed and upper-case; normalise.
                ips.push(a.parse::<IpAddr>().unwrap().to_string());
            }
        }
    }
    let ku_name = |n: &str| -> String {
        match n {
            "Digital Signature" => "digitalSignature",
            "Non Repudiation" => "nonRepudiation",
            "Key Encipherment" => "keyEncipherment",
            "Data Encipherment" => "dataEncipherment",
            "Key Agreement" => "keyAgreement",
            "Certificate Sign" => "keyCertSign",
            "CRL Sign" => "cRLSign",
            "TLS Web Server Authentication" => "serverAuth",
            "TLS Web Client Authentication" => "clientAuth",
            "Code Signing" => "codeSigning",
            "E-mail Protection" => "emailProtection",
            other => panic!("unmapped openssl usage {other:?}"),
        }
        .to_owned()
    };
    let list = |header: &str| -> Vec<String> {
        next_after(header)
            .map(|l| l.split(", ").map(ku_name).collect())
            .unwrap_or_default()
    };
    let alg = after("Public Key Algorithm:");
    let bits = lines
        .iter()
        .find_map(|l| {
            l.strip_prefix("Public-Key: (")
                .or_else(|| l.strip_prefix("RSA Public-Key: ("))
        })
        .map(|b| b.trim_end_matches(" bit)").parse().unwrap());
    let key_type = match alg.as_str() {
        "rsaEncryption" => "RSA",
        "id-ecPublicKey" => "ECDSA",
        "ED25519" => "Ed25519",
        other => panic!("unmapped key algorithm {other}"),
    };
    Fields {
        subject: after("Subject:").replace(" = ", "="),
        issuer: after("Issuer:").replace(" = ", "="),
        not_before: date(after("Not Before:")),
        not_after: date(after("Not After :")),
        dns,
        ips,
        key_usage: list("X509v3 Key Usage"),
        eku: list("X509v3 Extended Key Usage"),
        is_ca: next_after("X509v3 Basic Constraints").is_some_and(|l| l.starts_with("CA:TRUE")),
        key_type: key_type.to_owned(),
        key_bits: bits,
    }
}

fn inspect_fields(v: &Value) -> Fields {
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect()
    };
    let key_type = v["key_type"].as_str().unwrap().to_owned();
    Fields {
        subject: v["subject"].as_str().unwrap().to_owned(),
        issuer: v["issuer"].as_str().unwrap().to_owned(),
        not_before: v["not_before"].as_str().unwrap().to_owned(),
        not_after: v["not_after"].as_str().unwrap().to_owned(),
        dns: strings("dns_names"),
        ips: strings("ip_addresses"),
        key_usage: strings("key_usage"),
        eku: strings("extended_key_usage"),
        is_ca: v["is_ca"].as_bool().unwrap(),
        // openssl -text does not print a size for Ed25519.
        key_bits: (key_type != "Ed25519").then(|| v["key_bits"].as_u64().unwrap()),
        key_type,
    }
}

mod inspect {
    use super::*;

    fn agree(file: &Path) -> Value {
        let out = certs()
            .args(["inspect", "--format", "json", path_str(file)])
            .assert()
            .success();
        let v = json(&out.get_output().stdout);
        assert_eq!(v.as_array().unwrap().len(), 1);
        assert_eq!(
            inspect_fields(&v[0]),
            openssl_fields(file),
            "{}",
            file.display()
        );
        v[0].clone()
    }

    #[test]
    fn agrees_with_openssl_on_our_certificates() {
        let dir = tempfile::tempdir().unwrap();
        for alg in [
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::Rsa3072,
        ] {
            let ca = ca("etcd-ca", alg);
            let spec = LeafSpec::new("deadlock", Role::Peer)
                .organization("ocf")
                .dns(["deadlock", "deadlock.ocf.berkeley.edu", "localhost"])
                .ips([ip("192.0.2.75"), ip("2001:db8::75"), ip("::1")]);
            let leaf = ca.issue(&spec, &key(alg)).unwrap();
            let f = write(dir.path(), &format!("{alg}.crt"), &leaf.pem());
            let v = agree(&f);
            assert_eq!(v["ip_addresses"][1], "2001:db8::75");
            agree(&write(
                dir.path(),
                &format!("{alg}-ca.crt"),
                &ca.certificate().pem(),
            ));
        }
    }

    #[test]
    fn agrees_with_openssl_on_openssls_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let d = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
        for (name, newkey) in [
            ("rsa4096", vec!["-newkey", "rsa:4096"]),
            (
                "p384",
                vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            ),
            ("ed25519", vec!["-newkey", "ed25519"]),
        ] {
            let (keyf, crtf) = (d(&format!("{name}.key")), d(&format!("{name}.crt")));
            let mut args = vec![
                "req",
                "-x509",
                "-nodes",
                "-days",
                "90",
                "-subj",
                "/O=OCF/OU=Site Reliability/CN=openssl test",
            ];
            args.extend(newkey);
            args.extend([
                "-keyout",
                &keyf,
                "-out",
                &crtf,
                "-addext",
                "subjectAltName=DNS:www.ocf.berkeley.edu,IP:192.0.2.10,IP:2001:db8::10",
                "-addext",
                "keyUsage=critical,digitalSignature,keyCertSign",
                "-addext",
                "extendedKeyUsage=serverAuth,clientAuth",
            ]);
            openssl(&args);
            let v = agree(Path::new(&crtf));
            let want_bits = match name {
                "rsa4096" => 4096,
                "p384" => 384,
                _ => 256,
            };
            assert_eq!(v["key_bits"], want_bits, "{name}");
            // DER input reads the same.
            let der = d(&format!("{name}.der"));
            openssl(&["x509", "-in", &crtf, "-outform", "der", "-out", &der]);
            let out = certs()
                .args(["inspect", "--format", "json", &der])
                .assert()
                .success();
            assert_eq!(
                json(&out.get_output().stdout)[0]["sha256_fingerprint"],
                v["sha256_fingerprint"]
            );
            let fp = openssl(&["x509", "-in", &crtf, "-noout", "-fingerprint", "-sha256"]);
            assert_eq!(
                fp.trim().rsplit('=').next().unwrap(),
                v["sha256_fingerprint"].as_str().unwrap()
            );
        }
    }

    /// kubetool --stdout: one document per master, each with its own
    /// etcdserver_crt and etcdserver_key. Keys pair with the certificate of
    /// their own document only.
    #[test]
    fn keys_pair_within_their_yaml_document() {
        let a = ca("deadlock", KeyAlgorithm::EcdsaP256);
        let b = ca("autocrat", KeyAlgorithm::EcdsaP256);
        let doc = |c: &Ca| {
            hiera(&[
                ("etcdserver_crt", c.certificate().pem()),
                ("etcdserver_key", c.key().to_pem()),
            ])
        };
        let stream = format!("---\n{}---\n{}", doc(&a), doc(&b));
        certs()
            .args(["check", "-"])
            .write_stdin(stream.clone())
            .assert()
            .code(0)
            .stdout(predicates::str::contains("CERTS OK"));
        // A real mismatch within one document is still found.
        let crossed = format!(
            "---\n{}",
            hiera(&[
                ("etcdserver_crt", a.certificate().pem()),
                ("etcdserver_key", b.key().to_pem()),
            ])
        );
        certs()
            .args(["check", "-"])
            .write_stdin(crossed)
            .assert()
            .code(2)
            .stdout(predicates::str::contains("is not this certificate's pair"));
    }

    /// A kubeconfig field that does not decode is named, UNKNOWN; inspect
    /// shows what it can read and exits 1 for what it cannot.
    #[test]
    fn unreadable_items_are_named_and_fail() {
        let a = ca("kubernetes", KeyAlgorithm::EcdsaP256);
        let b64 = |s: String| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(s)
        };
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    certificate-authority-data: {}\n    server: https://x:6443\nusers:\n- name: admin\n  user:\n    client-certificate-data: not*base64\n",
            b64(a.certificate().pem())
        );
        certs()
            .args(["check", "-"])
            .write_stdin(kubeconfig.clone())
            .assert()
            .code(3)
            .stdout(predicates::str::contains(
                "client-certificate-data is not base64 of PEM data",
            ));
        certs()
            .args(["inspect", "-"])
            .write_stdin(kubeconfig)
            .assert()
            .code(1)
            .stdout(predicates::str::contains("certificate-authority-data"))
            .stderr(predicates::str::contains(
                "users[admin].user.client-certificate-data: cannot read it",
            ));
        let mixed = format!(
            "{}-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n",
            a.certificate().pem()
        );
        certs()
            .args(["inspect", "-"])
            .write_stdin(mixed)
            .assert()
            .code(1)
            .stdout(predicates::str::contains("CN=kubernetes"))
            .stderr(predicates::str::contains("X509 CRL blocks are not read"));
    }

    /// YAML past a bound (aliases of aliases that expand ten million
    /// times, few enough to pass the alias count) says so, whatever the
    /// input is called: once stdin or a .txt said "holds no PEM block".
    #[test]
    fn yaml_past_a_bound_says_so_from_stdin_and_any_name() {
        let mut text = format!("a0: &a0 [{}]\n", ["x"; 10].join(", "));
        for i in 1..=6 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let t = tempfile::tempdir().unwrap();
        let said = "its aliases (*name) expand to more than a hundred times the document";
        for name in ["hiera.txt", "hiera.yaml"] {
            let f = t.path().join(name);
            std::fs::write(&f, &text).unwrap();
            certs()
                .arg("inspect")
                .arg(&f)
                .assert()
                .code(1)
                .stderr(predicates::str::contains(said));
        }
        certs()
            .args(["inspect", "-"])
            .write_stdin(text)
            .assert()
            .code(1)
            .stderr(predicates::str::contains(said));
    }

    #[test]
    fn reads_a_hiera_file_and_a_yaml_stream_from_stdin() {
        let ca = ca("etcd-ca", KeyAlgorithm::EcdsaP256);
        let os = format!(
            "kubernetes::api_server_count: 3\n{}",
            hiera(&[
                ("etcd_ca_crt", ca.certificate().pem()),
                ("etcd_ca_key", ca.key().to_pem())
            ])
        );
        let host = hiera(&[("etcdserver_crt", ca.certificate().pem())]);
        let stream = format!("---\n{os}---\n{host}");
        let out = certs()
            .args(["inspect", "-"])
            .write_stdin(stream)
            .assert()
            .success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(
            text.contains("stdin: document 1: kubernetes::etcd_ca_crt (certificate)"),
            "{text}"
        );
        assert!(
            text.contains("stdin: document 1: kubernetes::etcd_ca_key (private key)"),
            "{text}"
        );
        assert!(
            text.contains("stdin: document 2: kubernetes::etcdserver_crt (certificate)"),
            "{text}"
        );
        assert!(
            text.contains("CA                   yes, self-signed"),
            "{text}"
        );
    }
}

mod pin {
    use super::*;

    #[test]
    fn equals_the_openssl_pipeline_for_rsa_and_ecdsa() {
        let dir = tempfile::tempdir().unwrap();
        for alg in [
            KeyAlgorithm::Rsa2048,
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
        ] {
            let ca = ca("kubernetes", alg);
            let f = write(dir.path(), &format!("{alg}.crt"), &ca.certificate().pem());
            let script = format!(
                "openssl x509 -in {} -pubkey -noout | openssl pkey -pubin -outform der | sha256sum",
                path_str(&f)
            );
            let out = std::process::Command::new("sh")
                .args(["-c", &script])
                .output()
                .unwrap();
            assert!(out.status.success());
            let hex = String::from_utf8(out.stdout)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
            assert_eq!(hex.len(), 64);
            certs()
                .args(["pin", path_str(&f)])
                .assert()
                .success()
                .stdout(format!("sha256:{hex}\n"));
            certs()
                .args(["pin", "--bare", path_str(&f)])
                .assert()
                .success()
                .stdout(format!("{hex}\n"));
        }
    }
}

mod verify {
    use super::*;

    struct Pki {
        dir: tempfile::TempDir,
        ca: PathBuf,
    }

    fn setup() -> (Pki, Ca) {
        let dir = tempfile::tempdir().unwrap();
        let ca = ca("etcd-ca", KeyAlgorithm::EcdsaP256);
        let f = write(dir.path(), "ca.crt", &ca.certificate().pem());
        (Pki { dir, ca: f }, ca)
    }

    fn leaf(ca: &Ca, pki: &Pki, name: &str, spec: &LeafSpec) -> (PathBuf, PathBuf) {
        let k = key(KeyAlgorithm::EcdsaP256);
        let c = ca.issue(spec, &k).unwrap();
        (
            write(pki.dir.path(), &format!("{name}.crt"), &c.pem()),
            write(pki.dir.path(), &format!("{name}.key"), &k.to_pem()),
        )
    }

    fn fails_with(args: &[&str], reason: &str) {
        let out = certs().arg("verify").args(args).assert().code(1);
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(
            text.contains("FAILED") && text.contains(reason),
            "{reason:?} not in:\n{text}"
        );
    }

    #[test]
    fn accepts_a_good_certificate_for_its_use() {
        let (pki, ca) = setup();
        let spec = kubeadm::etcd_server("deadlock", ip("192.0.2.75"));
        let (c, k) = leaf(&ca, &pki, "server", &spec);
        for host in ["192.0.2.75", "deadlock", "localhost", "::1"] {
            certs()
                .args([
                    "verify",
                    "--ca",
                    path_str(&pki.ca),
                    "--host",
                    host,
                    "--usage",
                    "peer",
                    "--key",
                    path_str(&k),
                    path_str(&c),
                ])
                .assert()
                .code(0)
                .stdout(predicates::str::contains("server.crt: OK"));
        }
        let out = certs()
            .args([
                "verify",
                "--format",
                "json",
                "--ca",
                path_str(&pki.ca),
                path_str(&c),
            ])
            .assert()
            .code(0);
        let v = json(&out.get_output().stdout);
        assert_eq!(v["ok"], true);
        assert_eq!(v["checks"][0]["check"], "chain");
    }

    #[test]
    fn rejects_each_kind_of_bad_certificate() {
        let (pki, ca) = setup();
        let spec = LeafSpec::new("web", Role::Server).dns(["lb.ocf.berkeley.edu"]);
        let (c, k) = leaf(&ca, &pki, "server", &spec);
        let cas = path_str(&pki.ca);

        // A leaf from another CA of the same name.
        let other = self::ca("etcd-ca", KeyAlgorithm::EcdsaP256);
        let (oc, _) = leaf(&other, &pki, "other", &spec);
        fails_with(
            &["--ca", cas, path_str(&oc)],
            "different CA of the same name",
        );

        // An expired leaf: issued two years ago for one year.
        let old_ca = Ca::generate_at(
            &CaSpec::new("old-ca"),
            key(KeyAlgorithm::EcdsaP256),
            OffsetDateTime::now_utc() - Duration::days(800),
        )
        .unwrap();
        let old_ca_f = write(pki.dir.path(), "old-ca.crt", &old_ca.certificate().pem());
        let k2 = key(KeyAlgorithm::EcdsaP256);
        let expired = old_ca
            .issue_for_spki_at(
                &spec,
                &k2.public_key_der(),
                OffsetDateTime::now_utc() - Duration::days(730),
            )
            .unwrap();
        let ef = write(pki.dir.path(), "expired.crt", &expired.pem());
        fails_with(&["--ca", path_str(&old_ca_f), path_str(&ef)], "expired");

        // A wrong host.
        fails_with(
            &["--ca", cas, "--host", "www.ocf.berkeley.edu", path_str(&c)],
            "www.ocf.berkeley.edu is not among",
        );
        fails_with(
            &["--ca", cas, "--host", "192.0.2.100", path_str(&c)],
            "192.0.2.100 is not among",
        );

        // A server-only certificate used as a client.
        fails_with(
            &["--ca", cas, "--usage", "client", path_str(&c)],
            "does not allow client use",
        );
        fails_with(
            &["--ca", cas, "--usage", "peer", path_str(&c)],
            "does not allow peer use",
        );

        // A key that does not match.
        let (_, wrong_key) = leaf(&ca, &pki, "unrelated", &LeafSpec::new("x", Role::Client));
        fails_with(
            &["--ca", cas, "--key", path_str(&wrong_key), path_str(&c)],
            "does not belong",
        );
        // ...while the right one passes.
        certs()
            .args(["verify", "--ca", cas, "--key", path_str(&k), path_str(&c)])
            .assert()
            .code(0);
    }

    #[test]
    fn an_error_is_not_a_failed_check() {
        let (pki, _ca) = setup();
        // exit 2, not 1: Puppet must not act on a broken check.
        certs()
            .args(["verify", "--ca", path_str(&pki.ca), "/nonexistent.crt"])
            .assert()
            .code(2);
        certs().args(["verify", path_str(&pki.ca)]).assert().code(2);
    }
}

/// What openssl prints of awkward certificates, certs prints the same:
/// RFC 4514 escaping in names, directory and other names among the SANs,
/// a negative serial, BMPString values, RSA-PSS and secp256k1 key sizes.
mod printing {
    use super::*;

    fn field(text: &str, name: &str) -> String {
        text.lines()
            .find_map(|l| l.trim_start().strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .trim()
            .to_owned()
    }

    #[test]
    fn names_serials_and_keys_print_as_openssl_prints_them() {
        let t = tempfile::tempdir().unwrap();
        let cnf = write(
            t.path(),
            "req.cnf",
            "[req]\ndistinguished_name = dn\nstring_mask = default\n[dn]\n[v3]\nsubjectAltName = DNS:a.example.com, dirName:dir_sect, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.com, email:x@example.com\n[dir_sect]\nCN = Dir Name\nO = Org, Inc\n",
        );
        for (alg, opt, key_shown) in [
            ("EC", "ec_paramgen_curve:secp256k1", "ECDSA secp256k1"),
            ("RSA-PSS", "rsa_keygen_bits:2048", "RSA-PSS 2048"),
        ] {
            let (k, c) = (
                t.path().join(format!("{alg}.key")),
                t.path().join(format!("{alg}.crt")),
            );
            openssl(&[
                "genpkey",
                "-algorithm",
                alg,
                "-pkeyopt",
                opt,
                "-out",
                path_str(&k),
            ]);
            openssl(&[
                "req",
                "-x509",
                "-utf8",
                "-key",
                path_str(&k),
                "-out",
                path_str(&c),
                "-days",
                "10",
                "-config",
                path_str(&cnf),
                "-extensions",
                "v3",
                "-set_serial",
                "-255",
                "-subj",
                "/CN=#lead, comma/OU=x<y>z;w/O=Grüße",
            ]);
            let theirs = openssl(&[
                "x509",
                "-in",
                path_str(&c),
                "-noout",
                "-subject",
                "-serial",
                "-nameopt",
                "utf8,sep_comma_plus_space,esc_2253,esc_ctrl",
            ]);
            let text = openssl(&["x509", "-in", path_str(&c), "-noout", "-text"]);
            let out = certs().args(["inspect"]).arg(&c).output().unwrap();
            assert!(out.status.success());
            let mine = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                field(&mine, "subject"),
                field(&theirs, "subject="),
                "{mine}"
            );
            assert_eq!(
                field(&mine, "serial").to_ascii_uppercase(),
                field(&theirs, "serial="),
                "{mine}"
            );
            let san = text
                .lines()
                .skip_while(|l| !l.contains("Subject Alternative Name"))
                .nth(1)
                .unwrap()
                .trim()
                .to_owned();
            assert_eq!(field(&mine, "alt names"), san, "{mine}");
            assert!(
                mine.contains(&format!("key                  {key_shown}")),
                "{mine}"
            );
        }
    }
}

/// certs verify against `openssl verify` (-untrusted for the
/// intermediate, -purpose for the usage) over chains the test makes with
/// openssl: every case agrees, except the documented ones where certs
/// follows Go's crypto/x509 (what etcd and the API server run), asserted
/// as such.
mod verify_matrix {
    use super::*;

    struct Lab {
        dir: tempfile::TempDir,
        n: std::cell::Cell<u32>,
    }

    /// A key, a certificate, and the file names.
    struct Made {
        crt: PathBuf,
        key: PathBuf,
    }

    impl Lab {
        fn new() -> Lab {
            Lab {
                dir: tempfile::tempdir().unwrap(),
                n: std::cell::Cell::new(0),
            }
        }

        fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }

        fn key(&self, alg: &str, name: &str) -> PathBuf {
            let key = self.path(&format!("{name}.key"));
            let mut args = vec!["genpkey", "-out", path_str(&key), "-algorithm"];
            match alg {
                "P-256" | "P-384" | "P-521" => {
                    args.extend(["EC", "-pkeyopt"]);
                    let curve = format!("ec_paramgen_curve:{alg}");
                    openssl(&[args, vec![&curve]].concat());
                    return key;
                }
                "RSA-1024" | "RSA-4096" | "RSA-2048" => {
                    let bits = format!("rsa_keygen_bits:{}", &alg[4..]);
                    openssl(&[args, vec!["RSA", "-pkeyopt", &bits]].concat());
                    return key;
                }
                "RSA-PSS" => args.extend(["RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"]),
                other => args.push(other),
            }
            openssl(&args);
            key
        }

        /// A certificate for `cn` with extensions `ext`, valid from
        /// `start` to `end` (YYYYMMDDHHMMSSZ), signed by `by` (itself when
        /// None), through `openssl ca` so that any dates can be given.
        #[allow(clippy::too_many_arguments)]
        fn cert(
            &self,
            alg: &str,
            cn: &str,
            ext: &str,
            by: Option<&Made>,
            start: &str,
            end: &str,
            md: &str,
        ) -> Made {
            let n = self.n.get() + 1;
            self.n.set(n);
            let name = format!("c{n}-{cn}");
            let key = self.key(alg, &name);
            let csr = self.path(&format!("{name}.csr"));
            openssl(&[
                "req",
                "-new",
                "-key",
                path_str(&key),
                "-subj",
                &format!("/CN={cn}"),
                "-out",
                path_str(&csr),
            ]);
            let db = self.path(&format!("{name}.db"));
            std::fs::create_dir_all(&db).unwrap();
            std::fs::write(db.join("index.txt"), "").unwrap();
            std::fs::write(db.join("serial"), format!("{:04X}\n", 0x1000 + n)).unwrap();
            let cfg = self.path(&format!("{name}.cnf"));
            std::fs::write(
                &cfg,
                format!(
                    "[ca]\ndefault_ca = lab\n[lab]\ndatabase = {d}/index.txt\nnew_certs_dir = {d}\nserial = {d}/serial\ndefault_md = {md}\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\n[v3]\n{ext}\n",
                    d = path_str(&db)
                ),
            )
            .unwrap();
            let crt = self.path(&format!("{name}.crt"));
            let mut args = vec![
                "ca",
                "-batch",
                "-notext",
                "-config",
                path_str(&cfg),
                "-extensions",
                "v3",
                "-in",
                path_str(&csr),
                "-out",
                path_str(&crt),
                "-startdate",
                start,
                "-enddate",
                end,
            ];
            match by {
                Some(ca) => {
                    args.extend(["-cert", path_str(&ca.crt), "-keyfile", path_str(&ca.key)])
                }
                None => args.extend(["-selfsign", "-keyfile", path_str(&key)]),
            }
            openssl(&args);
            Made { crt, key }
        }
    }

    const CA: &str = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash";
    const LEAF: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:a.example.com\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid";
    const FROM: &str = "20200101000000Z";
    const TO: &str = "20400101000000Z";

    /// One case: root, intermediate and leaf with these algorithms and
    /// extras; both verdicts (true: valid), and certs' reason.
    struct Case<'a> {
        what: &'a str,
        alg: &'a str,
        root_ext: &'a str,
        inter_ext: &'a str,
        leaf_ext: &'a str,
        /// (depth, start, end) for one certificate: 0 leaf, 1 intermediate, 2 root.
        dates: Option<(usize, &'a str, &'a str)>,
        usage: Option<&'a str>,
        md: &'a str,
    }

    fn case<'a>(what: &'a str) -> Case<'a> {
        Case {
            what,
            alg: "P-256",
            root_ext: "",
            inter_ext: "",
            leaf_ext: "",
            dates: None,
            usage: None,
            md: "default",
        }
    }

    /// (openssl's verdict, certs' verdict, certs' output).
    fn run(lab: &Lab, c: &Case) -> (bool, bool, String) {
        let at = |d: usize| match c.dates {
            Some((depth, a, b)) if depth == d => (a, b),
            _ => (FROM, TO),
        };
        let ext = |base: &str, extra: &str| format!("{base}\n{extra}");
        let (s2, e2) = at(2);
        let root = lab.cert(c.alg, "root", &ext(CA, c.root_ext), None, s2, e2, c.md);
        let (s1, e1) = at(1);
        let inter_ext = ext(CA, c.inter_ext) + "\nauthorityKeyIdentifier=keyid";
        let inter = lab.cert(c.alg, "inter", &inter_ext, Some(&root), s1, e1, c.md);
        let (s0, e0) = at(0);
        let leaf_ext = if c.leaf_ext.starts_with('!') {
            c.leaf_ext[1..].to_owned()
        } else {
            ext(LEAF, c.leaf_ext)
        };
        let leaf = lab.cert(c.alg, "leaf", &leaf_ext, Some(&inter), s0, e0, c.md);
        let mut o = vec![
            "verify",
            "-CAfile",
            path_str(&root.crt),
            "-untrusted",
            path_str(&inter.crt),
        ];
        if let Some(u) = c.usage {
            o.extend([
                "-purpose",
                if u == "server" {
                    "sslserver"
                } else {
                    "sslclient"
                },
            ]);
        }
        o.push(path_str(&leaf.crt));
        let ossl = testkit::tool("openssl", &o).status.success();
        let bundle = lab.path(&format!("{}-bundle.pem", c.what.replace(' ', "_")));
        let text = std::fs::read_to_string(&leaf.crt).unwrap()
            + &std::fs::read_to_string(&inter.crt).unwrap();
        std::fs::write(&bundle, text).unwrap();
        let mut cmd = certs();
        cmd.args(["verify", "--ca", path_str(&root.crt)]);
        if let Some(u) = c.usage {
            cmd.args(["--usage", u]);
        }
        let out = cmd.arg(&bundle).output().unwrap();
        let shown = String::from_utf8_lossy(&out.stdout).into_owned();
        (ossl, out.status.code() == Some(0), shown)
    }

    #[test]
    fn certs_and_openssl_agree_on_every_chain() {
        let lab = Lab::new();
        let mut cases = vec![];
        for alg in ["P-256", "P-384", "P-521", "ED25519", "RSA-4096", "RSA-1024"] {
            cases.push((Case { alg, ..case(alg) }, true, ""));
        }
        let more = [
            (
                Case {
                    root_ext: "basicConstraints=critical,CA:TRUE,pathlen:0",
                    ..case("pathlen 0 above an intermediate")
                },
                false,
                "pathLenConstraint",
            ),
            (
                Case {
                    root_ext: "basicConstraints=critical,CA:TRUE,pathlen:1",
                    ..case("pathlen 1")
                },
                true,
                "",
            ),
            (
                Case {
                    inter_ext: "nameConstraints=critical,permitted;DNS:example.com",
                    ..case("permitted DNS")
                },
                true,
                "",
            ),
            (
                Case {
                    inter_ext: "nameConstraints=critical,permitted;DNS:example.org",
                    ..case("outside permitted DNS")
                },
                false,
                "outside the names",
            ),
            (
                Case {
                    inter_ext: "nameConstraints=critical,excluded;DNS:a.example.com",
                    ..case("excluded DNS")
                },
                false,
                "excludes",
            ),
            (
                Case {
                    inter_ext: "nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0",
                    leaf_ext: "subjectAltName=DNS:a.example.com,IP:10.1.2.3",
                    ..case("permitted IP")
                },
                true,
                "",
            ),
            (
                Case {
                    inter_ext: "nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0",
                    leaf_ext: "subjectAltName=DNS:a.example.com,IP:192.0.2.1",
                    ..case("outside permitted IP")
                },
                false,
                "outside the names",
            ),
            (
                Case {
                    inter_ext: "nameConstraints=critical,excluded;IP:192.0.2.0/255.255.255.0",
                    leaf_ext: "subjectAltName=DNS:a.example.com,IP:192.0.2.1",
                    ..case("excluded IP")
                },
                false,
                "excludes",
            ),
            (
                Case {
                    inter_ext: "nameConstraints=critical,permitted;email:example.com",
                    leaf_ext: "subjectAltName=DNS:a.example.com,email:x@example.com",
                    ..case("permitted email")
                },
                true,
                "",
            ),
            (
                Case {
                    inter_ext: "nameConstraints=critical,permitted;email:example.com",
                    leaf_ext: "subjectAltName=DNS:a.example.com,email:x@example.org",
                    ..case("outside permitted email")
                },
                false,
                "outside the names",
            ),
            (
                Case {
                    leaf_ext: "1.3.6.1.4.1.99999.1=critical,ASN1:NULL",
                    ..case("unknown critical extension on the leaf")
                },
                false,
                "unknown critical extension",
            ),
            (
                Case {
                    inter_ext: "1.3.6.1.4.1.99999.1=critical,ASN1:NULL",
                    ..case("unknown critical extension on the intermediate")
                },
                false,
                "unknown critical extension",
            ),
            (
                Case {
                    leaf_ext: "1.3.6.1.4.1.99999.1=ASN1:NULL",
                    ..case("unknown extension, not critical")
                },
                true,
                "",
            ),
            (
                Case {
                    inter_ext: "extendedKeyUsage=clientAuth",
                    usage: Some("server"),
                    ..case("intermediate EKU without serverAuth")
                },
                false,
                "does not allow server use",
            ),
            (
                Case {
                    inter_ext: "extendedKeyUsage=serverAuth",
                    usage: Some("server"),
                    ..case("intermediate EKU with serverAuth")
                },
                true,
                "",
            ),
        ];
        cases.extend(more);
        for depth in 0..3 {
            cases.push((
                Case {
                    dates: Some((depth, FROM, "20210101000000Z")),
                    ..case("expired")
                },
                false,
                "not valid now",
            ));
            cases.push((
                Case {
                    dates: Some((depth, "20390101000000Z", TO)),
                    ..case("not yet valid")
                },
                false,
                "not valid",
            ));
        }
        for (c, want, reason) in &cases {
            let (ossl, mine, out) = run(&lab, c);
            assert_eq!(ossl, *want, "{} ({}): openssl says {ossl}", c.what, c.alg);
            assert_eq!(
                mine, *want,
                "{} ({}): certs says {mine}:\n{out}",
                c.what, c.alg
            );
            if !want {
                let reason = if reason == &"not valid now" && c.dates.is_some_and(|d| d.0 == 0) {
                    "expired"
                } else if reason == &"not valid" && c.dates.is_some_and(|d| d.0 == 0) {
                    "not valid before"
                } else {
                    reason
                };
                assert!(out.contains(reason), "{}: {out}", c.what);
            }
        }
    }

    /// Where certs follows Go rather than openssl: Ed448, RSA-PSS keys and
    /// SHA-1 signatures are refused, saying the algorithm is not supported
    /// (Go's crypto/x509, which etcd and the API server use, refuses them),
    /// never suggesting a different CA.
    #[test]
    fn an_empty_host_is_a_usage_error() {
        certs()
            .args(["verify", "--ca", "ca.pem", "--host", "", "x.pem"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("an empty host"));
    }

    #[test]
    fn go_following_cases_are_refused_as_unsupported() {
        let lab = Lab::new();
        for (c, reason) in [
            (
                Case {
                    alg: "ED448",
                    ..case("Ed448")
                },
                "Ed448",
            ),
            (
                Case {
                    alg: "RSA-PSS",
                    ..case("RSA-PSS keys")
                },
                "RSA-PSS public key",
            ),
            (
                Case {
                    alg: "RSA-2048",
                    md: "sha1",
                    ..case("SHA-1")
                },
                "SHA-1",
            ),
        ] {
            let (ossl, mine, out) = run(&lab, &c);
            assert!(ossl, "{}: openssl accepts it", c.what);
            assert!(!mine, "{}: {out}", c.what);
            assert!(
                out.contains("algorithm not supported") && out.contains(reason),
                "{}: {out}",
                c.what
            );
            assert!(!out.contains("different CA"), "{}: {out}", c.what);
        }
    }
}

mod check {
    use super::*;

    /// A kubeadm-like tree: CA 10 years; apiserver leaf valid `days`.
    fn tree(days: i64) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let ca = ca("kubernetes", KeyAlgorithm::EcdsaP256);
        write(dir.path(), "pki/ca.crt", &ca.certificate().pem());
        write(dir.path(), "pki/ca.key", &ca.key().to_pem());
        let k = key(KeyAlgorithm::EcdsaP256);
        let spec = kubeadm::apiserver(
            "deadlock",
            "cluster.local",
            ip("10.96.0.1"),
            ip("192.0.2.75"),
        )
        .validity(Duration::days(days) + Duration::hours(1));
        write(
            dir.path(),
            "pki/apiserver.crt",
            &ca.issue(&spec, &k).unwrap().pem(),
        );
        write(dir.path(), "pki/apiserver.key", &k.to_pem());
        let sa = key(KeyAlgorithm::EcdsaP256);
        write(dir.path(), "pki/sa.key", &sa.to_pem());
        write(dir.path(), "pki/sa.pub", &sa.public_key_pem());
        // A static pod manifest: YAML without certificates, skipped.
        write(
            dir.path(),
            "manifests/etcd.yaml",
            "apiVersion: v1\nkind: Pod\n",
        );
        dir
    }

    fn status(args: &[&str]) -> (i32, String) {
        let out = certs().arg("check").args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    }

    #[test]
    fn exit_statuses_follow_the_thresholds_over_a_tree() {
        for (days, code, state) in [(40, 0, "OK"), (29, 1, "WARNING"), (6, 2, "CRITICAL")] {
            let t = tree(days);
            let (c, out) = status(&["--warning", "30", "--critical", "7", path_str(t.path())]);
            assert_eq!(c, code, "{days} days:\n{out}");
            assert!(out.starts_with(&format!("CERTS {state} - ")), "{out}");
            assert!(
                out.contains("| 'certificates'=2;;;0 ")
                    && out.contains("'min_days_left'=")
                    && out.contains(";30:;7:;"),
                "{out}"
            );
        }
        // Thresholds move the verdict.
        let t = tree(20);
        assert_eq!(status(&["-w", "10", "-c", "5", path_str(t.path())]).0, 0);
        assert_eq!(status(&["-w", "60", "-c", "21", path_str(t.path())]).0, 2);
        // JSON carries the same verdict.
        let out = certs()
            .args(["check", "--format", "json", path_str(t.path())])
            .assert()
            .code(1);
        let v = json(&out.get_output().stdout);
        assert_eq!(v["state"], "WARNING");
        assert_eq!(v["certificates"][0]["days_left"], 20);
    }

    /// A Hiera directory whose cluster-wide file holds the CAs: each way
    /// that file can fail to read must make the tree UNKNOWN, naming it,
    /// never OK over the certificates that remain.
    #[test]
    fn a_file_of_the_tree_that_does_not_read_makes_it_unknown() {
        let ca = ca("kubernetes", KeyAlgorithm::EcdsaP256);
        let etcd = self::ca("etcd", KeyAlgorithm::EcdsaP256);
        let debian = hiera(&[
            ("kubernetes_ca_crt", ca.certificate().pem()),
            ("etcd_ca_crt", etcd.certificate().pem()),
        ]);
        let k = key(KeyAlgorithm::EcdsaP256);
        let leaf = etcd
            .issue(&LeafSpec::new("deadlock", Role::Peer).dns(["deadlock"]), &k)
            .unwrap();
        let member = hiera(&[("etcdserver_crt", leaf.pem())]);
        let site = || {
            let t = tempfile::tempdir().unwrap();
            write(t.path(), "deadlock.yaml", &member);
            write(t.path(), "README.txt", "not ours, never read\n");
            write(t.path(), "manifest.yaml", "apiVersion: v1\nkind: Pod\n");
            t
        };
        let healthy = site();
        write(healthy.path(), "Debian.yaml", &debian);
        let (c, out) = status(&[path_str(healthy.path())]);
        assert_eq!(c, 0, "{out}");
        assert!(out.starts_with("CERTS OK - 3 certificates"), "{out}");

        let cut = debian.find("MII").unwrap() + 20;
        let nested = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
        type Damage = Box<dyn Fn(&Path)>;
        let damages: Vec<(&str, Damage)> = vec![
            ("truncated inside a PEM value", {
                let text = debian[..cut].to_owned();
                Box::new(move |p: &Path| std::fs::write(p, &text).unwrap())
            }),
            ("not YAML", {
                let text =
                    debian.replace("kubernetes::etcd_ca_crt: |", "kubernetes::etcd_ca_crt: [|");
                Box::new(move |p: &Path| std::fs::write(p, &text).unwrap())
            }),
            (
                "nested too deep",
                Box::new(move |p: &Path| std::fs::write(p, &nested).unwrap()),
            ),
            (
                "a FIFO",
                Box::new(|p: &Path| {
                    assert!(
                        std::process::Command::new("mkfifo")
                            .arg(p)
                            .status()
                            .unwrap()
                            .success()
                    );
                }),
            ),
            (
                "a dangling symlink",
                Box::new(|p: &Path| {
                    std::os::unix::fs::symlink("/nonexistent/Debian.yaml", p).unwrap();
                }),
            ),
            (
                "a symlink to /dev/zero",
                Box::new(|p: &Path| {
                    std::os::unix::fs::symlink("/dev/zero", p).unwrap();
                }),
            ),
        ];
        for (what, damage) in damages {
            let t = site();
            damage(&t.path().join("Debian.yaml"));
            let (c, out) = status(&[path_str(t.path())]);
            assert_eq!(c, 3, "{what}: {out}");
            let first = out.lines().next().unwrap();
            assert!(first.starts_with("CERTS UNKNOWN - "), "{what}: {out}");
            assert!(out.contains("Debian.yaml"), "{what}: {out}");
        }
    }

    #[test]
    fn unknown_for_unreadable_input_and_usage_errors() {
        let t = tree(100);
        write(
            t.path(),
            "pki/broken.crt",
            "-----BEGIN CERTIFICATE-----\nMIIB\n",
        );
        let (c, out) = status(&[path_str(t.path())]);
        assert_eq!(c, 3, "{out}");
        assert!(
            out.contains("broken.crt") && out.contains("no END line"),
            "{out}"
        );
        assert_eq!(status(&["/nonexistent"]).0, 3);
        // Usage errors are UNKNOWN, with the status line on stdout (NRPE
        // shows only stdout), in the format asked for.
        for args in [
            &["--warning", "5", "--critical", "9", path_str(t.path())][..],
            &["--bogus", path_str(t.path())],
            &[],
        ] {
            let (c, out) = status(args);
            assert_eq!(c, 3, "{args:?}");
            assert!(
                out.starts_with("CERTS UNKNOWN - ") && out.lines().count() == 1,
                "{args:?}: {out}"
            );
        }
        let (c, out) = status(&["--format", "prometheus", "--bogus"]);
        assert_eq!(c, 3);
        assert!(out.contains("certs_state{check=\"check\"} 3\n"), "{out}");
        // Prometheus is for the check only.
        certs()
            .args(["inspect", "--format", "prometheus", "-"])
            .write_stdin("")
            .assert()
            .code(2);
        let empty = tempfile::tempdir().unwrap();
        let (c, out) = status(&[path_str(empty.path())]);
        assert_eq!(c, 3);
        assert!(out.contains("no certificates found"), "{out}");
    }

    #[test]
    fn flags_broken_pairs_and_cas() {
        // A key that is not its certificate's pair.
        let t = tree(100);
        write(
            t.path(),
            "pki/apiserver.key",
            &key(KeyAlgorithm::EcdsaP256).to_pem(),
        );
        let (c, out) = status(&[path_str(t.path())]);
        assert_eq!(c, 2, "{out}");
        assert!(
            out.contains("apiserver.key is not this certificate's pair"),
            "{out}"
        );

        // sa.key and sa.pub that differ.
        let t = tree(100);
        write(
            t.path(),
            "pki/sa.pub",
            &key(KeyAlgorithm::EcdsaP256).public_key_pem(),
        );
        let (c, out) = status(&[path_str(t.path())]);
        assert_eq!(c, 2);
        assert!(out.contains("does not match the public key"), "{out}");

        // A leaf stored as a CA.
        let t = tree(100);
        let leaf = std::fs::read_to_string(t.path().join("pki/apiserver.crt")).unwrap();
        write(t.path(), "pki/front-proxy-ca.crt", &leaf);
        let (c, out) = status(&[path_str(t.path())]);
        assert_eq!(c, 2);
        assert!(out.contains("lacks the CA flag"), "{out}");

        // A leaf that outlives its CA, made by openssl (the library refuses to).
        let dir = tempfile::tempdir().unwrap();
        let d = |n: &str| path_str(&dir.path().join(n)).to_owned();
        let p = |n: &str| dir.path().join(n);
        testkit::ec_self_signed(
            "P-256",
            "/CN=short-ca",
            100,
            &p("ca.key"),
            &p("ca.crt"),
            &[],
        );
        testkit::ec_csr("/CN=long", &p("long.key"), &p("long.csr"));
        openssl(&[
            "x509",
            "-req",
            "-in",
            &d("long.csr"),
            "-CA",
            &d("ca.crt"),
            "-CAkey",
            &d("ca.key"),
            "-days",
            "300",
            "-out",
            &d("long.crt"),
        ]);
        let (c, out) = status(&[path_str(dir.path())]);
        assert_eq!(c, 1, "{out}");
        assert!(out.contains("outlives its CA"), "{out}");
    }

    #[test]
    fn reads_hiera_yaml_with_key_pairs() {
        let ca = ca("etcd-ca", KeyAlgorithm::EcdsaP256);
        let k = key(KeyAlgorithm::EcdsaP256);
        let spec = LeafSpec::new("etcd-deadlock", Role::Peer)
            .validity(Duration::days(20) + Duration::hours(1));
        let server = ca.issue(&spec, &k).unwrap();
        let with_server_key = |key_pem: String| {
            hiera(&[
                ("etcd_ca_crt", ca.certificate().pem()),
                ("etcd_ca_key", ca.key().to_pem()),
                ("etcdserver_crt", server.pem()),
                ("etcdserver_key", key_pem),
            ])
        };
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "deadlock.yaml", &with_server_key(k.to_pem()));
        let (c, out) = status(&[path_str(&f)]);
        assert_eq!(c, 1, "{out}");
        assert!(
            out.contains("deadlock.yaml:kubernetes::etcdserver_crt: expires in 20 days"),
            "{out}"
        );
        assert_eq!(status(&["-w", "14", path_str(&f)]).0, 0);
        assert_eq!(status(&["-w", "30", "-c", "21", path_str(&f)]).0, 2);
        let f = write(
            dir.path(),
            "bad.yaml",
            &with_server_key(key(KeyAlgorithm::EcdsaP256).to_pem()),
        );
        let (c, out) = status(&["-w", "14", path_str(&f)]);
        assert_eq!(c, 2, "{out}");
        assert!(
            out.contains("kubernetes::etcdserver_key is not this certificate's pair"),
            "{out}"
        );
    }
}

mod sign {
    use super::*;

    #[test]
    fn openssl_accepts_the_certificate_with_the_identity_and_lifetime_asked() {
        let dir = tempfile::tempdir().unwrap();
        for alg in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Rsa2048] {
            let ca = ca("kubernetes", alg);
            let ca_crt = write(dir.path(), "ca.crt", &ca.certificate().pem());
            let ca_key = write(dir.path(), "ca.key", &ca.key().to_pem());
            let user_key = dir.path().join("alice.key");
            openssl(&[
                "genpkey",
                "-algorithm",
                "ed25519",
                "-out",
                path_str(&user_key),
            ]);
            let csr = openssl(&[
                "req",
                "-new",
                "-key",
                path_str(&user_key),
                "-subj",
                "/CN=mallory/O=system:masters",
            ]);
            let public = openssl(&["pkey", "-in", path_str(&user_key), "-pubout"]);
            for input in [csr, public] {
                let before = OffsetDateTime::now_utc();
                let out = certs()
                    .args([
                        "sign",
                        "--ca",
                        path_str(&ca_crt),
                        "--ca-key",
                        path_str(&ca_key),
                        "--cn",
                        "alice",
                    ])
                    .args([
                        "--group",
                        "ocf",
                        "--group",
                        "ocf-staff",
                        "--lifetime",
                        "90m",
                    ])
                    .write_stdin(input)
                    .assert()
                    .success();
                let cert = write(
                    dir.path(),
                    "alice.crt",
                    std::str::from_utf8(&out.get_output().stdout).unwrap(),
                );
                let v = openssl(&[
                    "verify",
                    "-CAfile",
                    path_str(&ca_crt),
                    "-purpose",
                    "sslclient",
                    path_str(&cert),
                ]);
                assert_eq!(v.trim(), format!("{}: OK", path_str(&cert)));
                // The signer decides the identity, not the request.
                let subject = openssl(&[
                    "x509",
                    "-in",
                    path_str(&cert),
                    "-noout",
                    "-subject",
                    "-nameopt",
                    "RFC2253",
                ]);
                assert_eq!(subject.trim(), "subject=CN=alice,O=ocf-staff,O=ocf");
                let f = openssl_fields(&cert);
                assert_eq!(f.eku, ["clientAuth"]);
                let not_after = time::OffsetDateTime::parse(
                    &f.not_after,
                    &time::format_description::well_known::Rfc3339,
                )
                .unwrap();
                let lifetime = not_after - before;
                assert!(
                    lifetime > Duration::minutes(89) && lifetime <= Duration::minutes(91),
                    "{lifetime}"
                );
                // It signs for the user's key.
                let pubkey = openssl(&["x509", "-in", path_str(&cert), "-noout", "-pubkey"]);
                assert_eq!(
                    pubkey,
                    openssl(&["pkey", "-in", path_str(&user_key), "-pubout"])
                );
            }
        }
    }

    #[test]
    fn server_certificates_for_haproxy() {
        let dir = tempfile::tempdir().unwrap();
        let ca = ca("kubernetes", KeyAlgorithm::EcdsaP256);
        let ca_crt = write(dir.path(), "ca.crt", &ca.certificate().pem());
        let ca_key = write(dir.path(), "ca.key", &ca.key().to_pem());
        let k = key(KeyAlgorithm::EcdsaP256);
        let base = [
            "sign",
            "--server",
            "--ca",
            path_str(&ca_crt),
            "--ca-key",
            path_str(&ca_key),
            "--cn",
            "lb",
        ];
        let out = certs()
            .args(base)
            .args([
                "--dns",
                "*.lab.example",
                "--ip",
                "10.77.0.100",
                "--lifetime",
                "30d",
            ])
            .write_stdin(k.public_key_pem())
            .assert()
            .success();
        let cert = write(
            dir.path(),
            "lb.crt",
            std::str::from_utf8(&out.get_output().stdout).unwrap(),
        );
        let v = openssl(&[
            "verify",
            "-CAfile",
            path_str(&ca_crt),
            "-purpose",
            "sslserver",
            path_str(&cert),
        ]);
        assert_eq!(v.trim(), format!("{}: OK", path_str(&cert)));
        let f = openssl_fields(&cert);
        assert_eq!(
            (f.dns, f.ips, f.eku),
            (
                vec!["*.lab.example".to_owned()],
                vec!["10.77.0.100".to_owned()],
                vec!["serverAuth".to_owned()]
            )
        );
        // A server certificate names hosts, not groups; and needs a name.
        certs()
            .args(base)
            .arg("--group")
            .arg("g")
            .write_stdin(k.public_key_pem())
            .assert()
            .code(2);
        certs()
            .args(base)
            .write_stdin(k.public_key_pem())
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "--server needs at least one --dns",
            ));
        certs()
            .args(["sign", "--dns", "x", "--ca", path_str(&ca_crt), "--cn", "u"])
            .assert()
            .code(2);
    }

    #[test]
    fn refuses_what_it_cannot_sign() {
        let dir = tempfile::tempdir().unwrap();
        let ca = ca("kubernetes", KeyAlgorithm::EcdsaP256);
        let ca_crt = write(dir.path(), "ca.crt", &ca.certificate().pem());
        let ca_key = write(dir.path(), "ca.key", &ca.key().to_pem());
        let k = key(KeyAlgorithm::EcdsaP256);
        let base = ["sign", "--ca", path_str(&ca_crt), "--cn", "alice"];
        // No CA key anywhere.
        certs()
            .args(base)
            .write_stdin(k.public_key_pem())
            .assert()
            .code(1)
            .stderr(predicates::str::contains("--ca-key"));
        // A private key instead of a public one.
        certs()
            .args(base)
            .args(["--ca-key", path_str(&ca_key)])
            .write_stdin(k.to_pem())
            .assert()
            .code(1)
            .stderr(predicates::str::contains("-pubout"));
        // Longer than the CA lives.
        certs()
            .args(base)
            .args(["--ca-key", path_str(&ca_key), "--lifetime", "4000d"])
            .write_stdin(k.public_key_pem())
            .assert()
            .code(1)
            .stderr(predicates::str::contains("outlive"));
        // A request whose signature does not verify.
        let csr_key = dir.path().join("k.pem");
        openssl(&[
            "genpkey",
            "-algorithm",
            "ed25519",
            "-out",
            path_str(&csr_key),
        ]);
        let csr = openssl(&["req", "-new", "-key", path_str(&csr_key), "-subj", "/CN=x"]);
        let mut der = certs::pem::parse(&csr).unwrap().remove(0).der;
        *der.last_mut().unwrap() ^= 1;
        certs()
            .args(base)
            .args(["--ca-key", path_str(&ca_key)])
            .write_stdin(certs::pem::encode("CERTIFICATE REQUEST", &der))
            .assert()
            .code(1)
            .stderr(predicates::str::contains("signature does not verify"));
        // A lifetime of nothing is a usage error.
        certs()
            .args(base)
            .args(["--lifetime", "0"])
            .write_stdin("")
            .assert()
            .code(2);
    }
}

mod bad_input {
    use super::*;

    fn refused<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], code: i32, message: &str) {
        let out = certs().args(args).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(
            err.starts_with("certs: error: ") && err.contains(message),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }

    #[test]
    fn each_is_a_clear_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let ca = ca("kubernetes", KeyAlgorithm::EcdsaP256);
        let pem = ca.certificate().pem();
        let truncated: String = pem.lines().take(4).map(|l| format!("{l}\n")).collect();
        let t = write(dir.path(), "truncated.crt", &truncated);
        let mut garbage_der = ca.certificate().der().to_vec();
        garbage_der.truncate(garbage_der.len() / 2);
        let g = dir.path().join("garbage.der");
        std::fs::write(&g, &garbage_der).unwrap();
        let k = write(dir.path(), "ca.key", &ca.key().to_pem());
        let e = write(dir.path(), "empty.crt", "");

        for cmd in [&["inspect"][..], &["pin"]] {
            let with = |f: &Path| -> Vec<String> {
                cmd.iter()
                    .map(|c| c.to_string())
                    .chain([path_str(f).to_owned()])
                    .collect()
            };
            refused(
                &with(&t),
                1,
                "truncated.crt: line 1: BEGIN CERTIFICATE has no END line",
            );
            refused(&with(&g), 1, "garbage.der: not a valid X.509 certificate");
            refused(&with(&e), 1, "empty.crt: is empty");
            refused(&with(dir.path()), 1, "is a directory");
        }
        refused(
            &["pin", path_str(&k)],
            1,
            "ca.key: holds a private key but no certificate",
        );
        refused(
            &["verify", "--ca", path_str(&k), path_str(&k)],
            2,
            "ca.key: holds a private key but no certificate",
        );
        let c = write(dir.path(), "ca.crt", &pem);
        refused(
            &[
                "verify",
                "--ca",
                path_str(&c),
                "--key",
                path_str(&c),
                path_str(&c),
            ],
            2,
            "ca.crt: holds a certificate but no private key",
        );
        refused(&["inspect", "-", "-"], 2, "stdin (-) can be read only once");
    }
}

/// `certs covers`: HAProxy's bundle against every host the cluster file
/// serves over TLS, with openssl's own host matching as the oracle.
mod covers {
    use super::*;

    const EXAMPLE: &str = "../examples/ocf/cluster.yaml";

    // The bundles are openssl's (testkit::edge_bundle), so no code of
    // ours makes what it judges.
    use testkit::{OCF_EDGE_SANS as SITE_SANS, edge_bundle as bundle};

    fn run(args: &[&str]) -> (i32, String) {
        let out = certs().arg("covers").args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code().unwrap_or(-1), text)
    }

    /// openssl's verdict on whether the certificate in `bundle` is good
    /// for `host`.
    fn openssl_matches(bundle: &Path, host: &str) -> bool {
        openssl(&[
            "x509",
            "-noout",
            "-checkhost",
            host,
            "-in",
            path_str(bundle),
        ])
        .contains("does match")
    }

    #[test]
    fn the_sites_names_are_covered_and_expiry_is_judged() {
        let t = tempfile::tempdir().unwrap();
        let good = bundle(t.path(), "lb.pem", &SITE_SANS, 90);
        let (code, text) = run(&["--cluster", EXAMPLE, path_str(&good)]);
        assert_eq!(code, 0, "{text}");
        assert!(text.starts_with("CERTS COVERS OK - "), "{text}");
        assert!(text.contains("'names'=75"), "{text}");
        assert_eq!(
            run(&["--state", "--cluster", EXAMPLE, path_str(&good)]).0,
            0
        );
        // Expiring soon: WARNING, then CRITICAL; still fit to serve.
        for (days, want) in [(20, 1), (3, 2)] {
            let soon = bundle(t.path(), "soon.pem", &SITE_SANS, days);
            assert_eq!(
                run(&["--cluster", EXAMPLE, path_str(&soon)]).0,
                want,
                "{days}"
            );
            assert_eq!(
                run(&["--state", "--cluster", EXAMPLE, path_str(&soon)]).0,
                0
            );
        }
    }

    /// The break: a service added to the file before the certificate is
    /// reissued. covers names it; openssl agrees on every name, covered
    /// or not (a sample label stands for a routed suffix's wildcard).
    #[test]
    fn a_service_the_certificate_lacks_is_named_before_haproxy_serves_it() {
        let t = tempfile::tempdir().unwrap();
        let good = bundle(t.path(), "lb.pem", &SITE_SANS, 90);
        let example = std::fs::read_to_string(EXAMPLE).unwrap();
        let grown = example.replace("    - templates\n", "    - templates\n    - docs.staff\n");
        assert_ne!(grown, example);
        let file = write(t.path(), "cluster.yaml", &grown);
        let (code, text) = run(&["--cluster", path_str(&file), path_str(&good)]);
        assert_eq!(code, 2, "{text}");
        let missing: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("not covered: "))
            .collect();
        assert_eq!(
            missing,
            ["docs.staff.ocf.berkeley.edu", "docs.staff.ocf.io"],
            "{text}"
        );
        let (code, text) = run(&["--state", "--cluster", path_str(&file), path_str(&good)]);
        assert_eq!(code, 1, "{text}");
        assert!(
            text.contains("not covered: docs.staff.ocf.berkeley.edu"),
            "{text}"
        );
        for host in ["docs.staff.ocf.berkeley.edu", "docs.staff.ocf.io"] {
            assert!(!openssl_matches(&good, host), "{host}");
        }
        for host in [
            "templates.ocf.berkeley.edu",
            "phpmyadmin.ocf.io",
            "slidingsync.matrix.ocf.io",
            "feature.dev-kubernetes.ocf.berkeley.edu",
        ] {
            assert!(openssl_matches(&good, host), "{host}");
        }
        // Without the routed suffixes' wildcards: each suffix named, and
        // openssl agrees a host under it fails.
        let narrow = bundle(t.path(), "narrow.pem", &SITE_SANS[..4], 90);
        let (code, text) = run(&["--cluster", EXAMPLE, path_str(&narrow)]);
        assert_eq!(code, 2, "{text}");
        for suffix in ["code", "dev-kubernetes", "new"] {
            assert!(
                text.contains(&format!("not covered: *.{suffix}.ocf.berkeley.edu")),
                "{text}"
            );
            assert!(!openssl_matches(
                &narrow,
                &format!("x.{suffix}.ocf.berkeley.edu")
            ));
        }
        let v = json(
            &certs()
                .args([
                    "covers",
                    "--format",
                    "json",
                    "--cluster",
                    EXAMPLE,
                    path_str(&narrow),
                ])
                .output()
                .unwrap()
                .stdout,
        );
        assert_eq!(v["missing"].as_array().unwrap().len(), 3, "{v}");
        assert_eq!(v["state"], "CRITICAL", "{v}");
    }

    /// A bundle that cannot be used is CRITICAL (2 as a state check), never
    /// OK; a cluster file that cannot be read is UNKNOWN (2).
    #[test]
    fn what_cannot_be_read_is_never_ok() {
        let t = tempfile::tempdir().unwrap();
        let good = bundle(t.path(), "lb.pem", &SITE_SANS, 90);
        let garbage = write(
            t.path(),
            "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nnot base64\n",
        );
        let key_only = write(t.path(), "key.pem", &key(KeyAlgorithm::EcdsaP256).to_pem());
        let absent = t.path().join("absent.pem");
        for b in [
            path_str(&garbage),
            path_str(&key_only),
            path_str(&absent),
            "/dev/zero",
        ] {
            let (code, text) = run(&["--cluster", EXAMPLE, b]);
            assert_eq!(code, 2, "{b}: {text}");
            assert!(text.starts_with("CERTS COVERS CRITICAL - "), "{b}: {text}");
            assert_eq!(run(&["--state", "--cluster", EXAMPLE, b]).0, 2, "{b}");
        }
        // The certificate with another key: HAProxy would refuse it.
        let leaf = std::fs::read_to_string(&good).unwrap();
        let end = "-----END CERTIFICATE-----\n";
        let cert = &leaf[..leaf.find(end).unwrap() + end.len()];
        let wrong = write(
            t.path(),
            "wrong.pem",
            &format!("{cert}{}", key(KeyAlgorithm::EcdsaP256).to_pem()),
        );
        let (code, text) = run(&["--cluster", EXAMPLE, path_str(&wrong)]);
        assert_eq!(code, 2, "{text}");
        assert!(text.contains("not the certificate's pair"), "{text}");
        assert_eq!(
            run(&["--state", "--cluster", EXAMPLE, path_str(&wrong)]).0,
            1
        );
        let (code, text) = run(&["--cluster", path_str(&absent), path_str(&good)]);
        assert_eq!(code, 3, "{text}");
        assert!(text.starts_with("CERTS COVERS UNKNOWN - "), "{text}");
        assert_eq!(
            run(&["--state", "--cluster", path_str(&absent), path_str(&good)]).0,
            2
        );
    }
}

/// Cross-signed chains, critical extensions Go accepts, and IPv4-mapped
/// hosts: certs verify against the verdicts of Go's crypto/x509 (what etcd
/// and kube-apiserver verify with), recorded by corpus/cross/regenerate.
mod cross_signing {
    use super::*;

    #[test]
    fn certs_gives_gos_verdict_on_every_case() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/cross");
        let verdicts = std::fs::read_to_string(dir.join("verdicts.txt")).unwrap();
        let mut seen = 0;
        for line in verdicts.lines() {
            let (case, go) = line.split_once(' ').unwrap();
            let d = dir.join(case);
            let mut c = certs();
            c.args(["verify", "--ca", path_str(&d.join("roots.pem"))]);
            for arg in std::fs::read_to_string(d.join("args")).unwrap().lines() {
                match arg.split_once('=') {
                    Some(("usage", u)) => c.args(["--usage", u]),
                    Some(("host", h)) => c.args(["--host", h]),
                    _ => continue,
                };
            }
            let started = std::time::Instant::now();
            let out = c.arg(d.join("chain.pem")).output().unwrap();
            let took = started.elapsed();
            let said = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code() == Some(0),
                go == "ok",
                "{case}: Go says {go}; certs said:\n{said}"
            );
            eprintln!("{case}: {go} ({} ms)", took.as_millis());
            seen += 1;
        }
        // The four cross-signing cases, the two critical extensions, the
        // mapped host, a negative and the fifty candidates.
        assert_eq!(seen, 9);
    }
}
