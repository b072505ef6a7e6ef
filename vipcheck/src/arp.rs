//! `vipcheck arp`: who answers ARP for the VIP, seen from a host on the
//! same network. A raw packet socket (root or CAP_NET_RAW), no arping:
//! broadcast a few ARP requests over a short window and collect the MACs
//! that answer each one. None means the VIP is down; two answering the same
//! requests mean a split brain or an orphaned address. A VIP handed over
//! within the window (one master answers an early request, the next a later
//! one, the two perhaps overlapping for one request, or a late reply read
//! after the next request went out) is not a split brain: two holders that
//! answer request after request are. Other packets that claim the VIP
//! (gratuitous ARPs) are listed, not judged: the new holder announces
//! itself while the old one may still have answered a request.

use crate::report::Report;
use clikit::{Perf, State};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// What a probe heard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// For each request sent, in order, the MACs that answered it (with
    /// how many replies each).
    pub rounds: Vec<BTreeMap<Mac, usize>>,
    /// Other packets claiming the VIP (gratuitous ARPs, the holder's own
    /// requests), by MAC.
    pub announced: BTreeMap<Mac, usize>,
}

/// `arp`'s verdict on what was `seen` for `vip`, naming the masters' MACs
/// found in `names`: two hosts answering two requests (or the one there
/// was) CRITICAL (a split brain or an orphaned address), nobody answering
/// CRITICAL (the VIP is down), else OK: the host that answered last holds
/// it.
pub fn assess(vip: Ipv4Addr, iface: &str, seen: &Seen, names: &BTreeMap<Mac, String>) -> Report {
    let who = |m: &Mac| match names.get(m) {
        Some(n) => format!("{} ({n})", show_mac(m)),
        None => show_mac(m),
    };
    let most = seen.rounds.iter().map(BTreeMap::len).max().unwrap_or(0);
    let answered: Vec<&Mac> = seen.rounds.iter().flat_map(BTreeMap::keys).collect();
    let mixed: Vec<&BTreeMap<Mac, usize>> = seen.rounds.iter().filter(|r| r.len() > 1).collect();
    let split = !mixed.is_empty() && mixed.len() >= seen.rounds.len().min(2);
    let (state, summary) = if let (true, Some(r)) = (split, mixed.last()) {
        let list: Vec<String> = r.keys().map(who).collect();
        (
            State::Critical,
            format!(
                "{} hosts answer ARP for {vip}: {}: a split brain or an orphaned address",
                list.len(),
                list.join(", ")
            ),
        )
    } else if let Some(last) = answered.last() {
        let first = answered[0];
        let moved = if first == *last {
            String::new()
        } else {
            format!(" (handed over by {} during the check)", who(first))
        };
        (
            State::Ok,
            format!("{vip} is answered by {}{moved}", who(last)),
        )
    } else {
        (
            State::Critical,
            format!("nobody answers ARP for {vip} on {iface}: the VIP is down"),
        )
    };
    let mut details: Vec<String> = seen
        .rounds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let macs: Vec<String> = r.iter().map(|(m, n)| format!("{} x{n}", who(m))).collect();
            let macs = if macs.is_empty() {
                "nobody".to_owned()
            } else {
                macs.join(", ")
            };
            format!("request {}: answered by {macs}", i + 1)
        })
        .collect();
    details.extend(
        seen.announced
            .iter()
            .map(|(m, n)| format!("{}: {n} other packets claiming {vip}", who(m))),
    );
    Report::new(
        "arp",
        state,
        summary,
        vec![Perf::count("macs", most as f64)],
    )
    .details(details)
}

/// A MAC address.
pub type Mac = [u8; 6];

/// `aa:bb:cc:dd:ee:ff`.
pub fn show_mac(m: &Mac) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Parses `aa:bb:cc:dd:ee:ff` (or with `-`).
pub fn parse_mac(s: &str) -> Option<Mac> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut m = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        if p.len() != 2 {
            return None;
        }
        m[i] = u8::from_str_radix(p, 16).ok()?;
    }
    Some(m)
}

/// A broadcast ARP request for `target` from `mac`/`ip`.
pub fn request(mac: Mac, ip: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
    let mut f = Vec::with_capacity(42);
    f.extend_from_slice(&[0xff; 6]); // to everyone
    f.extend_from_slice(&mac);
    f.extend_from_slice(&[0x08, 0x06]); // ARP
    f.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1]); // Ethernet, IPv4, request
    f.extend_from_slice(&mac);
    f.extend_from_slice(&ip.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&target.octets());
    f
}

