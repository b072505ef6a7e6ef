//! kubetool with hiera-eyaml, against the real thing: Debian's hiera-eyaml
//! makes the keys (`eyaml createkeys`) and decrypts what kubetool writes
//! (`eyaml decrypt`); `openssl cms -decrypt` reads the same values; a value
//! from `eyaml encrypt` is read by kubetool. Re-runs are byte-identical,
//! plain data is migrated once, mixing is refused, and bad keys and
//! values are errors that write nothing. (Puppet's eyaml backend and a
//! 3-member etcd on encrypted data are in tests/cli.rs.)

mod common;
use common::*;
use testkit::{EyamlKeys, text};

/// The secrets of the cluster-wide file.
const OS_SECRETS: [&str; 6] = [
    "token",
    "etcd_ca_key",
    "etcdclient_key",
    "kubernetes_ca_key",
    "kubernetes_front_proxy_ca_key",
    "sa_key",
];
/// The secrets of a master's file.
const HOST_SECRETS: [&str; 3] = ["etcdserver_key", "etcdpeer_key", "etcdclient_key"];

struct Site {
    t: tempfile::TempDir,
    keys: EyamlKeys,
    data: PathBuf,
}

fn site() -> Site {
    let t = tempfile::tempdir().unwrap();
    let keys = testkit::eyaml_createkeys(&t.path().join("eyaml"));
    let data = t.path().join("hieradata");
    Site { t, keys, data }
}

/// A site whose first run wrote encrypted data (with the public key only).
fn encrypted_site() -> Site {
    let site = site();
    full(&site.data, CLUSTER)
        .args(site.public())
        .assert()
        .success();
    site
}

impl Site {
    fn public(&self) -> [&str; 2] {
        ["--eyaml-public-key", path_str(&self.keys.public)]
    }
    fn both(&self) -> [&str; 4] {
        [
            "--eyaml-public-key",
            path_str(&self.keys.public),
            "--eyaml-private-key",
            path_str(&self.keys.private),
        ]
    }
    /// A change (add-member, renew, ...) with `flags`: exit code and output.
    fn run(&self, args: &[&str], flags: &[&str]) -> (i32, String) {
        let out = kubetool()
            .args(args)
            .args(["--dir", path_str(&self.data)])
            .args(flags)
            .output()
            .unwrap();
        (out.status.code().unwrap(), text(&out))
    }
    fn file(&self, name: &str) -> BTreeMap<String, Value> {
        hiera(&self.data.join(name))
    }
    /// Every file as `eyaml decrypt -f` shows it, parsed.
    fn decrypted(&self, name: &str) -> BTreeMap<String, Value> {
        let out = self
            .keys
            .eyaml_decrypt("-f", path_str(&self.data.join(name)));
        assert!(out.status.success(), "{}", text(&out));
        clikit::yaml::document(std::str::from_utf8(&out.stdout).unwrap()).unwrap()
    }
    /// Debian.yaml with `key`'s entry now `key: value` (value: the rest of
    /// the entry's text, block lines included).
    fn set(&self, key: &str, value: &str) {
        let path = self.data.join("Debian.yaml");
        let old = std::fs::read_to_string(&path).unwrap();
        let (head, tail) = around_entry(&old, key);
        std::fs::write(&path, format!("{head}{key}: {value}\n{tail}")).unwrap();
    }
    fn openssl(&self, doc: &BTreeMap<String, Value>, key: &str) -> String {
        plain(doc, key, Some(&self.keys), self.t.path())
    }
}

/// The files of `dir` and each secret's plaintext (decrypted by openssl).
fn secrets_of(site: &Site) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (file, keys) in std::iter::once(("Debian.yaml", &OS_SECRETS[..]))
        .chain(MEMBERS.iter().map(|m| (*m, &HOST_SECRETS[..])))
    {
        let name = if file.ends_with(".yaml") {
            file.to_owned()
        } else {
            format!("{file}.yaml")
        };
        let doc = site.file(&name);
        for k in keys {
            out.insert(format!("{name} {k}"), site.openssl(&doc, k));
        }
    }
    out
}

/// The public key of a PEM certificate or private key, by openssl.
fn public_key(t: &Path, pem_text: &str, cert: bool) -> String {
    let f = write(t, "pk/in.pem", pem_text);
    if cert {
        openssl(&["x509", "-noout", "-pubkey", "-in", path_str(&f)])
    } else {
        openssl(&["pkey", "-pubout", "-in", path_str(&f)])
    }
}

