//! The control path on one host, as the tests build it: three API-server
//! stand-ins (`lab apiserver`) serving kubetool's kubeadm certificates on
//! their masters' addresses, and a real HAProxy from `ingressgen haproxy`
//! on the VIP in front of them, all in one network namespace with the
//! addresses on its loopback. kubectl (the real one) and curl talk to it
//! with kubetool's admin.conf and certificates. Needs root.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use testkit::netns::Netns;
use testkit::{path_str, text, tool, write};

/// The masters and their addresses.
pub const MASTERS: [(&str, &str); 3] = [
    ("deadlock", "10.66.0.1"),
    ("autocrat", "10.66.0.2"),
    ("coup", "10.66.0.3"),
];
/// The VIP.
pub const VIP: &str = "10.66.0.100";

/// The bench: its files, its namespace and the stand-ins' pids.
pub struct Bench {
    pub dir: PathBuf,
    pub ns: Netns,
    pub tools: PathBuf,
    pids: std::cell::RefCell<Vec<(String, u32)>>,
}

fn cluster_file(dir: &Path) -> String {
    let masters: String = MASTERS
        .iter()
        .map(|(n, a)| format!("  - {{name: {n}, ipv4: {a}}}\n"))
        .collect();
    format!(
        "masters:\n{masters}workers:\n  - {{name: riptide, ipv4: 10.66.0.11}}\n\
         vip:\n  name: lb\n  ipv4: {VIP}/24\n\
         api:\n  ca_file: {d}/kubeadm/deadlock/pki/ca.crt\n\
         ingress:\n  domain: example.org\n  tls_bundle: {d}/lb.pem\n  services: [app]\n\
         kubernetes:\n  version: 1.30.2\n  cni_provider: flannel\n  etcd_ip: \"%{{networking.ip}}\"\n  api_advertise_address: \"%{{networking.ip}}\"\n",
        d = dir.display()
    )
}

