//! `lab`: bring the lab up, run drills, report, take it down.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Run one drill on the lab that is up.
    Drill {
        /// power-loss or haproxy-death.
        name: String,
    },
    /// Up, every drill, the report, down (also when a drill fails); exit 1
    /// when a drill fails.
    All {
        /// Where the report goes (report.txt, report.json, one SVG per drill).
        #[arg(long, default_value = "target/lab")]
        out: PathBuf,
    },
    /// The stand-in for ingress-nginx on a worker (run by the lab).
    #[command(hide = true)]
    Worker {
        #[arg(long)]
        name: String,
        #[arg(long)]
        port: u16,
        #[arg(long, value_delimiter = ',')]
        services: Vec<String>,
    },
    /// The client's request stream (run by the lab); JSON lines on stdout.
    #[command(hide = true)]
    Client {
        #[arg(long)]
        vip: std::net::IpAddr,
        #[arg(long, value_delimiter = ',')]
        hosts: Vec<String>,
        #[arg(long)]
        ca: String,
        #[arg(long)]
        rate: u32,
        #[arg(long)]
        seconds: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lab: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    match &cli.command {
        Command::Worker {
            name,
            port,
            services,
        } => {
            lab::worker::serve(name, *port, services).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Client {
            vip,
            hosts,
            ca,
            rate,
            seconds,
        } => {
            for r in lab::client::stream(*vip, hosts, ca, *rate, *seconds)? {
                println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Down => {
            lab::lab::down();
            Ok(ExitCode::SUCCESS)
        }
        Command::Up => {
            let l = lab::lab::Lab::load(&cli.cluster)?;
            lab::setup::up(&l)?;
            println!("the lab is up; lab drill NAME, lab down");
            Ok(ExitCode::SUCCESS)
        }
        Command::Drill { name } => {
            let l = lab::lab::Lab::load(&cli.cluster)?;
            let f = lab::drill::run(&l, name)?;
            print!("{}", lab::report::text(std::slice::from_ref(&f)));
            Ok(if f.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::All { out } => {
            let l = lab::lab::Lab::load(&cli.cluster)?;
            let result = all(&l, out);
            lab::lab::down();
            result
        }
    }
}

fn all(l: &lab::lab::Lab, out: &std::path::Path) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    lab::setup::up(l)?;
    let mut figures = Vec::new();
    for name in lab::drill::DRILLS {
        figures.push(lab::drill::run(l, name)?);
    }
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let text = lab::report::text(&figures);
    let write =
        |name: &str, body: &str| std::fs::write(out.join(name), body).map_err(|e| e.to_string());
    write("report.txt", &text)?;
    write(
        "report.json",
        &serde_json::to_string_pretty(&figures).map_err(|e| e.to_string())?,
    )?;
    for f in &figures {
        write(&format!("{}.svg", f.drill), &lab::report::svg(f))?;
    }
    print!("{text}");
    println!(
        "all drills in {:.0} s; report in {}",
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(if figures.iter().all(|f| f.passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
