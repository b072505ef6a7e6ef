//! The command line: parses and dispatches. An interrupted run (SIGINT,
//! SIGTERM, SIGHUP) takes the lab down before it exits.

use crate::drill::{self, DRILLS};
use crate::lab::{self, Lab};
use crate::report;
use clap::{Parser, Subcommand};
use clikit::Format;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The lab: the cluster in network namespaces, and failure drills.
#[derive(Debug, Parser)]
#[command(name = "lab")]
struct Cli {
    /// The lab cluster file.
    #[arg(long, global = true, default_value = "examples/lab/cluster.yaml")]
    cluster: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Bring the lab up (taking down what is left of an earlier one).
    Up,
    /// Stop everything the lab started and remove its namespaces.
    Down,
    /// Run one drill on the lab that is up, and add its figures to the report.
    Drill {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(DRILLS))]
        name: String,
        /// The report's directory.
        #[arg(long, default_value = "target/lab")]
        out: PathBuf,
    },
    /// Up, every drill (--runs times), a new report, down (also when a drill
    /// fails); exit 1 when a drill fails.
    All {
        /// The report's directory (report.txt, report.json, one SVG per drill).
        #[arg(long, default_value = "target/lab")]
        out: PathBuf,
        /// Run the whole drill set this many times; the report gives medians.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
        runs: u32,
    },
    /// Watch the VIP on the lab that is up, with no fault, and count its
    /// moves (false failovers; run it under load); JSON on stdout.
    Hold {
        /// How long to watch.
        #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        seconds: u64,
    },
    /// Print the report of the runs recorded (medians over runs), and
    /// redraw its files.
    Report {
        /// The report's directory.
        #[arg(long, default_value = "target/lab")]
        out: PathBuf,
        /// text (the table) or json (every drill's summary).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The stand-in for the routers in the cluster on a worker (run by the
    /// lab): ingress-nginx from its Ingress objects on its NodePort, and a
    /// Gateway API implementation from its Gateway and HTTPRoutes.
    #[command(hide = true)]
    Worker {
        #[arg(long)]
        name: String,
        /// ingress-nginx's Ingress objects (`ingressgen ingress`).
        #[arg(long, requires_all = ["port", "ingress_health_path"])]
        ingress: Option<PathBuf>,
        /// ingress-nginx's NodePort, which answers its health path too.
        #[arg(long)]
        port: Option<u16>,
        /// ingress-nginx's health path (`ingress.health_path`).
        #[arg(long)]
        ingress_health_path: Option<String>,
        /// The Gateway and its HTTPRoutes (`ingressgen ingress --controller
        /// gateway-api`).
        #[arg(long, requires_all = ["gateway_port", "health_port", "health_path"])]
        routes: Option<PathBuf>,
        /// The data plane's HTTP NodePort.
        #[arg(long)]
        gateway_port: Option<u16>,
        /// The data plane's readiness NodePort.
        #[arg(long)]
        health_port: Option<u16>,
        /// Its readiness path.
        #[arg(long)]
        health_path: Option<String>,
    },
    /// The stand-in for kube-apiserver on a master (run by the lab and the
    /// API tests).
    #[command(hide = true)]
    Apiserver {
        #[arg(long)]
        listen: std::net::SocketAddr,
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        client_ca: PathBuf,
        #[arg(long)]
        state: PathBuf,
        #[arg(long)]
        name: String,
    },
    /// The client's request stream (run by the lab); JSON lines on stdout.
    /// To the services through the VIP (--vip, --hosts, --ca), or to the
    /// API a kubeconfig names (--kubeconfig).
    #[command(hide = true)]
    Client {
        #[arg(long, required_unless_present = "kubeconfig")]
        vip: Option<std::net::IpAddr>,
        #[arg(long, value_delimiter = ',', required_unless_present = "kubeconfig")]
        hosts: Vec<String>,
        #[arg(long, required_unless_present = "kubeconfig")]
        ca: Option<String>,
        #[arg(long, conflicts_with_all = ["vip", "hosts", "ca"])]
        kubeconfig: Option<String>,
        #[arg(long)]
        rate: u32,
        #[arg(long)]
        seconds: u32,
    },
}