/// The sender MAC of an ARP packet (request or reply) whose sender address
/// is `vip`, unless it is our own.
pub fn claim(frame: &[u8], vip: Ipv4Addr, own: Mac) -> Option<Mac> {
    if frame.len() < 42
        || frame[12..14] != [0x08, 0x06]
        || frame[14..20] != [0, 1, 0x08, 0x00, 6, 4]
    {
        return None;
    }
    let sha: Mac = frame[22..28].try_into().ok()?;
    let spa = Ipv4Addr::new(frame[28], frame[29], frame[30], frame[31]);
    (spa == vip && sha != own).then_some(sha)
}

/// Whether a claiming frame is a reply to our request: an ARP reply whose
/// target is `own`.
pub fn answers(frame: &[u8], own: Mac) -> bool {
    frame.len() >= 42 && frame[20..22] == [0, 2] && frame[32..38] == own
}

/// `IFF_NOARP` in an interface's flags.
const IFF_NOARP: u32 = 0x80;

/// Whether ARP can be asked and heard on an interface: not on loopback, a
/// NOARP link (a tunnel, WireGuard) or one that is down. Silence there says
/// nothing about the VIP.
pub fn carries_arp(iface: &str, loopback: bool, flags: u32, up: bool) -> Result<(), String> {
    let why = if loopback {
        "is a loopback interface"
    } else if flags & IFF_NOARP != 0 {
        "does not use ARP (NOARP)"
    } else if !up {
        "is down"
    } else {
        return Ok(());
    };
    Err(format!(
        "--iface {iface} {why}: it cannot carry ARP; give the interface on the VIP's network"
    ))
}