#[test]
fn every_secret_is_encrypted_and_eyaml_and_openssl_decrypt_it_to_what_kubetool_holds() {
    let site = site();
    let kubeadm = site.t.path().join("kubeadm");
    // A first run needs only the public key; the kubeadm trees hold the
    // same keys in the clear, to compare with.
    full(&site.data, CLUSTER)
        .args(site.public())
        .args(["--kubeadm", path_str(&kubeadm)])
        .assert()
        .success();
    let tree = |m: &str, f: &str| std::fs::read_to_string(kubeadm.join(m).join(f)).unwrap();

    let os_text = std::fs::read_to_string(site.data.join("Debian.yaml")).unwrap();
    // Folded as eyaml writes a block: `key: >` and lines of 60 characters.
    assert!(
        os_text.contains("\nkubernetes::etcd_ca_key: >\n  ENC[PKCS7,"),
        "{os_text}"
    );
    let mut in_block = false;
    for l in os_text.lines() {
        if !l.starts_with(' ') {
            in_block = l.ends_with(": >");
        } else if in_block {
            assert!(l.len() <= 62, "{l}");
        }
    }
    let os = site.file("Debian.yaml");
    let clear = site.decrypted("Debian.yaml");
    for k in OS_SECRETS {
        assert!(
            pem(&os, k).starts_with("ENC[PKCS7,"),
            "{k} is not encrypted"
        );
        // eyaml and openssl agree on every value.
        assert_eq!(pem(&clear, k), site.openssl(&os, k), "{k}");
    }
    // Public values stay in the clear, typed.
    for k in [
        "etcd_ca_crt",
        "kubernetes_ca_crt",
        "sa_pub",
        "etcdclient_crt",
    ] {
        assert!(pem(&os, k).starts_with("-----BEGIN "), "{k}");
    }
    assert_eq!(os["kubernetes::api_server_count"], Value::from(3));
    assert_eq!(os["kubernetes::install_dashboard"], Value::from(false));

    // The plaintexts are the keys kubetool holds: those of the kubeadm tree.
    let first = MEMBERS[0];
    for (k, f) in [
        ("etcd_ca_key", "pki/etcd/ca.key"),
        ("kubernetes_ca_key", "pki/ca.key"),
        ("kubernetes_front_proxy_ca_key", "pki/front-proxy-ca.key"),
        ("sa_key", "pki/sa.key"),
    ] {
        assert_eq!(pem(&clear, k), tree(first, f), "{k}");
    }
    assert!(certs::is_bootstrap_token(&pem(&clear, "token")));
    let t = site.t.path();
    assert_eq!(
        public_key(t, &pem(&clear, "etcdclient_key"), false),
        public_key(t, &pem(&os, "etcdclient_crt"), true)
    );
    for m in MEMBERS {
        let name = format!("{m}.yaml");
        let host = site.file(&name);
        let clear = site.decrypted(&name);
        for k in HOST_SECRETS {
            assert!(pem(&host, k).starts_with("ENC[PKCS7,"), "{name} {k}");
            assert_eq!(pem(&clear, k), site.openssl(&host, k), "{name} {k}");
        }
        assert_eq!(
            pem(&clear, "etcdserver_key"),
            tree(m, "pki/etcd/server.key")
        );
        assert_eq!(pem(&clear, "etcdpeer_key"), tree(m, "pki/etcd/peer.key"));
        assert_eq!(
            public_key(t, &pem(&clear, "etcdclient_key"), false),
            public_key(t, &pem(&host, "etcdclient_crt"), true)
        );
    }

    // certs check decrypts and pairs every key with its certificate.
    let files: Vec<String> = std::iter::once("Debian.yaml".to_owned())
        .chain(MEMBERS.iter().map(|m| format!("{m}.yaml")))
        .map(|f| path_str(&site.data.join(f)).to_owned())
        .collect();
    let out = Command::cargo_bin("certs")
        .unwrap()
        .args(["--eyaml-private-key", path_str(&site.keys.private), "check"])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn values_from_eyaml_encrypt_are_read_and_their_plaintext_used() {
    let site = encrypted_site();
    let os = site.file("Debian.yaml");
    let ca_key = write(
        site.t.path(),
        "etcd-ca.key",
        &site.openssl(&os, "etcd_ca_key"),
    );
    // The etcd CA key as the site would encrypt it by hand: eyaml's own
    // ciphertext, in eyaml's own block layout.
    let block = site.keys.eyaml_encrypt("block", "-f", path_str(&ca_key));
    site.set(
        "kubernetes::etcd_ca_key",
        &format!(">\n{}", block.trim_end()),
    );

    // add-member signs with it: the new server certificate verifies
    // against the etcd CA.
    let (code, said) = site.run(&["add-member", "fallingrocks:192.0.2.78"], &site.both());
    assert_eq!(code, 0, "{said}");
    let os = site.file("Debian.yaml");
    let new = site.file("fallingrocks.yaml");
    verify(
        site.t.path(),
        &pem(&os, "etcd_ca_crt"),
        &pem(&new, "etcdserver_crt"),
        "sslserver",
    );
    // eyaml's ciphertext is kept (refolded to kubetool's layout), not
    // encrypted again.
    let theirs: String = block
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '>')
        .collect();
    assert_eq!(pem(&os, "etcd_ca_key").replace(' ', "").trim_end(), theirs);

    // A token eyaml encrypted that is not a bootstrap token: kubetool read
    // it, and refuses it without showing it.
    let token = site.keys.eyaml_encrypt("string", "-s", "not-a-token");
    site.set("kubernetes::token", &format!("\"{}\"", token.trim()));
    let (code, said) = site.run(&["renew"], &site.both());
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains("kubernetes::token is not a bootstrap token"),
        "{said}"
    );
    assert!(!said.contains("not-a-token"), "{said}");
}

