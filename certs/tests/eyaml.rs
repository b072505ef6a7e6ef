//! certs::eyaml against the real thing: Debian's hiera-eyaml makes the keys
//! (`eyaml createkeys`); what certs encrypts, `eyaml decrypt` and `openssl
//! cms -decrypt` read back; what `eyaml encrypt` writes, certs reads; a
//! wrong key, a public key that is not RSA and a damaged value are errors.

use certs::eyaml::{self, PrivateKey, PublicKey};
use std::path::{Path, PathBuf};
use testkit::{EyamlKeys, path_str, text};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn eyaml_and_openssl_read_what_certs_writes_and_certs_reads_eyaml() {
    let t = tempfile::tempdir().unwrap();
    let keys = testkit::eyaml_createkeys(t.path());
    let (public, private) = (&keys.public, &keys.private);
    let to = PublicKey::from_pem(&read(public)).unwrap();
    let key = PrivateKey::from_pem(&read(private)).unwrap();
    assert!(key.pairs_with(&to));
    let pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIDx\n-----END EC PRIVATE KEY-----\n";

    // certs writes, eyaml reads (one line, and folded as in a `>` block).
    let value = eyaml::encrypt(pem.as_bytes(), &to).unwrap();
    let out = keys.eyaml_decrypt("-s", &value);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        pem.trim_end()
    );
    // Folded in a YAML file, as kubetool writes it: eyaml decrypt -f shows
    // the plaintext in place (as a literal block).
    let file = t.path().join("data.eyaml");
    std::fs::write(
        &file,
        format!("---\nkey: >\n  {}\n", eyaml::fold(&value).join("\n  ")),
    )
    .unwrap();
    let out = keys.eyaml_decrypt("-f", path_str(&file));
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains("  -----BEGIN EC PRIVATE KEY-----\n  MHcCAQEEIDx\n"),
        "{shown}"
    );

    // openssl cms reads it too.
    assert_eq!(keys.openssl_decrypt(&value, t.path()), pem);

    // eyaml writes, certs reads.
    let theirs = keys.eyaml_encrypt("string", "-s", "a token.0123456789");
    assert_eq!(
        eyaml::decrypt(theirs.trim(), &key).unwrap(),
        b"a token.0123456789"
    );
}

#[test]
fn a_wrong_key_a_key_that_is_not_rsa_and_a_damaged_value_are_errors() {
    let t = tempfile::tempdir().unwrap();
    let public = testkit::eyaml_createkeys(&t.path().join("a")).public;
    let other = testkit::eyaml_createkeys(&t.path().join("b")).private;
    let to = PublicKey::from_pem(&read(&public)).unwrap();
    let wrong = PrivateKey::from_pem(&read(&other)).unwrap();
    assert!(!wrong.pairs_with(&to));
    for _ in 0..10 {
        let v = eyaml::encrypt(b"secret", &to).unwrap();
        let e = eyaml::decrypt(&v, &wrong).unwrap_err();
        assert!(e.contains("not encrypted to this private key"), "{e}");
    }
    // An EC certificate is no eyaml public key.
    let (k, c) = (t.path().join("ec.key"), t.path().join("ec.crt"));
    testkit::ec_self_signed("P-256", "/CN=x", 1, &k, &c, &[]);
    let e = PublicKey::from_pem(&read(&c)).err().unwrap();
    assert!(e.contains("not RSA"), "{e}");
    let e = PrivateKey::from_pem(&read(&k)).err().unwrap();
    assert!(e.contains("not an RSA private key"), "{e}");
    // Damaged: base64 that decodes to something else, and a cut value.
    let v = eyaml::encrypt(b"secret", &to).unwrap();
    let cut = format!("{}]", &v[..v.len() / 2]);
    assert!(eyaml::decrypt(&cut, &wrong).is_err());
    assert!(
        eyaml::decrypt("ENC[PKCS7,AAAA]", &wrong)
            .unwrap_err()
            .contains("damaged")
    );
}