/// ARPs for `vip` on `iface` for `window` (three requests, evenly spread):
/// who answered each, and who else claimed it.
pub fn probe(iface: &str, vip: Ipv4Addr, window: Duration) -> Result<Seen, String> {
    let all = pnet_datalink::interfaces();
    let Some(i) = all.iter().find(|i| i.name == iface) else {
        let names: Vec<&str> = all.iter().map(|i| i.name.as_str()).collect();
        return Err(format!(
            "--iface {iface}: no such interface here ({})",
            names.join(", ")
        ));
    };
    carries_arp(iface, i.is_loopback(), i.flags, i.is_up())?;
    let own = i
        .mac
        .map(|m| m.octets())
        .filter(|m| *m != [0; 6])
        .ok_or_else(|| format!("--iface {iface} has no MAC address: it cannot carry ARP"))?;
    let ip = i
        .ips
        .iter()
        .find_map(|n| match n.ip() {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        })
        .unwrap_or(Ipv4Addr::UNSPECIFIED);
    let config = pnet_datalink::Config {
        read_timeout: Some(Duration::from_millis(20)),
        ..pnet_datalink::Config::default()
    };
    let (mut tx, mut rx) = match pnet_datalink::channel(i, config) {
        Ok(pnet_datalink::Channel::Ethernet(tx, rx)) => (tx, rx),
        Ok(_) => return Err(format!("{iface} is not an Ethernet interface")),
        Err(e) => {
            return Err(format!(
                "cannot open a packet socket on {iface}: {e} (needs root or CAP_NET_RAW)"
            ));
        }
    };
    let frame = request(own, ip, vip);
    let start = Instant::now();
    let sends = 3u32;
    let mut sent = 0u32;
    let mut seen = Seen::default();
    while start.elapsed() < window {
        if sent < sends && start.elapsed() >= window * sent / sends {
            if let Some(Err(e)) = tx.send_to(&frame, None) {
                return Err(format!("cannot send on {iface}: {e}"));
            }
            sent += 1;
            seen.rounds.push(BTreeMap::new());
        }
        match rx.next() {
            Ok(f) => {
                if let Some(mac) = claim(f, vip, own) {
                    // A reply belongs to the latest request sent.
                    let slot = match seen.rounds.last_mut() {
                        Some(r) if answers(f, own) => r,
                        _ => &mut seen.announced,
                    };
                    *slot.entry(mac).or_insert(0) += 1;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(format!("cannot read from {iface}: {e}")),
        }
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_claims() {
        let me = [2, 0, 0, 0, 0, 1];
        let vip = Ipv4Addr::new(10, 213, 0, 100);
        let r = request(me, Ipv4Addr::new(10, 213, 0, 10), vip);
        assert_eq!(r.len(), 42);
        assert_eq!(&r[38..42], &[10, 213, 0, 100]);
        // Our own request claims nothing; a reply from the holder does.
        assert_eq!(claim(&r, vip, me), None);
        let holder = [2, 0, 0, 0, 0, 0x75];
        let mut reply = request(holder, vip, Ipv4Addr::new(10, 213, 0, 10));
        reply[21] = 2;
        assert_eq!(claim(&reply, vip, me), Some(holder));
        // Someone else's request for the VIP is no claim.
        let other = request(holder, Ipv4Addr::new(10, 213, 0, 76), vip);
        assert_eq!(claim(&other, vip, me), None);
        assert_eq!(claim(&reply[..30], vip, me), None);
        // A reply to us answers; the holder's own request does not.
        reply[32..38].copy_from_slice(&me);
        assert!(answers(&reply, me));
        assert!(!answers(&other, me));
    }

    #[test]
    fn two_holders_at_once_are_a_split_brain_a_handover_is_not() {
        let (a, b) = ([2, 0, 0, 0, 0, 0x75], [2, 0, 0, 0, 0, 0x76]);
        let vip = Ipv4Addr::new(10, 213, 0, 100);
        let names = BTreeMap::from([(a, "deadlock".to_owned()), (b, "autocrat".to_owned())]);
        let round = |macs: &[Mac]| macs.iter().map(|m| (*m, 1)).collect::<BTreeMap<_, _>>();
        let judge = |rounds: Vec<BTreeMap<Mac, usize>>, announced: &[Mac]| {
            let seen = Seen {
                rounds,
                announced: round(announced),
            };
            let r = assess(vip, "eth0", &seen, &names);
            (r.state(), r.status.summary.clone())
        };
        let (st, said) = judge(vec![round(&[a]), round(&[a]), round(&[a])], &[]);
        assert_eq!(st, State::Ok, "{said}");
        // Both answer request after request: a split brain.
        let (st, said) = judge(vec![round(&[a, b]), round(&[a, b]), round(&[a])], &[]);
        assert_eq!(st, State::Critical, "{said}");
        assert!(said.contains("2 hosts answer ARP"), "{said}");
        // Both in one round only: the overlap of a handover, or a late
        // reply to the request before.
        let (st, said) = judge(vec![round(&[a]), round(&[a, b]), round(&[b])], &[]);
        assert_eq!(st, State::Ok, "{said}");
        // One request only (a short window): both answering it is enough.
        let (st, _) = judge(vec![round(&[a, b])], &[]);
        assert_eq!(st, State::Critical);
        // One, then the other: handed over; the new holder's gratuitous
        // ARPs beside the old holder's answer are no split.
        let (st, said) = judge(vec![round(&[a]), round(&[]), round(&[b])], &[b]);
        assert_eq!(st, State::Ok, "{said}");
        assert!(said.ends_with("answered by 02:00:00:00:00:76 (autocrat) (handed over by 02:00:00:00:00:75 (deadlock) during the check)"), "{said}");
        let (st, said) = judge(vec![round(&[]), round(&[]), round(&[])], &[]);
        assert_eq!(st, State::Critical, "{said}");
        assert!(said.contains("nobody answers"), "{said}");
    }

    #[test]
    fn macs() {
        let m = parse_mac("02:AB:00:00:00:75").unwrap();
        assert_eq!(show_mac(&m), "02:ab:00:00:00:75");
        assert_eq!(parse_mac("02-ab-00-00-00-75"), Some(m));
        assert_eq!(parse_mac("02:ab:00:00:75"), None);
        assert_eq!(parse_mac("02:ab:00:00:00:7g"), None);
    }

    #[test]
    fn only_an_arp_link_is_probed() {
        assert!(carries_arp("eth0", false, 0x1043, true).is_ok());
        let lo = carries_arp("lo", true, 0x49, true).unwrap_err();
        assert!(
            lo.contains("--iface lo is a loopback interface: it cannot carry ARP"),
            "{lo}"
        );
        assert!(
            carries_arp("wg0", false, 0x91, true)
                .unwrap_err()
                .contains("NOARP")
        );
        assert!(
            carries_arp("eth1", false, 0x1002, false)
                .unwrap_err()
                .contains("is down")
        );
    }
}
