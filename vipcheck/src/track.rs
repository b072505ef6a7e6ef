//! `vipcheck track`: is the local HAProxy answering its monitor endpoint?
//! keepalived runs it every second or two, so it is plain blocking std I/O:
//! no runtime, no TLS, one connection with short timeouts.

use crate::report::Report;
use clikit::{Perf, State};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The monitor endpoint of ingressgen's HAProxy config.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8404/healthz";

/// `http://HOST:PORT/PATH` split up; only plain HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host (an IPv6 address without brackets).
    pub host: String,
    /// Where to connect.
    pub port: u16,
    /// The request path.
    pub path: String,
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "http://[{}]:{}{}", self.host, self.port, self.path)
        } else {
            write!(f, "http://{}:{}{}", self.host, self.port, self.path)
        }
    }
}

/// `track`'s verdict on what [`get`] found: OK on 200, WARNING otherwise.
/// keepalived counts any non-zero exit as a failure, so 0 or 1 it is.
pub fn assess(url: &Url, answer: Result<(u16, Duration), String>) -> Report {
    let (state, summary, perf) = match answer {
        Ok((200, t)) => (
            State::Ok,
            format!("{url} answers 200 in {} ms", t.as_millis()),
            vec![Perf::seconds("time", t.as_secs_f64())],
        ),
        Ok((status, t)) => (
            State::Warning,
            format!("{url} answers {status}"),
            vec![Perf::seconds("time", t.as_secs_f64())],
        ),
        Err(e) => (State::Warning, e, Vec::new()),
    };
    Report::new("track", state, summary, perf)
}

/// Parses a monitor URL.
pub fn parse_url(s: &str) -> Result<Url, String> {
    let rest = s
        .strip_prefix("http://")
        .ok_or_else(|| format!("{s:?}: only http:// URLs (the local monitor endpoint)"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let port_of = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("{s:?}: {p:?} is not a port"))
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("{s:?}: '[' without ']'"))?;
        match after.strip_prefix(':') {
            Some(p) => (h, port_of(p)?),
            None if after.is_empty() => (h, 80),
            None => return Err(format!("{s:?} is not a usable URL")),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, port_of(p)?),
            None => (authority, 80),
        }
    };
    if host.is_empty() || path.contains(char::is_whitespace) {
        return Err(format!("{s:?} is not a usable URL"));
    }
    Ok(Url {
        host: host.to_owned(),
        port,
        path: path.to_owned(),
    })
}

/// GETs `url`; the status and how long it took. `timeout` is a deadline
/// for the whole exchange: a server that drips its answer a byte at a time
/// is cut off when it passes, not given `timeout` per read.
pub fn get(url: &Url, timeout: Duration) -> Result<(u16, Duration), String> {
    exchange(url, timeout, STATUS_LINE).map(|(a, _)| (a.status, a.time))
}

/// The most of an answer [`fetch`] reads.
pub const MAX_ANSWER: usize = 64 * 1024;

/// Enough of an answer for its status line.
const STATUS_LINE: usize = 12;

/// An answer: its status, its body, and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body (lossy UTF-8).
    pub body: String,
    /// From the connect to the last byte.
    pub time: Duration,
}

/// GETs `url` and reads the whole answer (at most [`MAX_ANSWER`] bytes;
/// a longer one is an error), within `timeout` as [`get`] does.
pub fn fetch(url: &Url, timeout: Duration) -> Result<Answer, String> {
    exchange(url, timeout, MAX_ANSWER + 1).and_then(|(a, read)| {
        if read > MAX_ANSWER {
            Err(format!(
                "{url} answers more than {} KiB: not HAProxy's monitor",
                MAX_ANSWER / 1024
            ))
        } else {
            Ok(a)
        }
    })
}