#[test]
fn a_rerun_is_byte_identical_with_or_without_the_private_key_and_add_member_changes_only_membership()
 {
    let site = encrypted_site();
    let first = snapshot(&site.data);
    // A private key others can read: a warning, nothing else.
    let exposed = site.t.path().join("exposed.pem");
    std::fs::copy(&site.keys.private, &exposed).unwrap();
    std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o644)).unwrap();
    full(&site.data, CLUSTER)
        .args(site.public())
        .args(["--eyaml-private-key", path_str(&exposed)])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "mode 0644 lets others read the key that opens every secret; chmod 0400 it",
        ));
    assert_eq!(snapshot(&site.data), first);
    for flags in [&site.both()[..], &site.public()[..]] {
        full(&site.data, CLUSTER)
            .args(flags)
            .assert()
            .success()
            .stdout(predicates::str::contains("Debian.yaml     unchanged"));
        assert_eq!(
            snapshot(&site.data),
            first,
            "a re-run with {flags:?} changed a file"
        );
    }
    // Nothing to sign without the private key: an error naming the key and
    // the flag, and nothing written.
    for args in [
        &["add-member", "fallingrocks:192.0.2.78"][..],
        &["renew"][..],
    ] {
        let (code, said) = site.run(args, &site.public());
        assert_eq!(code, 1, "{said}");
        assert!(
            said.contains("Debian.yaml kubernetes::etcd_ca_key is encrypted with hiera-eyaml and this run must read it to")
                && said.contains("pass --eyaml-private-key"),
            "{said}"
        );
        assert_eq!(snapshot(&site.data), first);
    }
    let kubeadm = site.t.path().join("kubeadm");
    let (code, said) = site.run(&["--kubeadm", path_str(&kubeadm), "renew"], &site.public());
    assert_eq!(code, 1, "{said}");
    assert!(!kubeadm.exists());

    // With it: a new member signed by the decrypted etcd CA; every other
    // file, and every ciphertext in Debian.yaml, byte-identical.
    let (code, said) = site.run(&["add-member", "fallingrocks:192.0.2.78"], &site.both());
    assert_eq!(code, 0, "{said}");
    let after = snapshot(&site.data);
    for m in MEMBERS {
        let f = PathBuf::from(format!("{m}.yaml"));
        assert_eq!(first[&f], after[&f], "{m}.yaml changed");
    }
    let lines = |snap: &BTreeMap<PathBuf, Vec<u8>>| -> Vec<String> {
        String::from_utf8(snap[Path::new("Debian.yaml")].clone())
            .unwrap()
            .lines()
            .filter(|l| {
                !l.starts_with("kubernetes::etcd_initial_cluster:")
                    && !l.starts_with("kubernetes::api_server_count:")
                    && *l != "  - \"192.0.2.78\""
            })
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(lines(&first), lines(&after));
    let os = site.file("Debian.yaml");
    let new = site.file("fallingrocks.yaml");
    for k in HOST_SECRETS {
        assert!(pem(&new, k).starts_with("ENC[PKCS7,"), "{k}");
    }
    verify(
        site.t.path(),
        &pem(&os, "etcd_ca_crt"),
        &pem(&new, "etcdserver_crt"),
        "sslserver",
    );
    assert_eq!(
        public_key(site.t.path(), &site.openssl(&new, "etcdserver_key"), false),
        public_key(site.t.path(), &pem(&new, "etcdserver_crt"), true)
    );
    // renew with the key: new certificates, the same keys, ciphertexts kept.
    let (code, said) = site.run(&["renew"], &site.both());
    assert_eq!(code, 0, "{said}");
    let renewed = site.file("deadlock.yaml");
    let old: BTreeMap<String, Value> =
        clikit::yaml::document(std::str::from_utf8(&first[Path::new("deadlock.yaml")]).unwrap())
            .unwrap();
    assert_ne!(pem(&renewed, "etcdserver_crt"), pem(&old, "etcdserver_crt"));
    assert_eq!(pem(&renewed, "etcdserver_key"), pem(&old, "etcdserver_key"));

    // remove-member signs nothing: the public key is enough, and every
    // other file stays as it was.
    let kept = snapshot(&site.data);
    let (code, said) = site.run(&["remove-member", "fallingrocks"], &site.public());
    assert_eq!(code, 0, "{said}");
    let now = snapshot(&site.data);
    assert!(!now.contains_key(Path::new("fallingrocks.yaml")));
    for m in MEMBERS {
        let f = PathBuf::from(format!("{m}.yaml"));
        assert_eq!(kept[&f], now[&f], "{m}.yaml changed");
    }
}

