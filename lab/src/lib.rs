//! The design in a box: the seed's control plane and request path (three
//! masters with etcd, HAProxy and keepalived behind one VIP, workers behind
//! a NodePort, a client in front) in network namespaces on one machine,
//! every config made by the project's tools from one cluster file
//! (`examples/lab/cluster.yaml`), and failure drills measured and judged.
//!
//! [`setup`] brings it up, [`drill`] runs a fault and measures it,
//! [`figures`] says what a user lived through, [`report`] shows the figures; [`worker`] is the stand-in for
//! ingress-nginx (which needs Kubernetes), [`apiserver`] the stand-in for
//! kube-apiserver, and [`client`] the request stream. Needs root and the Debian packages `.ci/test` installs.

#![forbid(unsafe_code)]

pub mod apiserver;
pub mod cli;
pub mod drill;
pub mod hold;
pub mod lab;
pub mod recover;
pub mod report;
pub mod setup;
pub mod worker;

/// The request stream and its figures are vipcheck's (`vipcheck watch`
/// runs the same stream against a site's real VIP).
pub use vipcheck::{figures, stream as client};