/// One HTTP/1.0 exchange, reading until the server closes or `most`
/// bytes came; the answer, and how many bytes were read.
fn exchange(url: &Url, timeout: Duration, most: usize) -> Result<(Answer, usize), String> {
    let start = Instant::now();
    let deadline = start + timeout;
    let host = url.host.as_str();
    let addrs: Vec<SocketAddr> = (host, url.port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let addr = addrs
        .first()
        .ok_or_else(|| format!("no address for {host}"))?;
    let late = || format!("no answer from {addr} within {} ms", timeout.as_millis());
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    };
    let mut s = TcpStream::connect_timeout(addr, left().ok_or_else(late)?)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    s.set_write_timeout(left()).map_err(|_| late())?;
    let host_header = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    // One write: a server that answers after its first read sees it all.
    let request = format!(
        "GET {} HTTP/1.0\r\nHost: {host_header}\r\nUser-Agent: vipcheck\r\n\r\n",
        url.path
    );
    s.write_all(request.as_bytes())
        .map_err(|e| format!("cannot send to {addr}: {e}"))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    while raw.len() < most {
        // Each read gets only what is left of the deadline.
        s.set_read_timeout(Some(left().ok_or_else(late)?))
            .map_err(|_| late())?;
        match s.read(&mut buf[..(most - raw.len()).min(4096)]) {
            Ok(0) => break,
            Ok(k) => raw.extend_from_slice(&buf[..k]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(late());
            }
            Err(e) => return Err(format!("no answer from {addr}: {e}")),
        }
    }
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("{addr} did not answer HTTP"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    let answer = Answer {
        status,
        body,
        time: start.elapsed(),
    };
    Ok((answer, raw.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://127.0.0.1:8404/healthz").unwrap(),
            Url {
                host: "127.0.0.1".into(),
                port: 8404,
                path: "/healthz".into()
            }
        );
        assert_eq!(parse_url("http://[::1]:9000").unwrap().port, 9000);
        assert_eq!(parse_url("http://localhost/x").unwrap().port, 80);
        assert!(parse_url("https://x/").is_err());
        assert!(parse_url("http://h:99999/").is_err());
    }

    #[test]
    fn status_and_refusal_and_silence() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in l.incoming().flatten().take(1) {
                let mut s = s;
                let mut b = [0u8; 256];
                let _ = s.read(&mut b);
                let _ = s.write_all(b"HTTP/1.0 200 OK\r\n\r\nok");
            }
        });
        let u = parse_url(&format!("http://127.0.0.1:{port}/healthz")).unwrap();
        assert_eq!(get(&u, Duration::from_secs(2)).unwrap().0, 200);
        // Nothing listens any more: refused at once.
        let free = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let u = parse_url(&format!("http://127.0.0.1:{free}/")).unwrap();
        assert!(
            get(&u, Duration::from_secs(2))
                .unwrap_err()
                .contains("cannot connect")
        );
        // A listener that never answers: bounded by the timeout.
        let mute = TcpListener::bind("127.0.0.1:0").unwrap();
        let u = parse_url(&format!(
            "http://127.0.0.1:{}/",
            mute.local_addr().unwrap().port()
        ))
        .unwrap();
        let t = Instant::now();
        assert!(get(&u, Duration::from_millis(300)).is_err());
        assert!(t.elapsed() < Duration::from_millis(1000));
    }

    #[test]
    fn a_dripping_server_is_cut_off_at_the_deadline() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in l.incoming().flatten().take(1) {
                let mut s = s;
                let mut b = [0u8; 256];
                let _ = s.read(&mut b);
                // One byte every 150 ms: each read is quick, the whole slow.
                for byte in b"HTTP/1.0 200 OK\r\n\r\n" {
                    if s.write_all(&[*byte]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(150));
                }
            }
        });
        let u = parse_url(&format!("http://127.0.0.1:{port}/healthz")).unwrap();
        let t = Instant::now();
        let e = get(&u, Duration::from_millis(500)).unwrap_err();
        let took = t.elapsed();
        assert!(e.contains("within 500 ms"), "{e}");
        assert!(took < Duration::from_millis(1200), "took {took:?}");
    }
}