/// A Hiera file as a site keeps it after encrypting the keys with eyaml
/// (puppetlabs-kubernetes issue 354's workflow): the certificate plain, the
/// key an eyaml value from `eyaml encrypt`, folded.
fn hiera(dir: &Path, keys: &EyamlKeys, cert: &Path, key: &Path) -> PathBuf {
    let value = keys.eyaml_encrypt("string", "-f", path_str(key));
    let indent = |t: &str| t.lines().map(|l| format!("  {l}\n")).collect::<String>();
    let file = dir.join("Debian.yaml");
    std::fs::write(
        &file,
        format!(
            "---\nkubernetes::etcd_ca_crt: |\n{}kubernetes::etcd_ca_key: >\n{}kubernetes::token: \"abcdef.0123456789abcdef\"\n",
            indent(&read(cert)),
            indent(&eyaml::fold(value.trim()).join("\n"))
        ),
    )
    .unwrap();
    file
}

fn certs(args: &[&str]) -> (i32, String) {
    let out = assert_cmd::Command::cargo_bin("certs")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap(), text(&out))
}

#[test]
fn inspect_and_check_read_eyaml_hiera_with_the_key_and_list_it_without() {
    let t = tempfile::tempdir().unwrap();
    let keys = testkit::eyaml_createkeys(t.path());
    let private = &keys.private;
    let (key, cert) = (t.path().join("ca.key"), t.path().join("ca.crt"));
    testkit::ec_self_signed("P-256", "/CN=etcd-ca", 365, &key, &cert, &[]);
    let file = hiera(t.path(), &keys, &cert, &key);
    let f = path_str(&file);
    let with = ["--eyaml-private-key", path_str(private)];

    // Without the key: the certificate is checked, the key listed as encrypted.
    let (code, said) = certs(&["check", f]);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("1 encrypted value not read (give --eyaml-private-key)"),
        "{said}"
    );
    let (code, said) = certs(&["inspect", f]);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("kubernetes::etcd_ca_key (encrypted value)"),
        "{said}"
    );
    assert!(said.contains("encrypted with hiera-eyaml"), "{said}");

    // With it: the key is read and paired with its certificate.
    let (code, said) = certs(&[with[0], with[1], "check", f]);
    assert_eq!(code, 0, "{said}");
    assert!(!said.contains("encrypted"), "{said}");
    let (code, said) = certs(&[with[0], with[1], "inspect", f]);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("kubernetes::etcd_ca_key (private key)"),
        "{said}"
    );

    // The key inside does not belong to the certificate: only a reader
    // that decrypts can tell, and check does.
    let (other_key, other_cert) = (t.path().join("o.key"), t.path().join("o.crt"));
    testkit::ec_self_signed("P-256", "/CN=other", 365, &other_key, &other_cert, &[]);
    let mismatched = hiera(t.path(), &keys, &cert, &other_key);
    let (code, said) = certs(&[with[0], with[1], "check", path_str(&mismatched)]);
    assert_eq!(code, 2, "{said}");
    assert_eq!(certs(&["check", path_str(&mismatched)]).0, 0);

    // A private key that does not open the values: UNKNOWN, named.
    let wrong = testkit::eyaml_createkeys(&t.path().join("other")).private;
    let (code, said) = certs(&[
        "--eyaml-private-key",
        path_str(&wrong),
        "check",
        path_str(&mismatched),
    ]);
    assert_eq!(code, 3, "{said}");
    assert!(
        said.contains("kubernetes::etcd_ca_key") && said.contains("eyaml:"),
        "{said}"
    );
    // Not a key at all: UNKNOWN with the file named (check is a plugin).
    let (code, said) = certs(&["--eyaml-private-key", path_str(&cert), "check", f]);
    assert_eq!(code, 3, "{said}");
    assert!(
        said.starts_with("CERTS UNKNOWN") && said.contains("--eyaml-private-key"),
        "{said}"
    );
}
