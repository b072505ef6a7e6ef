//! `lab up`: the network, then every config from the cluster file by the
//! tools (kubetool's PKI, etcd settings and kubeadm trees, certs' TLS
//! bundle, ingressgen's HAProxy, vipcheck's keepalived), then the daemons
//! (an API-server stand-in on each master among them), then a wait until
//! the request path and the control path both answer through the VIP.

use crate::lab::{self, CLIENT, CLIENT_ADDR, DIR, Lab, dir, must, ns, spawn_in, wait_for};
use std::path::Path;
use std::time::Duration;

/// Brings the lab up from scratch (anything left of an earlier one is
/// taken down first).
pub fn up(l: &Lab) -> Result<(), String> {
    lab::down();
    lab::guarded(|| std::fs::create_dir_all(DIR).map_err(|e| e.to_string()))?;
    network(l)?;
    pki(l)?;
    for m in l.masters() {
        haproxy_conf(l, &l.file_path, &m)?;
        keepalived_conf(l, &m, false)?;
    }
    for m in l.masters() {
        start_etcd(l, &m, "new")?;
    }
    for w in &l.file.workers {
        start_worker(l, &w.name)?;
    }
    for m in l.masters() {
        start_apiserver(l, &m)?;
    }
    for m in l.masters() {
        start_haproxy(&m)?;
    }
    for m in l.masters() {
        start_keepalived(&m)?;
    }
    healthy(l)
}

/// The hosts: every master and worker of the file, and the client.
fn hosts(l: &Lab) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = l
        .file
        .masters
        .iter()
        .chain(&l.file.workers)
        .map(|h| (h.name.clone(), h.ipv4.to_string()))
        .collect();
    out.push((CLIENT.to_owned(), CLIENT_ADDR.to_owned()));
    out
}

/// A bridge in its own namespace and a veth from each host to it.
fn network(l: &Lab) -> Result<(), String> {
    let lan = ns("lan");
    must("ip", &["netns", "add", &lan])?;
    must("ip", &["-n", &lan, "link", "add", "br0", "type", "bridge"])?;
    must("ip", &["-n", &lan, "link", "set", "br0", "up"])?;
    for (i, (host, addr)) in hosts(l).iter().enumerate() {
        attach(host, addr, &format!("v{i}"))?;
    }
    Ok(())
}

/// A host's namespace, with eth0 on the lab's bridge (bridge port `port`)
/// and `addr`/24.
pub fn attach(host: &str, addr: &str, port: &str) -> Result<(), String> {
    let lan = ns("lan");
    let n = ns(host);
    must("ip", &["netns", "add", &n])?;
    must(
        "ip",
        &[
            "-n", &n, "link", "add", "eth0", "type", "veth", "peer", "name", port,
        ],
    )?;
    must("ip", &["-n", &n, "link", "set", port, "netns", &lan])?;
    must(
        "ip",
        &["-n", &lan, "link", "set", port, "master", "br0", "up"],
    )?;
    must(
        "ip",
        &[
            "-n",
            &n,
            "addr",
            "add",
            &format!("{addr}/24"),
            "dev",
            "eth0",
        ],
    )?;
    must("ip", &["-n", &n, "link", "set", "eth0", "up"])?;
    must("ip", &["-n", &n, "link", "set", "lo", "up"])?;
    Ok(())
}

