//! ingressgen: from one services list, HAProxy's configuration for the
//! masters (TLS termination, Host-header routing to the router in the
//! cluster on every worker) and the Kubernetes manifests for that router:
//! Ingress objects with ingress-nginx's NodePort Service and ConfigMap, or
//! a Gateway and HTTPRoutes with the data plane's NodePort Service.
//!
//! The binary is a thin wrapper around [`main_entry`]; [`Cli`] is the single
//! definition of the command line. [`clusterfile`] reads and checks the
//! cluster file, and [`site::Site`] is what ingressgen renders from it;
//! [`haproxy::render`], [`k8s::ingresses`], [`k8s::expose`],
//! [`gateway::objects`] and [`gateway::expose`] render it;
//! [`routes`] tabulates and compares what it does.

#![forbid(unsafe_code)]

pub mod cli;
pub mod error;
pub mod gateway;
pub mod haproxy;
pub mod k8s;
pub mod objects;
pub mod routes;
pub mod site;
pub mod tool;

pub use cli::{Cli, command, load, main_entry, run};
pub use error::{Error, Result};
pub use tool::TOOL;