#[test]
fn plain_data_is_migrated_once_mixing_is_refused_and_a_new_key_pair_reencrypts() {
    let site = site();
    full(&site.data, CLUSTER).assert().success();
    let plain_run = snapshot(&site.data);
    let clear = |name: &str, k: &str| {
        let doc: BTreeMap<String, Value> =
            clikit::yaml::document(std::str::from_utf8(&plain_run[Path::new(name)]).unwrap())
                .unwrap();
        pem(&doc, k)
    };

    // With the public key: every secret is encrypted, once, and said so.
    let out = full(&site.data, CLUSTER)
        .args(site.public())
        .output()
        .unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("15 secret values were in the clear and now encrypted to --eyaml-public-key")
            && said.contains("(a one-time migration), in ")
            && said.contains("Debian.yaml (6)")
            && said.contains("coup.yaml (3)"),
        "{said}"
    );
    let migrated = secrets_of(&site);
    assert_eq!(migrated.len(), 15);
    for (place, value) in &migrated {
        let (file, k) = place.split_once(' ').unwrap();
        assert_eq!(*value, clear(file, k), "{place} changed its plaintext");
    }
    // The certificates are untouched.
    let os = site.file("Debian.yaml");
    assert_eq!(pem(&os, "etcd_ca_crt"), clear("Debian.yaml", "etcd_ca_crt"));
    let encrypted = snapshot(&site.data);
    let out = full(&site.data, CLUSTER)
        .args(site.public())
        .output()
        .unwrap();
    assert!(!text(&out).contains("migration"), "{}", text(&out));
    assert_eq!(
        snapshot(&site.data),
        encrypted,
        "the migration is not done twice"
    );

    // Without the eyaml keys now: refused, never written back in the clear.
    let out = full(&site.data, CLUSTER).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("is encrypted with hiera-eyaml; pass --eyaml-public-key"),
        "{}",
        text(&out)
    );
    assert_eq!(snapshot(&site.data), encrypted);

    // One member's file in the clear again (restored from a backup): a run
    // without the keys refuses the others; with them, only it is migrated.
    std::fs::write(
        site.data.join("coup.yaml"),
        &plain_run[Path::new("coup.yaml")],
    )
    .unwrap();
    let out = full(&site.data, CLUSTER).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = full(&site.data, CLUSTER)
        .args(site.public())
        .output()
        .unwrap();
    let said = text(&out);
    assert!(
        out.status.success()
            && said.contains("3 secret values were in the clear")
            && said.contains("coup.yaml (3)")
            && !said.contains("Debian.yaml ("),
        "{said}"
    );
    let mut expected = encrypted.clone();
    let now = snapshot(&site.data);
    expected.insert("coup.yaml".into(), now[Path::new("coup.yaml")].clone());
    assert_eq!(now, expected, "only coup.yaml changed");

    // A new eyaml key pair: the old private key reads, the new public key
    // encrypts, every value again; the new pair then reads them all.
    let new_keys = testkit::eyaml_createkeys(&site.t.path().join("new"));
    let out = full(&site.data, CLUSTER)
        .args(["--eyaml-public-key", path_str(&new_keys.public)])
        .args(["--eyaml-private-key", path_str(&site.keys.private)])
        .output()
        .unwrap();
    let said = text(&out);
    assert!(
        out.status.success() && said.contains("15 values were encrypted again"),
        "{said}"
    );
    let rotated = Site {
        t: tempfile::tempdir().unwrap(),
        keys: new_keys,
        data: site.data.clone(),
    };
    assert_eq!(secrets_of(&rotated), migrated);
}

