//! Writes a small kubeadm-style PKI for the example cluster's first master
//! into a directory, for the demo and for trying `certs` by hand:
//!
//! ```sh
//! cargo run -p certs --example demo_pki -- /tmp/pki-demo
//! certs check /tmp/pki-demo
//! ```
//!
//! The front-proxy client certificate is issued for 20 days only, so that
//! `certs check` has something to warn about.

use certs::{Ca, CaSpec, KeyAlgorithm, LeafSpec, PrivateKey, kubeadm};
use std::net::IpAddr;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a file in a directory"))?;
    std::fs::write(path, text)
}

fn pair(
    dir: &Path,
    name: &str,
    ca: &Ca,
    spec: &LeafSpec,
) -> Result<(), Box<dyn std::error::Error>> {
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256)?;
    write(dir, &format!("{name}.crt"), &ca.issue(spec, &key)?.pem())?;
    write(dir, &format!("{name}.key"), &key.to_pem())?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: demo_pki DIR")?;
    let dir = Path::new(&dir);
    let p256 = || PrivateKey::generate(KeyAlgorithm::EcdsaP256);
    let deadlock: IpAddr = "192.0.2.75".parse()?;

    let ca = Ca::generate(&CaSpec::new("kubernetes"), p256()?)?;
    write(dir, "pki/ca.crt", &ca.certificate().pem())?;
    write(dir, "pki/ca.key", &ca.key().to_pem())?;
    let apiserver = kubeadm::apiserver("deadlock", "cluster.local", "10.96.0.1".parse()?, deadlock)
        .dns(["lb.ocf.berkeley.edu"]);
    pair(dir, "pki/apiserver", &ca, &apiserver)?;
    pair(
        dir,
        "pki/apiserver-kubelet-client",
        &ca,
        &kubeadm::apiserver_kubelet_client(),
    )?;

    let fp = Ca::generate(&CaSpec::new("front-proxy-ca"), p256()?)?;
    write(dir, "pki/front-proxy-ca.crt", &fp.certificate().pem())?;
    write(dir, "pki/front-proxy-ca.key", &fp.key().to_pem())?;
    let short = kubeadm::front_proxy_client().validity(time::Duration::days(20));
    pair(dir, "pki/front-proxy-client", &fp, &short)?;

    let etcd = Ca::generate(&CaSpec::new("etcd-ca"), p256()?)?;
    write(dir, "pki/etcd/ca.crt", &etcd.certificate().pem())?;
    write(dir, "pki/etcd/ca.key", &etcd.key().to_pem())?;
    pair(
        dir,
        "pki/etcd/server",
        &etcd,
        &kubeadm::etcd_server("deadlock", deadlock),
    )?;
    pair(
        dir,
        "pki/etcd/peer",
        &etcd,
        &kubeadm::etcd_peer("deadlock", deadlock),
    )?;

    let sa = p256()?;
    write(dir, "pki/sa.key", &sa.to_pem())?;
    write(dir, "pki/sa.pub", &sa.public_key_pem())?;

    // A user's key pair, as someone asking for a certificate would have it.
    let alice = p256()?;
    write(dir, "alice.key", &alice.to_pem())?;
    write(dir, "alice.pub", &alice.public_key_pem())?;
    Ok(())
}