/// A PEM value of a kubetool Hiera file.
fn hiera_value(file: &Path, key: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let doc: serde_yaml::Value =
        clikit::yaml::document(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    doc.get(format!("kubernetes::{key}"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: no kubernetes::{key}", file.display()))
}

/// The kubeadm trees kubetool writes, one per master (its API server's
/// certificate, the admin kubeconfig).
pub fn kubeadm_dir() -> std::path::PathBuf {
    Path::new(DIR).join("kubeadm")
}

/// The admin kubeconfig: its server is the VIP on the API's port.
pub fn admin_conf(l: &Lab) -> String {
    kubeadm_dir()
        .join(&l.masters()[0])
        .join("admin.conf")
        .to_string_lossy()
        .into_owned()
}

/// The admin client certificate, from admin.conf (for `vipcheck probe
/// --api`).
pub fn admin_cert() -> std::path::PathBuf {
    Path::new(DIR).join("admin.crt")
}

/// Its key.
pub fn admin_key() -> std::path::PathBuf {
    Path::new(DIR).join("admin.key")
}

/// Writes admin.conf's client certificate and key as files.
fn admin_files(l: &Lab) -> Result<(), String> {
    let k = crate::client::Kubeconfig::read(&admin_conf(l))?;
    lab::write(&admin_cert(), &String::from_utf8_lossy(&k.cert_pem))?;
    lab::write(&admin_key(), &String::from_utf8_lossy(&k.key_pem))
}

/// `kubetool --cluster FILE` with the lab's Hiera directory and kubeadm
/// trees, and any `extra` flags.
pub fn kubetool_cluster(l: &Lab, file: &Path, extra: &[&str]) -> Result<(), String> {
    let (hiera, kubeadm) = (Path::new(DIR).join("hiera"), kubeadm_dir());
    let mut args = vec![
        "--cluster".to_owned(),
        file.to_string_lossy().into_owned(),
        "--dir".to_owned(),
        hiera.to_string_lossy().into_owned(),
        "--kubeadm".to_owned(),
        kubeadm.to_string_lossy().into_owned(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    must(&l.tool("kubetool"), &args).map(|_| ())
}

/// kubetool's Hiera data and kubeadm trees from the cluster file, its PEMs
/// as files (as the puppetlabs-kubernetes module would place them), and
/// HAProxy's bundle signed by certs with the cluster's CA.
fn pki(l: &Lab) -> Result<(), String> {
    let hiera = Path::new(DIR).join("hiera");
    kubetool_cluster(l, &l.file_path, &[])?;
    admin_files(l)?;
    let os = hiera.join("Debian.yaml");
    let root = Path::new(DIR);
    lab::write(&root.join("etcd-ca.crt"), &hiera_value(&os, "etcd_ca_crt")?)?;
    lab::write(
        &root.join("etcd-client.crt"),
        &hiera_value(&os, "etcdclient_crt")?,
    )?;
    lab::write(
        &root.join("etcd-client.key"),
        &hiera_value(&os, "etcdclient_key")?,
    )?;
    lab::write(
        &root.join("ca.crt"),
        &hiera_value(&os, "kubernetes_ca_crt")?,
    )?;
    lab::write(
        &root.join("ca.key"),
        &hiera_value(&os, "kubernetes_ca_key")?,
    )?;
    lab::write(
        &root.join("initial-cluster"),
        &hiera_value(&os, "etcd_initial_cluster")?,
    )?;
    for m in l.masters() {
        member_files(&hiera, &m)?;
    }
    tls_bundle(l)
}

/// One member's etcd files from its Hiera file.
pub fn member_files(hiera: &Path, m: &str) -> Result<(), String> {
    let f = hiera.join(format!("{m}.yaml"));
    let d = dir(m).join("etcd");
    for (key, file) in [
        ("etcdserver_crt", "server.crt"),
        ("etcdserver_key", "server.key"),
        ("etcdpeer_crt", "peer.crt"),
        ("etcdpeer_key", "peer.key"),
        // The module's etcdctl identity on a master, which the recovery
        // plans name.
        ("etcdclient_crt", "client.crt"),
        ("etcdclient_key", "client.key"),
    ] {
        lab::write(&d.join(file), &hiera_value(&f, key)?)?;
    }
    let ca =
        std::fs::read_to_string(Path::new(DIR).join("etcd-ca.crt")).map_err(|e| e.to_string())?;
    lab::write(&d.join("ca.crt"), &ca)
}

fn tls_bundle(l: &Lab) -> Result<(), String> {
    let root = Path::new(DIR);
    let key = root.join("lb.key");
    must(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &key.to_string_lossy(),
        ],
    )?;
    let public = root.join("lb.pub");
    must(
        "openssl",
        &[
            "pkey",
            "-in",
            &key.to_string_lossy(),
            "-pubout",
            "-out",
            &public.to_string_lossy(),
        ],
    )?;
    let ing = l.ingress();
    let wildcard = format!("*.{}", ing.domain);
    let cert = must(
        &l.tool("certs"),
        &[
            "sign",
            "--server",
            "--ca",
            &root.join("ca.crt").to_string_lossy(),
            "--ca-key",
            &root.join("ca.key").to_string_lossy(),
            "--cn",
            &format!("lb.{}", ing.domain),
            "--dns",
            &wildcard,
            "--dns",
            &ing.domain,
            // Clear of certs check's 30-day warning, so a healthy lab is OK.
            "--lifetime",
            "90d",
            &public.to_string_lossy(),
        ],
    )?;
    let key_pem = std::fs::read_to_string(&key).map_err(|e| e.to_string())?;
    lab::write(Path::new(&ing.tls_bundle), &(cert + &key_pem))
}

/// A master's HAProxy config (ingressgen) from the cluster file `file`.
pub fn haproxy_conf(l: &Lab, file: &Path, m: &str) -> Result<(), String> {
    let d = dir(m);
    lab::guarded(|| std::fs::create_dir_all(&d).map_err(|e| e.to_string()))?;
    let file = file.to_string_lossy();
    must(
        &l.tool("ingressgen"),
        &[
            "haproxy",
            "--node",
            m,
            "--out",
            &d.join("haproxy.cfg").to_string_lossy(),
            "--map-dir",
            &d.to_string_lossy(),
            &file,
        ],
    )?;
    if std::env::var("LAB_BACKEND").is_ok_and(|v| v == "untuned") {
        let cfg = d.join("haproxy.cfg");
        let text = std::fs::read_to_string(&cfg).map_err(|e| e.to_string())?;
        lab::write(&cfg, &untuned(&text))?;
    }
    Ok(())
}

/// The workers' backend as ingressgen rendered it before it was tuned for
/// a worker's loss, for bench/worker-tuning's "before" (`LAB_BACKEND=untuned`):
/// a bare `check` (every 2 s, 3 to fall), and the defaults' `timeout
/// connect 10s`, `retries 3` and redispatch on the last retry only. Every
/// other section as rendered.
pub fn untuned(cfg: &str) -> String {
    let tuned = [
        "timeout connect 300ms",
        "timeout check 300ms",
        "retries 2",
        "option redispatch 1",
    ];
    let backend = format!("backend {}", ingressgen::haproxy::WORKERS_BACKEND);
    let mut inside = false;
    let mut out = String::with_capacity(cfg.len());
    for line in cfg.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line == backend;
        }
        let setting = line.trim();
        if inside && tuned.contains(&setting) {
            continue;
        }
        if inside && setting.starts_with("default-server check ") {
            out.push_str("    default-server check\n");
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A master's keepalived.conf (vipcheck render); drained for maintenance
/// or not.
pub fn keepalived_conf(l: &Lab, m: &str, drain: bool) -> Result<(), String> {
    keepalived_conf_from(l, &l.file_path, m, drain)
}

/// A master's keepalived.conf from the cluster file `file`.
pub fn keepalived_conf_from(l: &Lab, file: &Path, m: &str, drain: bool) -> Result<(), String> {
    render_keepalived(l, file, m, drain, advert_override())
}

/// A master's keepalived.conf from `file` with the file's own advert
/// interval, whatever `LAB_ADVERT` says.
pub fn keepalived_conf_as_filed(l: &Lab, file: &Path, m: &str) -> Result<(), String> {
    render_keepalived(l, file, m, false, None)
}

/// `vipcheck render` for `m` into its directory; `advert`, when given,
/// overrides the file's interval.
fn render_keepalived(
    l: &Lab,
    file: &Path,
    m: &str,
    drain: bool,
    advert: Option<String>,
) -> Result<(), String> {
    let d = dir(m);
    let file = file.to_string_lossy().into_owned();
    let state = d.join("state").to_string_lossy().into_owned();
    let vipcheck = l.tool("vipcheck");
    let mut args = vec![
        "render",
        "--master",
        m,
        "--vipcheck",
        &vipcheck,
        "--interval",
        "1",
        "--state-file",
        &state,
    ];
    if drain {
        args.push("--drain");
    }
    if unicast() {
        args.push("--unicast");
    }
    if let Some(a) = &advert {
        args.extend(["--advert-int", a]);
    }
    args.push(&file);
    let conf = must(&vipcheck, &args)?;
    lab::write(&d.join("keepalived.conf"), &conf)
}

/// Whether keepalived sends its adverts to each peer (unicast, as the
/// site's Puppet example renders it) rather than to VRRP's multicast
/// group: unicast unless `LAB_VRRP=multicast`.
pub fn unicast() -> bool {
    std::env::var("LAB_VRRP").map_or(true, |v| v != "multicast")
}

/// `LAB_ADVERT`: seconds between adverts, as `vipcheck render
/// --advert-int` takes them, over the lab file's `vip.advert_int` (for
/// bench/vrrp-sweep and the CI's labs at other intervals).
fn advert_override() -> Option<String> {
    std::env::var("LAB_ADVERT").ok()
}

/// keepalived's advert_int in the lab: `LAB_ADVERT`, else the lab file's.
pub fn advert(l: &Lab) -> clusterfile::Advert {
    let file = l.file.vip_section.as_ref().map(|v| v.advert_int);
    advert_override()
        .and_then(|a| a.parse().ok())
        .or(file)
        .unwrap_or(clusterfile::Advert::DEFAULT)
}

/// The VRID the lab's masters run: the lab file's `vip.vrid`.
pub fn vrid(l: &Lab) -> u8 {
    l.file.vip("").expect("checked at load").vrid
}

/// A master's address.
pub fn addr(l: &Lab, m: &str) -> String {
    l.file
        .master(m)
        .map(|h| h.ipv4.to_string())
        .unwrap_or_default()
}

/// etcd on master `m` with its kubetool certificates; `state` is `new` or
/// `existing`.
pub fn start_etcd(l: &Lab, m: &str, state: &str) -> Result<(), String> {
    start_etcd_at(m, &addr(l, m), state)
}

/// etcd on master `m` at `ip` (a master the lab file does not list yet).
pub fn start_etcd_at(m: &str, ip: &str, state: &str) -> Result<(), String> {
    let d = dir(m).join("etcd");
    let p = |f: &str| d.join(f).to_string_lossy().into_owned();
    let ca = Path::new(DIR)
        .join("etcd-ca.crt")
        .to_string_lossy()
        .into_owned();
    let initial = std::fs::read_to_string(Path::new(DIR).join("initial-cluster"))
        .map_err(|e| e.to_string())?;
    let args = [
        "--name",
        m,
        "--data-dir",
        &p("data"),
        "--listen-client-urls",
        &format!("https://{ip}:2379,https://127.0.0.1:2379"),
        "--advertise-client-urls",
        &format!("https://{ip}:2379"),
        "--listen-peer-urls",
        &format!("https://{ip}:2380"),
        "--initial-advertise-peer-urls",
        &format!("https://{ip}:2380"),
        "--initial-cluster",
        initial.trim(),
        "--initial-cluster-state",
        state,
        "--initial-cluster-token",
        "ocf-lab",
        "--client-cert-auth",
        "--trusted-ca-file",
        &ca,
        "--cert-file",
        &p("server.crt"),
        "--key-file",
        &p("server.key"),
        "--peer-client-cert-auth",
        "--peer-trusted-ca-file",
        &ca,
        "--peer-cert-file",
        &p("peer.crt"),
        "--peer-key-file",
        &p("peer.key"),
    ];
    spawn_in(m, "etcd", "etcd", &args).map(|_| ())
}

/// The stand-in routers on worker `w` (see [`crate::worker`]), from the
/// objects `ingressgen ingress` renders from the lab file: ingress-nginx's
/// Ingresses on its NodePort, and, when the file has a gateway section,
/// the Gateway and HTTPRoutes on the data plane's NodePorts, side by side
/// as during a migration. HAProxy sends requests to the one the file's
/// `controller` names.
pub fn start_worker(l: &Lab, w: &str) -> Result<(), String> {
    let ing = l.ingress();
    let d = dir(w);
    lab::guarded(|| std::fs::create_dir_all(&d).map_err(|e| e.to_string()))?;
    let objects = |controller: clusterfile::gateway::Controller| {
        let out = d.join(format!("{}.yaml", controller.word()));
        let (file, path) = (l.file_path.to_string_lossy(), out.to_string_lossy());
        let args = [
            "ingress",
            "--controller",
            controller.word(),
            "--out",
            &path,
            &file,
        ];
        must(&l.tool("ingressgen"), &args).map(|_| path.into_owned())
    };
    let ingress = objects(clusterfile::gateway::Controller::IngressNginx)?;
    let port = ing.node_port.to_string();
    let mut args: Vec<String> = [
        "worker",
        "--name",
        w,
        "--ingress",
        &ingress,
        "--port",
        &port,
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend(["--ingress-health-path".to_owned(), ing.health_path.clone()]);
    if let Some(g) = &ing.gateway {
        let routes = objects(clusterfile::gateway::Controller::GatewayApi)?;
        args.extend([
            "--routes".to_owned(),
            routes,
            "--gateway-port".to_owned(),
            g.node_port.to_string(),
            "--health-port".to_owned(),
            g.health_node_port.to_string(),
            "--health-path".to_owned(),
            g.health_path.clone(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    spawn_in(w, "worker", &l.tool("lab"), &args).map(|_| ())
}

/// The API-server stand-in on master `m`, on its address and the API
/// servers' port, with the certificate kubetool's kubeadm tree gives it.
pub fn start_apiserver(l: &Lab, m: &str) -> Result<(), String> {
    start_apiserver_at(l, m, &addr(l, m))
}

/// The stand-in on master `m` at `ip` (a master the lab file does not
/// list yet).
pub fn start_apiserver_at(l: &Lab, m: &str, ip: &str) -> Result<(), String> {
    let port = l.api().apiserver_port;
    let pki = kubeadm_dir().join(m).join("pki");
    let p = |f: &str| pki.join(f).to_string_lossy().into_owned();
    let state = apiserver_state(m);
    lab::write(&state, "ready")?;
    spawn_in(
        m,
        "apiserver",
        &l.tool("lab"),
        &[
            "apiserver",
            "--listen",
            &format!("{ip}:{port}"),
            "--cert",
            &p("apiserver.crt"),
            "--key",
            &p("apiserver.key"),
            "--client-ca",
            &p("ca.crt"),
            "--state",
            &state.to_string_lossy(),
            "--name",
            m,
        ],
    )
    .map(|_| ())
}

/// The state file of master `m`'s stand-in (ready, unready or hang).
pub fn apiserver_state(m: &str) -> std::path::PathBuf {
    dir(m).join("apiserver.state")
}

/// Whether master `m`'s API server is ready, as the lab made it: the
/// stand-in works and its state file says ready.
pub fn apiserver_ready(m: &str) -> bool {
    lab::working(m, "apiserver")
        && std::fs::read_to_string(apiserver_state(m)).is_ok_and(|s| s.trim() == "ready")
}

/// HAProxy on master `m`, from ingressgen's config.
pub fn start_haproxy(m: &str) -> Result<(), String> {
    let cfg = dir(m).join("haproxy.cfg");
    spawn_in(
        m,
        "haproxy",
        "haproxy",
        &["-db", "-f", &cfg.to_string_lossy()],
    )
    .map(|_| ())
}

/// How long an old HAProxy may finish what it serves after a reload: the
/// config's `hard-stop-after`, and a second.
const OLD_HAPROXY_GONE: Duration = Duration::from_secs(31);

/// Reloads HAProxy on master `m` with the config its directory holds now,
/// as a reload does at the site: a new process binds the same addresses
/// beside the old one (HAProxy's listeners share them, SO_REUSEPORT) and
/// then tells it (`-sf`: SIGUSR1) to stop accepting and finish what it
/// serves; returns once the old one is gone.
pub fn reload_haproxy(m: &str) -> Result<(), String> {
    let old = lab::pid_of(m, "haproxy").ok_or_else(|| format!("HAProxy does not run on {m}"))?;
    let cfg = dir(m).join("haproxy.cfg");
    spawn_in(
        m,
        "haproxy",
        "haproxy",
        &["-db", "-f", &cfg.to_string_lossy(), "-sf", &old.to_string()],
    )?;
    wait_for(
        "the old HAProxy to finish what it serves",
        OLD_HAPROXY_GONE,
        || !lab::alive(old),
    )
    .map(|_| ())
}

/// keepalived on master `m`, from vipcheck's config.
pub fn start_keepalived(m: &str) -> Result<(), String> {
    let d = dir(m);
    let p = |f: &str| d.join(f).to_string_lossy().into_owned();
    spawn_in(
        m,
        "keepalived",
        "keepalived",
        &[
            "-n",
            "-l",
            "-D",
            "-P",
            "-f",
            &p("keepalived.conf"),
            "-p",
            &p("keepalived-main.pid"),
            "-r",
            &p("vrrp.pid"),
        ],
    )
    .map(|_| ())
}

/// Where keepalived writes what it runs when sent SIGUSR1 (one path for
/// every keepalived on the machine: the lab asks one master at a time).
const KEEPALIVED_DATA: &str = "/tmp/keepalived.data";

/// The advert interval `m`'s keepalived runs, as it reports it itself
/// (SIGUSR1 makes it write its running state: `Advert interval = 100
/// milli-sec`, or `= 1 sec`).
pub fn running_advert(m: &str) -> Result<clusterfile::Advert, String> {
    running(m, "advert interval", dumped_advert)
}

/// The VRID `m`'s keepalived runs, as it reports it itself
/// (`Virtual Router ID = 77`).
pub fn running_vrid(m: &str) -> Result<u8, String> {
    running(m, "VRID", dumped_vrid)
}

/// What `read` finds in the data dump `m`'s keepalived writes on SIGUSR1.
fn running<T>(m: &str, what: &str, read: fn(&str) -> Option<T>) -> Result<T, String> {
    let _ = std::fs::remove_file(KEEPALIVED_DATA);
    lab::signal(m, "keepalived-main", "USR1");
    let mut said = None;
    lab::wait_for(
        "keepalived's data dump",
        std::time::Duration::from_secs(5),
        || {
            said = std::fs::read_to_string(KEEPALIVED_DATA)
                .ok()
                .and_then(|d| read(&d));
            said.is_some()
        },
    )?;
    let _ = std::fs::remove_file(KEEPALIVED_DATA);
    said.ok_or_else(|| format!("{m}: keepalived wrote no {what}"))
}

/// The value of `  Name = value` in keepalived's data dump, once its line
/// is written in full.
fn dumped<'d>(dump: &'d str, name: &str) -> Option<&'d str> {
    dump.split_inclusive('\n')
        .find_map(|l| l.trim_start().strip_prefix(name)?.strip_prefix(" = "))?
        .strip_suffix('\n')
}

/// The VRID in keepalived's data dump.
pub fn dumped_vrid(dump: &str) -> Option<u8> {
    dumped(dump, "Virtual Router ID")?.parse().ok()
}

/// The advert interval in keepalived's data dump, once written in full
/// (its line ends).
pub fn dumped_advert(dump: &str) -> Option<clusterfile::Advert> {
    let centi = match dumped(dump, "Advert interval")?.split_once(' ')? {
        (n, "sec") => n.parse::<u32>().ok()?.checked_mul(100)?,
        (n, "milli-sec") => n.parse::<u32>().ok().filter(|n| n % 10 == 0)? / 10,
        _ => return None,
    };
    clusterfile::Advert::from_centiseconds(centi)
}

/// etcdctl from the client with the cluster-wide client certificate.
pub fn etcdctl(l: &Lab, args: &[&str]) -> (i32, String, String) {
    let endpoints: Vec<String> = l
        .masters()
        .iter()
        .map(|m| format!("https://{}:2379", addr(l, m)))
        .collect();
    etcdctl_at(l, &endpoints.join(","), args)
}

/// etcdctl from the client against `endpoints` (comma-separated URLs).
pub fn etcdctl_at(_l: &Lab, endpoints: &str, args: &[&str]) -> (i32, String, String) {
    let root = Path::new(DIR);
    let p = |f: &str| root.join(f).to_string_lossy().into_owned();
    let mut all = vec![
        "--endpoints".to_owned(),
        endpoints.to_owned(),
        "--cacert".to_owned(),
        p("etcd-ca.crt"),
        "--cert".to_owned(),
        p("etcd-client.crt"),
        "--key".to_owned(),
        p("etcd-client.key"),
        "--dial-timeout".to_owned(),
        "1s".to_owned(),
        "--command-timeout".to_owned(),
        "2s".to_owned(),
    ];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    lab::run_in(CLIENT, "etcdctl", &refs)
}

/// Waits until etcd has quorum with every member healthy, exactly the
/// first master holds the VIP, and a request through it reaches a worker.
pub fn healthy(l: &Lab) -> Result<(), String> {
    wait_for("every etcd member healthy", Duration::from_secs(30), || {
        etcdctl(l, &["endpoint", "health"]).0 == 0
    })?;
    let first = l.masters()[0].clone();
    wait_for(
        &format!("{first} alone holding the VIP"),
        Duration::from_secs(20),
        || l.holders() == [first.clone()],
    )?;
    let ing = l.ingress();
    let host = ing.host(&ing.services[0].name);
    let ca = Path::new(DIR).join("ca.crt").to_string_lossy().into_owned();
    let vip = l.vip().to_string();
    let admin = admin_conf(l);
    let one_ok = |target: &[&str]| {
        let mut args = vec!["client"];
        args.extend_from_slice(target);
        args.extend(["--rate", "1", "--seconds", "1"]);
        let (code, out, _) = lab::run_in(CLIENT, &l.tool("lab"), &args);
        code == 0 && out.contains("\"ok\":true")
    };
    wait_for("the API through the VIP", Duration::from_secs(20), || {
        one_ok(&["--kubeconfig", &admin])
    })?;
    wait_for(
        "a request through the VIP to reach a worker",
        Duration::from_secs(20),
        || one_ok(&["--vip", &vip, "--hosts", &host, "--ca", &ca]),
    )?;
    wait_for(
        "every worker up in every HAProxy (vipcheck workers)",
        Duration::from_secs(20),
        || {
            l.masters()
                .iter()
                .all(|m| lab::run_in(m, &l.tool("vipcheck"), &["workers"]).0 == 0)
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{dumped_advert, dumped_vrid, untuned};

    /// The "before" config keeps every section but the workers' backend as
    /// rendered, and that backend loses exactly its tuning.
    #[test]
    fn untuned_drops_the_workers_backends_tuning_only() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../ingressgen/tests/expected/ocf/haproxy.cfg"
        );
        let cfg = std::fs::read_to_string(path).unwrap();
        let before = untuned(&cfg);
        let section = |c: &str, name: &str| -> String {
            let start = c.find(&format!("\nbackend {name}\n")).unwrap();
            let rest = &c[start + 1..];
            rest[..rest.find("\n\n").unwrap_or(rest.len())].to_owned()
        };
        let workers = section(&before, "kubernetes");
        for gone in [
            "timeout connect",
            "timeout check",
            "retries",
            "redispatch",
            "inter ",
        ] {
            assert!(!workers.contains(gone), "{gone} in {workers}");
        }
        assert!(workers.contains("    default-server check\n"), "{workers}");
        assert!(workers.contains("balance source"), "{workers}");
        let api = ingressgen::haproxy::API_BACKEND;
        assert_eq!(section(&before, api), section(&cfg, api));
        assert!(section(&cfg, "kubernetes").contains("timeout connect 300ms"));
        assert_eq!(before.lines().count() + 4, cfg.lines().count());
    }

    /// keepalived's dump read as it writes it: the interval in either
    /// unit, and nothing from a dump cut off mid-line.
    #[test]
    fn the_advert_interval_keepalived_dumps() {
        let dump = |v: &str| format!(" VRRP Version = 3\n   Advert interval = {v}\n   Lost = 0\n");
        for (v, cs) in [
            ("100 milli-sec", 10),
            ("1 sec", 100),
            ("2 sec", 200),
            ("250 milli-sec", 25),
        ] {
            assert_eq!(
                dumped_advert(&dump(v)).map(|a| a.centiseconds()),
                Some(cs),
                "{v}"
            );
        }
        assert_eq!(dumped_advert("   Advert interval = 100 milli-sec"), None);
        assert_eq!(dumped_advert("   Advert interval = 100 milli"), None);
        assert_eq!(dumped_advert(&dump("5 milli-sec")), None);
        assert_eq!(dumped_advert(" VRRP Version = 3\n"), None);
    }

    #[test]
    fn the_vrid_keepalived_dumps() {
        let dump = |v: &str| format!("   Virtual Router ID = {v}\n   Priority = 150\n");
        assert_eq!(dumped_vrid(&dump("77")), Some(77));
        assert_eq!(dumped_vrid(&dump("255")), Some(255));
        assert_eq!(dumped_vrid("   Virtual Router ID = 77"), None);
        assert_eq!(dumped_vrid(&dump("x")), None);
        assert_eq!(dumped_vrid("   Priority = 150\n"), None);
    }
}
