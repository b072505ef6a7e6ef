//! The Kubernetes API behind the VIP, with real components: HAProxy from
//! `ingressgen haproxy`, kubectl with kubetool's admin.conf (TLS verified
//! against the VIP's address, no skipping), curl with the admin client
//! certificate, `vipcheck probe --api`, and three API-server stand-ins
//! serving kubetool's kubeadm certificates (kube-apiserver itself cannot
//! run here). Needs root.

#[path = "support/api.rs"]
mod api;
use api::{Bench, MASTERS, VIP};
use std::time::Duration;

/// HAProxy's health check marks a server down after fall × inter (2 ×
/// 500 ms); with the check's own time and the test's look, within this.
const MARKED_DOWN_WITHIN: Duration = Duration::from_secs(2);
/// A server that accepts and never answers costs each check its timeout
/// too (inter, 500 ms): 2 × (500 + 500) ms, and a second to look.
const HUNG_MARKED_DOWN_WITHIN: Duration = Duration::from_secs(3);

/// `vipcheck probe --api` from the bench, with the admin client
/// certificate and (unless `extra` gives another) the cluster CA: (exit
/// code, status line).
fn probe(b: &Bench, extra: &[&str]) -> (i32, String) {
    let (cert, key) = b.admin_pem();
    let mut args: Vec<String> = ["probe", "--api", "--vip", VIP, "--timeout", "2s"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(["--cert".into(), cert, "--key".into(), key]);
    for (m, a) in MASTERS {
        args.extend(["--master".into(), format!("{m}={a}")]);
    }
    if !extra.contains(&"--ca") {
        args.extend(["--ca".into(), b.path("kubeadm/deadlock/pki/ca.crt")]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = b.run(testkit::path_str(&b.tools.join("vipcheck")), &args);
    (code, format!("{}{err}", out.lines().next().unwrap_or("")))
}

/// Asks `/version` through the VIP `n` times; who answered each, and the
/// failures.
fn versions(b: &Bench, n: usize) -> (Vec<String>, Vec<String>) {
    let (mut who, mut failed) = (Vec::new(), Vec::new());
    for _ in 0..n {
        match b.version_via_vip() {
            Ok(m) => who.push(m),
            Err(e) => failed.push(e),
        }
    }
    (who, failed)
}

#[test]
fn haproxy_serves_the_api_on_the_vip_and_routes_around_a_dead_or_unready_server() {
    let b = Bench::start("apibench");
    // kubectl through the VIP, verifying the API server's certificate for
    // the address in kubetool's admin.conf.
    let conf = std::fs::read_to_string(b.dir.join("kubeadm/deadlock/admin.conf")).unwrap();
    assert!(
        conf.contains(&format!("server: \"https://{VIP}:6443\"")),
        "{conf}"
    );
    assert!(!conf.contains("insecure"), "{conf}");
    let (code, out, err) = b.kubectl(&["get", "--raw", "/readyz"]);
    assert_eq!((code, out.as_str()), (0, "ok"), "{err}");
    let (code, out, err) = b.kubectl(&["get", "--raw", "/version"]);
    assert!(
        code == 0 && out.contains("\"gitVersion\":\"v1.30.2\""),
        "{out}{err}"
    );
    // Anonymous, only the public paths; a foreign client certificate is
    // refused in the handshake, as kube-apiserver does.
    let ca = b.path("kubeadm/deadlock/pki/ca.crt");
    let url = |p: &str| format!("https://{VIP}:6443{p}");
    let (_, out, _) = b.run("curl", &["-s", "--cacert", &ca, &url("/api")]);
    assert!(out.contains("\"code\":403"), "{out}");
    let (code, _, _) = b.run(
        "curl",
        &[
            "-s",
            "--cacert",
            &ca,
            "--cert",
            &b.path("lb.crt"),
            "--key",
            &b.path("lb.key"),
            &url("/version"),
        ],
    );
    assert_ne!(code, 0, "a client certificate from another CA was accepted");
    assert_eq!(probe(&b, &[]).0, 0, "{}", probe(&b, &[]).1);

    // A stopped API server: HAProxy marks it down, and no request fails
    // meanwhile (a refused connection is retried on another server).
    b.kill_apiserver("deadlock");
    let (_, failed) = versions(&b, 5);
    assert_eq!(failed, Vec::<String>::new());
    b.wait_for("deadlock marked down", MARKED_DOWN_WITHIN, || {
        b.marked_down("deadlock")
    });
    let (who, failed) = versions(&b, 20);
    assert!(
        failed.is_empty() && !who.contains(&"deadlock".to_owned()),
        "{who:?} {failed:?}"
    );
    let (code, line) = probe(&b, &[]);
    assert_eq!(code, 1, "{line}");
    assert!(
        line.contains("VIPCHECK API WARNING") && line.contains("deadlock"),
        "{line}"
    );

    // /readyz 500 on another: out of rotation, so only coup answers.
    b.set("autocrat", "unready");
    b.wait_for("autocrat marked down", MARKED_DOWN_WITHIN, || {
        b.marked_down("autocrat")
    });
    let (who, failed) = versions(&b, 20);
    assert!(failed.is_empty(), "{failed:?}");
    assert!(who.iter().all(|m| m == "coup"), "{who:?}");
    assert_eq!(b.monitor(), "200");

    // None left: the VIP's API is down, and the monitor says so.
    b.set("coup", "hang");
    b.wait_for("coup marked down", HUNG_MARKED_DOWN_WITHIN, || {
        b.marked_down("coup")
    });
    assert_eq!(b.monitor(), "503");
    let (code, line) = probe(&b, &[]);
    assert_eq!(code, 2, "{line}");
    assert!(line.contains("VIPCHECK API CRITICAL"), "{line}");

    // Back: each returns to rotation after rise × inter.
    b.start_apiserver("deadlock");
    b.set("autocrat", "ready");
    b.set("coup", "ready");
    b.wait_for("every server back", Duration::from_secs(5), || {
        MASTERS.iter().all(|(m, _)| !b.marked_down(m))
    });
    assert_eq!(b.monitor(), "200");
    assert_eq!(probe(&b, &[]).0, 0);

    // The probe with the wrong CA: not trusted, said as such, not "down".
    let (code, line) = probe(&b, &["--ca", &b.path("lb.crt")]);
    assert_eq!(code, 2, "{line}");
    assert!(line.contains("certificate not trusted"), "{line}");
}