fn must(program: &Path, args: &[&str]) -> String {
    let out = tool(path_str(program), args);
    assert!(out.status.success(), "{program:?} {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Bench {
    /// Everything made by the tools, and started; waits until HAProxy has
    /// every API server up.
    pub fn start(tag: &str) -> Bench {
        let tools = testkit::built_tools();
        let dir = std::env::temp_dir().join(format!("{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = write(&dir, "cluster.yaml", &cluster_file(&dir));
        must(
            &tools.join("kubetool"),
            &[
                "--cluster",
                path_str(&file),
                "--dir",
                path_str(&dir.join("hiera")),
                "--kubeadm",
                path_str(&dir.join("kubeadm")),
            ],
        );
        let (key, cert) = (dir.join("lb.key"), dir.join("lb.crt"));
        testkit::ec_self_signed("P-256", "/CN=lb.example.org", 2, &key, &cert, &[]);
        let bundle =
            std::fs::read_to_string(&cert).unwrap() + &std::fs::read_to_string(&key).unwrap();
        write(&dir, "lb.pem", &bundle);
        must(
            &tools.join("ingressgen"),
            &[
                "haproxy",
                "--out",
                path_str(&dir.join("haproxy.cfg")),
                path_str(&file),
            ],
        );
        let ns = Netns::new(tag);
        for (_, a) in MASTERS {
            ns.ip(&["addr", "add", &format!("{a}/32"), "dev", "lo"]);
        }
        ns.ip(&["addr", "add", &format!("{VIP}/32"), "dev", "lo"]);
        let b = Bench {
            dir,
            ns,
            tools,
            pids: Default::default(),
        };
        for (m, _) in MASTERS {
            b.start_apiserver(m);
        }
        let cfg = b.dir.join("haproxy.cfg");
        b.ns.spawn(
            "haproxy",
            &["-db", "-f", path_str(&cfg)],
            &b.dir.join("haproxy.log"),
        );
        b.wait_for(
            "every API server ready, and HAProxy up",
            Duration::from_secs(20),
            || MASTERS.iter().all(|(m, _)| b.readyz_direct(m) == "ok") && b.monitor() == "200",
        );
        b
    }

    /// What master `m`'s own API server says on `/readyz` (curl, the
    /// cluster CA), or the error.
    pub fn readyz_direct(&self, m: &str) -> String {
        let addr = MASTERS.iter().find(|(n, _)| *n == m).unwrap().1;
        let ca = self.path("kubeadm/deadlock/pki/ca.crt");
        let url = format!("https://{addr}:6443/readyz");
        let (code, out, err) = self.run("curl", &["-sS", "--max-time", "2", "--cacert", &ca, &url]);
        if code == 0 { out } else { err }
    }

    /// The path of a file of the bench.
    pub fn path(&self, rel: &str) -> String {
        path_str(&self.dir.join(rel)).to_owned()
    }

    /// Starts the stand-in on master `m` (ready).
    pub fn start_apiserver(&self, m: &str) {
        let addr = MASTERS.iter().find(|(n, _)| *n == m).unwrap().1;
        self.set(m, "ready");
        let pki = |f: &str| self.path(&format!("kubeadm/{m}/pki/{f}"));
        let pid = self.ns.spawn(
            path_str(&self.tools.join("lab")),
            &[
                "apiserver",
                "--listen",
                &format!("{addr}:6443"),
                "--cert",
                &pki("apiserver.crt"),
                "--key",
                &pki("apiserver.key"),
                "--client-ca",
                &pki("ca.crt"),
                "--state",
                &self.path(&format!("{m}.state")),
                "--name",
                m,
            ],
            &self.dir.join(format!("{m}.log")),
        );
        self.pids.borrow_mut().push((m.to_owned(), pid));
    }

    /// Kills master `m`'s stand-in.
    pub fn kill_apiserver(&self, m: &str) {
        let mut pids = self.pids.borrow_mut();
        if let Some(i) = pids.iter().position(|(n, _)| n == m) {
            let (_, pid) = pids.remove(i);
            self.ns.kill(pid);
        }
    }

    /// Tells master `m`'s stand-in to be `ready`, `unready` or `hang`.
    pub fn set(&self, m: &str, mode: &str) {
        write(&self.dir, &format!("{m}.state"), mode);
    }

    /// `program ARGS` in the namespace: (exit code, stdout, stderr).
    pub fn run(&self, program: &str, args: &[&str]) -> (i32, String, String) {
        let out = self.ns.run(program, args);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// kubectl with master `m`'s admin.conf (its server: the VIP).
    pub fn kubectl(&self, args: &[&str]) -> (i32, String, String) {
        let conf = self.path("kubeadm/deadlock/admin.conf");
        let mut all = vec!["--kubeconfig", &conf];
        all.extend_from_slice(args);
        self.run("kubectl", &all)
    }

    /// The admin client certificate and key from admin.conf, as files
    /// (for curl and vipcheck probe).
    pub fn admin_pem(&self) -> (String, String) {
        let conf = self.path("kubeadm/deadlock/admin.conf");
        let k = lab::client::Kubeconfig::read(&conf).unwrap();
        let text = |pem: &[u8]| String::from_utf8(pem.to_vec()).unwrap();
        let cert = write(&self.dir, "admin.crt", &text(&k.cert_pem));
        let key = write(&self.dir, "admin.key", &text(&k.key_pem));
        (path_str(&cert).to_owned(), path_str(&key).to_owned())
    }

    /// Who answers `/version` through the VIP (curl with the admin
    /// certificate): the master's name, or why not.
    pub fn version_via_vip(&self) -> Result<String, String> {
        let (cert, key) = self.admin_pem();
        let ca = self.path("kubeadm/deadlock/pki/ca.crt");
        let url = format!("https://{VIP}:6443/version");
        let (code, out, err) = self.run(
            "curl",
            &[
                "-sS",
                "--max-time",
                "3",
                "--cacert",
                &ca,
                "--cert",
                &cert,
                "--key",
                &key,
                &url,
            ],
        );
        if code != 0 {
            return Err(format!("curl exit {code}: {err}"));
        }
        out.split("\"platform\":\"lab/")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .map(str::to_owned)
            .ok_or_else(|| format!("no platform in {out}"))
    }

    /// Whether HAProxy has marked master `m`'s API server down (its own
    /// log, the last word on that server).
    pub fn marked_down(&self, m: &str) -> bool {
        let log = std::fs::read_to_string(self.dir.join("haproxy.log")).unwrap_or_default();
        let down = log.rfind(&format!("kube-apiserver/{m} is DOWN"));
        let back = log.rfind(&format!("kube-apiserver/{m} is UP"));
        down.is_some() && back < down
    }

    /// The monitor's answer on `/kube-apiserver`.
    pub fn monitor(&self) -> String {
        self.run(
            "curl",
            &[
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://127.0.0.1:8404/kube-apiserver",
            ],
        )
        .1
    }

    /// Waits until `ok`, failing the test after `limit`; how long it took.
    pub fn wait_for(&self, what: &str, limit: Duration, mut ok: impl FnMut() -> bool) -> Duration {
        let start = Instant::now();
        while !ok() {
            assert!(
                start.elapsed() < limit,
                "{what}: not within {limit:?}; HAProxy's log:\n{}",
                std::fs::read_to_string(self.dir.join("haproxy.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        start.elapsed()
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
