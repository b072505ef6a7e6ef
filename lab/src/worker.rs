//! A stand-in for ingress-nginx on a worker's NodePort. ingress-nginx
//! needs a Kubernetes cluster, which cannot run here; this small server
//! does what the lab needs of it: `/healthz` answers 200 (HAProxy's health
//! check), and any other request is routed by its Host header to the
//! service of that name, answering with the worker's and the service's
//! names so the client sees the whole path. An unknown host gets 404, as
//! ingress-nginx's default backend gives.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// Serves forever on `port` as worker `name`, routing the `services` hosts.
pub fn serve(name: &str, port: u16, services: &[String]) -> std::io::Result<()> {
    let listener = TcpListener::bind(("0.0.0.0", port))?;
    for stream in listener.incoming().flatten() {
        let (name, services) = (name.to_owned(), services.to_vec());
        std::thread::spawn(move || {
            let _ = answer(stream, &name, &services);
        });
    }
    Ok(())
}

fn answer(stream: TcpStream, name: &str, services: &[String]) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut host = String::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("host")
        {
            host = v
                .trim()
                .split(':')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
        }
    }
    let (status, body) = if path == "/healthz" {
        ("200 OK", "ok\n".to_owned())
    } else if services.contains(&host) {
        ("200 OK", format!("worker={name} service={host}\n"))
    } else {
        (
            "404 Not Found",
            format!("worker={name}: no service {host}\n"),
        )
    };
    let mut s = stream;
    write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
