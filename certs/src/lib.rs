//! certs: the cluster PKI library, and the `certs` command that inspects,
//! checks, verifies and signs certificates.
//!
//! The library makes certificates with rcgen and reads them with
//! x509-parser, both on ring. It is what `kubetool` builds the Kubernetes
//! and etcd PKI with:
//!
//! - [`PrivateKey`]: ECDSA P-256 (default) and P-384, RSA 2048/3072/4096;
//!   written as their consumers expect (PKCS#1 `RSA PRIVATE KEY`, SEC1
//!   `EC PRIVATE KEY`, SPKI `PUBLIC KEY`), read from those or PKCS#8.
//! - [`Ca`]: a new or existing certificate authority that signs leaves
//!   described by a [`LeafSpec`] (role, CN, groups, DNS and IP SANs,
//!   validity, backdating); [`kubeadm`] has kubeadm's identities.
//! - [`Certificate`]: a parsed certificate with every field `certs inspect`
//!   shows ([`CertInfo`]), signature, host, usage and key checks.
//! - [`spki_pin`] (kubeadm's discovery hash) and [`bootstrap_token`].
//! - [`source::read_items`]: certificates and keys out of PEM, DER, Hiera
//!   YAML or kubeconfig files.
//!
//! ```
//! use certs::{Ca, CaSpec, KeyAlgorithm, LeafSpec, PrivateKey, Role};
//!
//! let ca = Ca::generate(&CaSpec::new("etcd-ca"), PrivateKey::generate(KeyAlgorithm::EcdsaP256)?)?;
//! let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256)?;
//! let spec = LeafSpec::new("deadlock", Role::Peer)
//!     .dns(["deadlock", "localhost"])
//!     .ips(["192.0.2.75".parse()?]);
//! let cert = ca.issue(&spec, &key)?;
//! assert!(cert.is_signed_by(ca.certificate()) && cert.matches_key(&key));
//! assert!(key.to_pem().starts_with("-----BEGIN EC PRIVATE KEY-----"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cert;
pub mod check;
pub mod cli;
pub mod covers;
pub(crate) mod der;
pub mod dn;
pub mod error;
pub mod eyaml;
pub mod inspect;
pub mod issue;
pub mod key;
pub mod pem;
pub mod pin;
pub mod signature;
pub mod source;
pub mod tool;
pub mod verify;

pub use cert::{CertInfo, Certificate, Role};
pub use cli::{Cli, command, main_entry};
pub use clikit::parse_duration;
pub use error::{Error, Result};
pub use issue::{Ca, CaSpec, LeafSpec, kubeadm};
pub use key::{KeyAlgorithm, KeyType, PrivateKey};
pub use pin::{bootstrap_token, is_bootstrap_token, spki_pin};
pub use tool::TOOL;
