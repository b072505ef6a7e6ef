//! Writes a directory tree of N leaf certificates and their keys under one
//! CA (and three intermediate levels of directories), for the `certs check`
//! benchmark (`bench/certs-check`):
//!
//! ```sh
//! cargo run --release -p certs --example cert_tree -- /tmp/tree 10000
//! ```

use certs::{Ca, CaSpec, KeyAlgorithm, LeafSpec, PrivateKey, Role};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: cert_tree DIR N")?;
    let n: usize = args.next().ok_or("usage: cert_tree DIR N")?.parse()?;
    let dir = Path::new(&dir);
    let ca = Ca::generate(
        &CaSpec::new("bench-ca"),
        PrivateKey::generate(KeyAlgorithm::EcdsaP256)?,
    )?;
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("ca.crt"), ca.certificate().pem())?;
    std::fs::write(dir.join("ca.key"), ca.key().to_pem())?;
    // One key for every leaf: signing dominates, and pairing is what the
    // benchmark is about, not key generation.
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256)?;
    let key_pem = key.to_pem();
    for i in 0..n {
        let sub = dir.join(format!("{:02}/{:02}", i % 97, (i / 97) % 13));
        std::fs::create_dir_all(&sub)?;
        let leaf = ca.issue(&LeafSpec::new(format!("leaf-{i}"), Role::Client), &key)?;
        std::fs::write(sub.join(format!("leaf-{i}.crt")), leaf.pem())?;
        std::fs::write(sub.join(format!("leaf-{i}.key")), &key_pem)?;
    }
    Ok(())
}