#[test]
fn bad_keys_and_values_are_errors_that_write_nothing() {
    let site = encrypted_site();
    let before = snapshot(&site.data);
    let t = site.t.path();
    let fails = |flags: &[&str], args: &[&str], code: i32, want: &str| {
        let (got, said) = site.run(args, flags);
        assert_eq!(got, code, "{flags:?} {args:?}: {said}");
        assert!(
            said.contains(want),
            "{flags:?} {args:?}: want {want:?} in {said}"
        );
        assert_eq!(snapshot(&site.data), before, "{flags:?} {args:?} wrote");
    };

    // A private key the values were not encrypted to.
    let other = testkit::eyaml_createkeys(&t.join("other"));
    let wrong = [
        "--eyaml-public-key",
        path_str(&site.keys.public),
        "--eyaml-private-key",
        path_str(&other.private),
    ];
    fails(
        &wrong,
        &["renew"],
        1,
        "Debian.yaml kubernetes::etcd_ca_key: cannot decrypt: the value was not encrypted to this private key",
    );
    // A public key that is not RSA (an EC certificate), or not a certificate.
    let (k, c) = (t.join("ec.key"), t.join("ec.crt"));
    testkit::ec_self_signed("P-256", "/CN=x", 1, &k, &c, &[]);
    fails(
        &["--eyaml-public-key", path_str(&c)],
        &["renew"],
        1,
        "its key is not RSA: hiera-eyaml's PKCS7 scheme needs an RSA key",
    );
    // What the run found before it failed is still said, first.
    let exposed = write(
        t,
        "exposed.pem",
        &std::fs::read_to_string(&site.keys.private).unwrap(),
    );
    std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (_, said) = site.run(
        &["renew"],
        &[
            "--eyaml-public-key",
            path_str(&c),
            "--eyaml-private-key",
            path_str(&exposed),
        ],
    );
    let warned = said.find("kubetool: warning: --eyaml-private-key").unwrap();
    let failed = said.find("kubetool: error: --eyaml-public-key").unwrap();
    assert!(warned < failed, "{said}");
    fails(
        &["--eyaml-public-key", path_str(&site.keys.private)],
        &["renew"],
        1,
        "no CERTIFICATE block",
    );
    fails(
        &["--eyaml-public-key", "/dev/zero"],
        &["renew"],
        1,
        "--eyaml-public-key /dev/zero: cannot read it",
    );
    // The private key alone is a usage error.
    fails(
        &["--eyaml-private-key", path_str(&site.keys.private)],
        &["renew"],
        2,
        "--eyaml-public-key",
    );

    // A damaged value: named, with the private key; without it, it cannot
    // be told and is kept as it is.
    let path = site.data.join("Debian.yaml");
    let text_before = std::fs::read_to_string(&path).unwrap();
    let at = text_before
        .find(
            "kubernetes::sa_key: >
  ENC[PKCS7,",
        )
        .unwrap()
        + 60;
    let mut damaged = text_before.clone();
    damaged.replace_range(at..at + 8, "AAAAAAAA");
    std::fs::write(&path, &damaged).unwrap();
    let damaged_files = snapshot(&site.data);
    let (code, said) = site.run(&["renew"], &site.both());
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains("Debian.yaml kubernetes::sa_key: a damaged value"),
        "{said}"
    );
    assert_eq!(snapshot(&site.data), damaged_files);
    full(&site.data, CLUSTER)
        .args(site.public())
        .assert()
        .success();
    assert_eq!(snapshot(&site.data), damaged_files);
}