/// Parses, runs, and reports an error as `lab: error: ...` with exit 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lab: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The lab, or the reason it cannot be loaded, as printed.
fn load(cluster: &std::path::Path) -> Result<Lab, String> {
    Lab::load(cluster).map_err(|e| e.to_string())
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    match &cli.command {
        Command::Worker {
            name,
            ingress,
            port,
            ingress_health_path,
            routes,
            gateway_port,
            health_port,
            health_path,
        } => {
            use crate::worker::{Router, routes_of};
            use clusterfile::gateway::Controller;
            use ingressgen::objects::{gateway_routes, ingress_routes};
            let mut routers = Vec::new();
            if let (Some(file), Some(port), Some(path)) = (ingress, port, ingress_health_path) {
                routers.push(Router {
                    name: Controller::IngressNginx.word(),
                    routes: routes_of(file, ingress_routes)?,
                    port: *port,
                    health: (*port, path.clone()),
                });
            }
            if let (Some(file), Some(port), Some(health), Some(path)) =
                (routes, gateway_port, health_port, health_path)
            {
                routers.push(Router {
                    name: Controller::GatewayApi.word(),
                    routes: routes_of(file, gateway_routes)?,
                    port: *port,
                    health: (*health, path.clone()),
                });
            }
            crate::worker::serve(name, routers)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Apiserver {
            listen,
            cert,
            key,
            client_ca,
            state,
            name,
        } => {
            crate::apiserver::serve(&crate::apiserver::Options {
                listen: *listen,
                cert: cert.clone(),
                key: key.clone(),
                client_ca: client_ca.clone(),
                state: state.clone(),
                name: name.clone(),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Client {
            vip,
            hosts,
            ca,
            kubeconfig,
            rate,
            seconds,
        } => {
            use crate::client::{Target, api_config, services_config, stream};
            let (target, config) = match (kubeconfig, vip, ca) {
                (Some(k), _, _) => {
                    let (server, config) = api_config(k)?;
                    (Target::Api { server }, config)
                }
                (None, Some(vip), Some(ca)) => (
                    Target::Services {
                        vip: *vip,
                        hosts: hosts.clone(),
                    },
                    services_config(ca)?,
                ),
                _ => return Err("give --kubeconfig, or --vip, --hosts and --ca".into()),
            };
            for r in stream(&target, config, *rate, *seconds)? {
                println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Down => {
            lab::down();
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { out, format } => print_report(out, *format),
        Command::Up => {
            let l = load(&cli.cluster)?;
            take_down_when_interrupted()?;
            let started = Instant::now();
            crate::setup::up(&l)?;
            println!(
                "the lab is up after {:.1} s; lab drill NAME, lab report, lab down",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Drill { name, out } => {
            let l = load(&cli.cluster)?;
            lab::is_up(&l)?;
            let mut recorded = report::load(out)?;
            take_down_when_interrupted()?;
            let f = drill::run(&l, name)?;
            let passed = f.passed;
            recorded.push(f);
            print!("{}", report::write(out, &recorded)?);
            Ok(exit(passed))
        }
        Command::Hold { seconds } => {
            let l = load(&cli.cluster)?;
            lab::is_up(&l)?;
            let held = crate::hold::hold(&l, *seconds);
            println!(
                "{}",
                serde_json::to_string(&held).map_err(|e| e.to_string())?
            );
            Ok(exit(held.moves == 0))
        }
        Command::All { out, runs } => {
            let l = load(&cli.cluster)?;
            take_down_when_interrupted()?;
            let result = all(&l, out, *runs);
            lab::down();
            result
        }
    }
}

fn exit(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `lab report`: the table or the JSON summary of what `out` holds.
fn print_report(out: &Path, format: Format) -> Result<ExitCode, String> {
    let recorded = report::load(out)?;
    if recorded.is_empty() {
        return Err(format!(
            "{}: no report yet; run lab all, or lab up and lab drill NAME",
            out.join("report.json").display()
        ));
    }
    let text = report::write(out, &recorded)?;
    print!("{}", format.render(&report::summarize(&recorded), || text));
    Ok(ExitCode::SUCCESS)
}

/// Up, the drill set `runs` times, the report (new), and how long it took.
fn all(l: &Lab, out: &Path, runs: u32) -> Result<ExitCode, String> {
    let started = Instant::now();
    crate::setup::up(l)?;
    let up = started.elapsed();
    let mut figures = Vec::new();
    for _ in 0..runs {
        for name in DRILLS {
            match drill::run(l, name) {
                Ok(f) => figures.push(f),
                // Recorded as failed; the next drill gets a lab built anew.
                Err(e) => {
                    eprintln!("lab: {name}: {e}; bringing the lab up anew");
                    figures.push(drill::Figures::errored(name, e));
                    crate::setup::up(l)?;
                }
            }
            // What has run so far is kept, whatever happens next.
            report::write(out, &figures)?;
        }
    }
    print!("{}", report::write(out, &figures)?);
    println!(
        "the lab up in {:.1} s; {runs} run(s) of {} drills in {:.0} s; report in {}",
        up.as_secs_f64(),
        DRILLS.len(),
        (started.elapsed() - up).as_secs_f64(),
        out.display()
    );
    Ok(exit(figures.iter().all(|f| f.passed)))
}

/// From now on SIGINT, SIGTERM or SIGHUP stops whatever the lab is doing,
/// takes the lab down (no daemon or namespace is left) and exits 128 + the
/// signal. A SIGKILLed run cannot do this; `lab down` (or the next `lab up`)
/// does.
fn take_down_when_interrupted() -> Result<(), String> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let got = Arc::new(AtomicUsize::new(0));
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        signal_hook::flag::register_usize(sig, Arc::clone(&got), sig as usize)
            .map_err(|e| format!("cannot handle signal {sig}: {e}"))?;
    }
    std::thread::spawn(move || {
        loop {
            let sig = got.load(Ordering::SeqCst);
            if sig != 0 {
                eprintln!("lab: interrupted (signal {sig}): taking the lab down");
                lab::stop_everything();
                std::process::exit(128 + sig as i32);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    Ok(())
}
