//! The cluster file as a whole: the bundled example, and every rule, each
//! at its level, with the path and line it is reported at.

use clusterfile::{ErrorKind, parse};
use std::net::{Ipv4Addr, Ipv6Addr};

const EXAMPLE: &str = include_str!("../../examples/ocf/cluster.yaml");

/// The example with the first `from` replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "the example has no {from:?}");
    EXAMPLE.replacen(from, to, 1)
}

/// The line of the example where `needle` first appears.
fn line_of(text: &str, needle: &str) -> usize {
    1 + text[..text.find(needle).expect(needle)]
        .matches('\n')
        .count()
}

#[test]
fn the_example_loads_with_every_section() {
    let f = clusterfile::load("../examples/ocf/cluster.yaml").unwrap();
    assert_eq!(f.cluster.as_deref(), Some("ocf"));
    let names: Vec<&str> = f.masters.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["deadlock", "autocrat", "coup"]);
    assert_eq!(f.masters[0].ipv4, Ipv4Addr::new(192, 0, 2, 75));
    assert_eq!(f.masters[0].line, line_of(EXAMPLE, "- name: deadlock"));
    assert_eq!(f.workers.len(), 2);
    let vip = f.vip("test").unwrap();
    assert_eq!(
        (vip.ipv4.addr, vip.ipv4.prefix),
        (Ipv4Addr::new(192, 0, 2, 100), 24)
    );
    let ing = f.ingress("test").unwrap();
    assert_eq!(ing.services.len(), 34);
    assert_eq!(ing.internal_services.len(), 4);
    assert_eq!(ing.node_port, 31234);
    let pma = ing.services.iter().find(|s| s.name == "pma").unwrap();
    assert_eq!(pma.aliases, ["phpmyadmin"]);
    assert_eq!(f.kubernetes.get("version").unwrap().value, "1.30.2");
    assert_eq!(
        f.kubernetes.get("install_dashboard").unwrap().value,
        "false"
    );
    assert_eq!(
        f.kubernetes.get("etcd_ip").unwrap().line,
        line_of(EXAMPLE, "  etcd_ip:")
    );
}

#[test]
fn every_level_refuses_an_unknown_field_with_its_path_and_line() {
    let cases = [
        (
            "cluster: ocf\n",
            "cluster: ocf\netcd: {client_port: 2379}\n",
            "etcd",
            "etcd:",
        ),
        (
            "    ipv4: 192.0.2.75\n",
            "    ipv4: 192.0.2.75\n    rack: a\n",
            "masters[0].rack",
            "rack:",
        ),
        (
            "  - name: riptide\n",
            "  - name: riptide\n    role: web\n",
            "workers[0].role",
            "role:",
        ),
        (
            "  name: lb\n",
            "  name: lb\n  vird: 7\n",
            "vip.vird",
            "vird:",
        ),
        (
            "  node_port: 31234\n",
            "  node_port: 31234\n  nodeport: 1\n",
            "ingress.nodeport",
            "nodeport:",
        ),
        (
            "      aliases: [phpmyadmin]\n",
            "      aliases: [phpmyadmin]\n      alias: [x]\n",
            "ingress.services[25].alias",
            "alias: [x]",
        ),
        (
            "  version: 1.30.2\n",
            "  version: 1.30.2\n  verison: 1\n",
            "kubernetes.verison",
            "verison:",
        ),
    ];
    for (from, to, field, at) in cases {
        let text = edit(from, to);
        let e = parse(&text).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownField, "{e}");
        assert_eq!(e.field, field, "{e}");
        assert_eq!(e.line, Some(line_of(&text, at)), "{e}");
        assert!(e.message.starts_with("unknown field; "), "{e}");
    }
}

#[test]
fn names_follow_one_grammar_everywhere() {
    let cases = [
        (
            "name: deadlock",
            "name: Deadlock",
            "masters[0].name",
            "write \"deadlock\"",
        ),
        ("name: riptide", "name: rip_tide", "workers[0].name", "'_'"),
        ("name: lb", "name: \"lb \"", "vip.name", "' '"),
        (
            "domain: ocf.berkeley.edu",
            "domain: ocf..edu",
            "ingress.domain",
            "empty label",
        ),
        (
            "    - api\n",
            "    - \"api#x\"\n",
            "ingress.services[0]",
            "'#'",
        ),
        (
            "cluster: ocf",
            "cluster: ocf.site",
            "cluster",
            "one DNS label",
        ),
    ];
    for (from, to, field, why) in cases {
        let e = parse(&edit(from, to)).unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (ErrorKind::InvalidValue, field),
            "{e}"
        );
        assert!(e.message.contains(why), "{e}");
    }
    // A fully qualified certname is a master's name too.
    let f = parse(&edit("name: deadlock", "name: deadlock.ocf.berkeley.edu")).unwrap();
    assert_eq!(f.masters[0].name, "deadlock.ocf.berkeley.edu");
}

#[test]
fn the_vip_is_an_address_and_a_prefix_in_each_family() {
    let f = parse(EXAMPLE).unwrap();
    let vip = f.vip("t").unwrap();
    assert_eq!(
        vip.ipv6.unwrap().addr,
        "2001:db8::100".parse::<Ipv6Addr>().unwrap()
    );
    assert_eq!(vip.ipv6.unwrap().prefix, 64);
    assert_eq!(vip.ipv4.to_string(), "192.0.2.100/24");
    let cases = [
        (
            "ipv4: 192.0.2.100/24",
            "ipv4: 192.0.2.100",
            "vip.ipv4",
            "no prefix length",
        ),
        (
            "ipv4: 192.0.2.100/24",
            "ipv4: 2001:db8::100/64",
            "vip.ipv4",
            "not an IPv4 address",
        ),
        (
            "ipv6: 2001:db8::100/64",
            "ipv6: 192.0.2.100/24",
            "vip.ipv6",
            "not an IPv6 address",
        ),
        (
            "ipv6: 2001:db8::100/64",
            "ipv6: 2001:db8::100/129",
            "vip.ipv6",
            "not a prefix length",
        ),
        (
            "ipv4: 192.0.2.100/24",
            "ipv4: 192.0.2.255/24",
            "vip.ipv4",
            "broadcast",
        ),
        (
            "ipv4: 192.0.2.100/24",
            "ipv4: 192.0.2.75/24",
            "vip",
            "also the address of deadlock",
        ),
    ];
    for (from, to, field, why) in cases {
        let e = parse(&edit(from, to)).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(e.message.contains(why), "{e}");
    }
    let v6only = parse(&edit("  ipv6: 2001:db8::100/64\n", "")).unwrap();
    assert_eq!(v6only.vip("t").unwrap().ipv6, None);
}

#[test]
fn the_advert_interval_is_seconds_that_keepalived_takes() {
    let given = "  advert_int: 0.1\n";
    let at = |v: &str| parse(&edit(given, &format!("  advert_int: {v}\n")));
    assert_eq!(
        at("0.1").unwrap().vip("t").unwrap().advert_int.millis(),
        100
    );
    // Without it, keepalived's 1 s: what a site that never set it runs.
    let absent = parse(&edit(given, "")).unwrap();
    assert_eq!(
        absent.vip("t").unwrap().advert_int,
        clusterfile::Advert::DEFAULT
    );
    assert_eq!(clusterfile::Advert::DEFAULT.millis(), 1000);
    // Written back as keepalived reads it, one text per value.
    for (v, cs, text, whole) in [
        ("1", 100, "1", true),
        ("1.0", 100, "1", true),
        ("0.5", 50, "0.5", false),
        ("0.05", 5, "0.05", false),
        ("2.25", 225, "2.25", false),
        ("40.95", 4095, "40.95", false),
        ("255", 25_500, "255", true),
    ] {
        let a = at(v).unwrap().vip("t").unwrap().advert_int;
        assert_eq!(
            (a.centiseconds(), a.to_string(), a.is_whole()),
            (cs, text.to_owned(), whole),
            "{v}"
        );
    }
    // Out of range for both versions, not a number, or quoted.
    for (v, why) in [
        ("0", "not an advert interval"),
        ("0.005", "not an advert interval"),
        ("41.5", "not an advert interval"),
        ("256", "not an advert interval"),
        ("-1", "not an advert interval"),
        ("1s", "not an advert interval"),
        ("\"0.1\"", "without quotes"),
        ("[1]", "without quotes"),
    ] {
        let text = edit(given, &format!("  advert_int: {v}\n"));
        let e = parse(&text).unwrap_err();
        assert_eq!(e.field, "vip.advert_int", "{v}: {e}");
        assert_eq!(e.line, Some(line_of(&text, "advert_int")), "{v}: {e}");
        assert!(e.message.contains(why), "{v}: {e}");
    }
}

#[test]
fn the_vrid_is_the_sites_or_the_vips_last_byte() {
    let given = "  advert_int: 0.1\n";
    let at = |v: &str| parse(&edit(given, &format!("{given}  vrid: {v}\n")));
    // A site adopting the toolkit keeps the VRID its keepalived runs.
    assert_eq!(at("51").unwrap().vip("t").unwrap().vrid, 51);
    for v in ["1", "255"] {
        assert_eq!(at(v).unwrap().vip("t").unwrap().vrid.to_string(), v);
    }
    // Without it, the IPv4 VIP's last byte (192.0.2.100): what render wrote
    // before the setting, so an upgrade changes no master's VRID.
    assert_eq!(parse(EXAMPLE).unwrap().vip("t").unwrap().vrid, 100);
    let zero = parse(&edit("ipv4: 192.0.2.100/24", "ipv4: 192.0.3.0/23")).unwrap();
    assert_eq!(zero.vip("t").unwrap().vrid, 1, "VRID 0 is no VRID");
    for v in ["0", "256", "-1", "51.5", "\"51\"", "[51]", "VI_1"] {
        let text = edit(given, &format!("{given}  vrid: {v}\n"));
        let e = parse(&text).unwrap_err();
        assert_eq!(e.field, "vip.vrid", "{v}: {e}");
        assert_eq!(e.line, Some(line_of(&text, "vrid:")), "{v}: {e}");
        assert!(e.message.contains("from 1 to 255"), "{v}: {e}");
        assert!(e.message.contains("cluster.yaml(5)"), "{v}: {e}");
    }
}

#[test]
fn trusted_proxies_are_networks_or_the_internal_port() {
    let given = "  trusted_proxies: [internal_port]\n";
    let at = |v: &str| parse(&edit(given, &format!("  trusted_proxies: {v}\n")));
    let t = parse(EXAMPLE)
        .unwrap()
        .ingress("t")
        .unwrap()
        .trusted_proxies
        .clone();
    assert!(t.internal_port && t.networks.is_empty());
    let t = at("[192.0.2.0/28, 2001:db8::10, internal_port]").unwrap();
    let t = &t.ingress("t").unwrap().trusted_proxies;
    let nets: Vec<String> = t.networks.iter().map(|n| n.to_string()).collect();
    assert_eq!(nets, ["192.0.2.0/28", "2001:db8::10/128"]);
    assert!(t.internal_port && t.any());
    let none = parse(&edit(given, "")).unwrap();
    assert!(!none.ingress("t").unwrap().trusted_proxies.any());
    for (v, why) in [
        ("[192.0.2.7/24]", "the network is 192.0.2.0/24"),
        ("[proxies.ocf.berkeley.edu]", "not an IPv4 or IPv6 address"),
        ("[internal-port]", "\"internal_port\" to trust every client"),
        ("[192.0.2.0/24, 192.0.2.0/24]", "listed twice"),
        ("[internal_port, internal_port]", "listed twice"),
        ("internal_port", "a list"),
    ] {
        let text = edit(given, &format!("  trusted_proxies: {v}\n"));
        let e = parse(&text).unwrap_err();
        assert!(e.field.starts_with("ingress.trusted_proxies"), "{v}: {e}");
        assert_eq!(e.line, Some(line_of(&text, "trusted_proxies:")), "{v}: {e}");
        assert!(e.message.contains(why), "{v}: {e}");
    }
    let many: Vec<String> = (0..65).map(|i| format!("10.0.{i}.0/24")).collect();
    let e = at(&format!("[{}]", many.join(", "))).unwrap_err();
    assert!(e.message.contains("at most 64"), "{e}");
}

/// The router in the cluster: ingress-nginx by default; gateway-api with
/// an implementation's documented defaults, or everything given for
/// another; bad values refused with their field and line.
#[test]
fn the_controller_and_the_gateway_are_checked() {
    let given = "  controller: ingress-nginx\n  gateway:\n    implementation: envoy-gateway\n";
    let with = |v: &str| edit(given, v);
    let f = parse(EXAMPLE).unwrap();
    let ing = f.ingress("t").unwrap();
    assert_eq!(ing.controller, clusterfile::Controller::IngressNginx);
    assert_eq!(
        (ing.backend().port, ing.backend().check_path),
        (31234, "/healthz")
    );
    let g = ing.gateway.as_ref().unwrap();
    assert_eq!(
        (g.class.as_str(), g.namespace.as_str()),
        ("eg", "envoy-gateway-system")
    );
    assert_eq!(
        (g.http_port, g.health_port, g.health_path.as_str()),
        (10080, 19003, "/ready")
    );
    let f = parse(&with(
        "  controller: gateway-api\n  gateway: {implementation: contour, name: web}\n",
    ))
    .unwrap();
    let ing = f.ingress("t").unwrap();
    let b = ing.backend();
    assert_eq!(
        (b.port, b.check_port, b.check_path),
        (31235, 31236, "/ready")
    );
    let g = ing.gateway.as_ref().unwrap();
    assert_eq!(g.selector, [("app".to_owned(), "envoy-web".to_owned())]);
    let other = "  gateway:\n    implementation: other\n    class: traefik\n    namespace: traefik\n    selector: {app.kubernetes.io/name: traefik, tier: \"1\"}\n    http_port: 8000\n    health_port: 8080\n    health_path: /ping\n";
    let f = parse(&with(other)).unwrap();
    let g = f.ingress("t").unwrap().gateway.clone().unwrap();
    assert_eq!(g.selector.len(), 2);
    assert_eq!(g.selector[1], ("tier".to_owned(), "1".to_owned()));
    for (v, field, why) in [
        (
            "  controller: traefik\n",
            "ingress.controller",
            "give one of ingress-nginx, gateway-api",
        ),
        (
            "  controller: gateway-api\n",
            "ingress.gateway",
            "needs the gateway section",
        ),
        (
            "  gateway: {implementation: nginx}\n",
            "ingress.gateway.implementation",
            "envoy-gateway, contour, other",
        ),
        (
            "  gateway: {implementation: contour, class: Contour}\n",
            "ingress.gateway.class",
            "upper-case",
        ),
        (
            "  gateway: {implementation: contour, selector: [app]}\n",
            "ingress.gateway.selector",
            "not a map of label strings",
        ),
        (
            "  gateway: {implementation: contour, selector: {app: [a]}}\n",
            "ingress.gateway.selector.app",
            "not a label string",
        ),
        (
            "  gateway: {implementation: contour, selector: {app: -x}}\n",
            "ingress.gateway.selector.app",
            "starts or ends",
        ),
        (
            "  gateway: {implementation: contour, selector: {\"a b\": x}}\n",
            "ingress.gateway.selector.a b",
            "has ' '",
        ),
        (
            "  gateway: {implementation: other, class: x}\n",
            "ingress.gateway.namespace",
            "give namespace",
        ),
        (
            "  gateway: {implementation: contour, node_port: 31234}\n",
            "ingress.gateway.node_port",
            "NodePorts of its own",
        ),
        (
            "  gateway: {implementation: contour, health_node_port: 31235}\n",
            "ingress.gateway.health_node_port",
            "NodePorts of its own",
        ),
        (
            "  gateway: {implementation: contour, http_port: 0}\n",
            "ingress.gateway.http_port",
            "1-65535",
        ),
        (
            "  gateway: {implementation: contour, rack: a}\n",
            "ingress.gateway.rack",
            "unknown field",
        ),
    ] {
        let text = with(v);
        let e = parse(&text).unwrap_err();
        assert_eq!(e.field, field, "{v}: {e}");
        assert!(e.message.contains(why), "{v}: {e}");
        let line = line_of(&text, v.lines().next().unwrap());
        assert_eq!(e.line, Some(line), "{v}: {e}");
    }
    // Gateway API refuses an IP address as a hostname: a host that reads
    // as one is refused in gateway mode (and only there).
    let ip = edit("    - api\n", "    - {name: \"10.0\", service: ten}\n")
        .replace("domain: ocf.berkeley.edu", "domain: \"0.2\"");
    let e = parse(&ip).unwrap_err();
    assert!(e.message.contains("\"10.0.0.2\" is an IP address"), "{e}");
    assert_eq!(e.field, "ingress.services[0]");
    assert!(parse(&ip.replace(given, "")).is_ok());
}

/// What the TLS certificate must cover: every service and alias under the
/// domain and each alternate domain, dev hosts, and a wildcard per routed
/// suffix; internal services (plain HTTP) are not among them.
#[test]
fn the_tls_hosts_are_every_name_served_over_tls() {
    let f = parse(EXAMPLE).unwrap();
    let ing = f.ingress("t").unwrap();
    let hosts = ing.tls_hosts();
    // 34 services and 2 aliases, under 2 domains, and 3 suffixes.
    assert_eq!(hosts.len(), 36 * 2 + 3, "{hosts:?}");
    for want in [
        "templates.ocf.berkeley.edu",
        "phpmyadmin.ocf.berkeley.edu",
        "sg.ocf.io",
        "slidingsync.matrix.ocf.io",
        "*.dev-kubernetes.ocf.berkeley.edu",
        "*.new.ocf.berkeley.edu",
    ] {
        assert!(hosts.iter().any(|h| h == want), "{want}: {hosts:?}");
    }
    assert!(
        !hosts.iter().any(|h| h.starts_with("www.")),
        "internal only"
    );
    let mut sorted = hosts.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, hosts);
    let dev = parse(&edit(
        "    - templates\n",
        "    - {name: templates, dev: true}\n",
    ))
    .unwrap();
    let dev = dev.ingress("t").unwrap().tls_hosts();
    assert!(dev.contains(&"templates.dev-kubernetes.ocf.berkeley.edu".to_owned()));
}

/// A quoted number or boolean is text to YAML: the message says so and
/// how to write it, not that "31234" is no port. A suggested fix passes.
#[test]
fn quoted_scalars_and_suggested_fixes_say_what_to_write() {
    for (from, to, field, want) in [
        (
            "  node_port: 31234\n",
            "  node_port: \"31234\"\n",
            "ingress.node_port",
            "write it without quotes, 31234",
        ),
        (
            "  install_dashboard: false\n",
            "  install_dashboard: \"false\"\n",
            "kubernetes.install_dashboard",
            "write it without quotes, false",
        ),
        (
            "  port: 6443\n",
            "  port: '6443'\n",
            "api.port",
            "write it without quotes, 6443",
        ),
    ] {
        let e = parse(&edit(from, to)).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(
            e.message.contains("is quoted, so YAML reads it as text"),
            "{e}"
        );
        assert!(e.message.contains(want), "{e}");
        // What it says to write is accepted.
        let fixed = to.replace(['"', '\''], "");
        assert!(parse(&edit(from, &fixed)).is_ok(), "{fixed}");
    }
    let e = parse(&edit("name: coup", "name: Coup_1")).unwrap_err();
    assert!(
        e.message.contains("in lower case: \"coup_1\" has '_'"),
        "{e}"
    );
    let e = parse(&edit("name: coup", "name: Coup-1")).unwrap_err();
    assert!(e.message.contains("so write \"coup-1\""), "{e}");
    assert!(parse(&edit("name: coup", "name: coup-1")).is_ok());
}

/// A VIP off the masters' network is refused by every tool reading the
/// file, naming the field and the masters; one on it, with any prefix
/// that holds a master, is not.
#[test]
fn the_vip_lies_on_the_masters_subnet() {
    for (from, to, field) in [
        (
            "ipv4: 192.0.2.100/24",
            "ipv4: 198.51.100.100/24",
            "vip.ipv4",
        ),
        ("ipv4: 192.0.2.100/24", "ipv4: 192.0.2.100/28", "vip.ipv4"),
        (
            "ipv6: 2001:db8::100/64",
            "ipv6: 2001:db9::100/64",
            "vip.ipv6",
        ),
    ] {
        let text = edit(from, to);
        let e = parse(&text).unwrap_err();
        assert_eq!(e.field, field, "{to}: {e}");
        assert_eq!(e.line, Some(line_of(&text, to)), "{e}");
        assert!(e.message.contains("is on no master's subnet"), "{e}");
        assert!(
            e.message.contains("192.0.2.75") || e.message.contains("2001:db8::75"),
            "{e}"
        );
    }
    // 192.0.2.100/25 holds 192.0.2.75-77: on the network.
    assert!(parse(&edit("ipv4: 192.0.2.100/24", "ipv4: 192.0.2.100/25")).is_ok());
}

/// A services list past the cap is refused by its count, before any
/// tool spends memory on it.
#[test]
fn the_services_list_is_capped() {
    let many = |n: usize| {
        let mut list = String::from("  services:\n");
        for i in 0..n {
            list.push_str(&format!("    - s{i}\n"));
        }
        list
    };
    let start = EXAMPLE.find("  services:\n").unwrap();
    let end = EXAMPLE[start..].find("  # Plain HTTP").unwrap() + start;
    let with = |n| format!("{}{}{}", &EXAMPLE[..start], many(n), &EXAMPLE[end..]);
    let e = parse(&with(250_001)).unwrap_err();
    assert_eq!(e.field, "ingress.services", "{e}");
    assert!(e.message.contains("250001 services; at most 250000"), "{e}");
    assert_eq!(
        parse(&with(1000))
            .unwrap()
            .ingress("t")
            .unwrap()
            .services
            .len(),
        1000
    );
}

#[test]
fn hosts_addresses_and_sections_are_checked_as_a_whole() {
    let cases: &[(&str, &str, ErrorKind, &str)] = &[
        (
            "ipv4: 192.0.2.76",
            "ipv4: 192.0.2.75",
            ErrorKind::Duplicate,
            "masters[1]",
        ),
        (
            "name: autocrat",
            "name: deadlock",
            ErrorKind::Duplicate,
            "masters[1].name",
        ),
        (
            "ipv4: 192.0.2.81",
            "ipv4: 192.0.2.75",
            ErrorKind::Duplicate,
            "workers[0]",
        ),
        (
            "ipv4: 192.0.2.75",
            "ipv4: 192.0.2.300",
            ErrorKind::InvalidValue,
            "masters[0].ipv4",
        ),
        (
            "ipv4: 192.0.2.75",
            "ipv4: 0.0.0.0",
            ErrorKind::InvalidValue,
            "masters[0].ipv4",
        ),
        (
            "ipv6: 2001:db8::75",
            "ipv6: 192.0.2.1",
            ErrorKind::InvalidValue,
            "masters[0].ipv6",
        ),
        (
            "node_port: 31234",
            "node_port: 80",
            ErrorKind::InvalidValue,
            "ingress.node_port",
        ),
        (
            "node_port: 31234",
            "node_port: \"31234\"",
            ErrorKind::InvalidValue,
            "ingress.node_port",
        ),
        (
            "    - api\n",
            "    - api\n    - api\n",
            ErrorKind::Duplicate,
            "ingress.services[1]",
        ),
        (
            "install_dashboard: false",
            "install_dashboard: maybe",
            ErrorKind::InvalidValue,
            "kubernetes.install_dashboard",
        ),
        (
            "cni_provider: flannel",
            "cni_provider: canal",
            ErrorKind::InvalidValue,
            "kubernetes.cni_provider",
        ),
        (
            "cni_provider: flannel\n  cni_provider_version: 0.25.6",
            "cni_provider: calico",
            ErrorKind::InvalidValue,
            "kubernetes.cni_provider_version",
        ),
        (
            "version: 1.30.2",
            "version: v1.30.2",
            ErrorKind::InvalidValue,
            "kubernetes.version",
        ),
        (
            "version: 1.30.2",
            "version: 1.30.2\n  key_size: 2048",
            ErrorKind::InvalidValue,
            "kubernetes.key_size",
        ),
        (
            "  - name: deadlock\n",
            "  - deadlock\n  - name: deadlock\n",
            ErrorKind::WrongType,
            "masters[0]",
        ),
    ];
    for (from, to, kind, field) in cases {
        let e = parse(&edit(from, to)).unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (*kind, *field),
            "{from} -> {to}: {e}"
        );
        assert!(e.line.is_some(), "{e}");
    }
    let no_workers = EXAMPLE.replace(
        "  - name: riptide\n    ipv4: 192.0.2.81\n  - name: bedbugs\n    ipv4: 192.0.2.82\n",
        "",
    );
    let e = parse(&no_workers.replace("workers:\n", "")).unwrap_err();
    assert_eq!(e.field, "workers", "{e}");
    let e = parse("cluster: ocf\n").unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_str()),
        (ErrorKind::MissingField, "masters")
    );
    let e = parse("masters: {}\n").unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_str()),
        (ErrorKind::WrongType, "masters")
    );
    assert_eq!(
        e.message,
        "expected a list ([a, b] or '- ' lines), found a mapping"
    );
    // Only masters are required.
    let f = parse("masters: [{name: a, ipv4: 10.0.0.1}]\n").unwrap();
    assert!(
        f.vip("render")
            .unwrap_err()
            .to_string()
            .contains("no `vip` section; render")
    );
}

#[test]
fn reading_is_bounded_and_names_the_file() {
    let e = clusterfile::load("/dev/zero").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Read, "{e}");
    assert!(
        e.to_string()
            .starts_with("/dev/zero: is a device, FIFO or socket, not a regular file"),
        "{e}"
    );
    let t = tempfile::tempdir().unwrap();
    let big = t.path().join("big.yaml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(clusterfile::MAX_BYTES + 1)
        .unwrap();
    let e = clusterfile::load(big.to_str().unwrap()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge, "{e}");
    assert!(e.to_string().contains("is larger than 32 MiB"), "{e}");
    let e = clusterfile::load("/nonexistent/cluster.yaml").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Read);
    let e = clusterfile::load("/").unwrap_err();
    assert!(e.to_string().contains("is a directory"), "{e}");
    let deep = format!("masters: {}{}\n", "[".repeat(40), "]".repeat(40));
    assert_eq!(parse(&deep).unwrap_err().kind, ErrorKind::TooLarge);
}

#[test]
fn host_lists_are_bounded_and_checked_in_linear_time() {
    let hosts = |n: usize| {
        let mut y = String::from("masters:\n");
        for i in 0..n {
            y.push_str(&format!(
                "  - {{name: m{i}, ipv4: 10.{}.{}.{}}}\n",
                i / 65536,
                (i / 256) % 256,
                i % 256
            ));
        }
        y
    };
    // The limit itself is accepted (a duplicate check that compared every
    // pair would take seconds here), one more is refused by name.
    let file = parse(&hosts(clusterfile::hosts::MAX_HOSTS)).unwrap();
    assert_eq!(file.masters.len(), 10_000);
    let e = parse(&hosts(10_001)).unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_str()),
        (ErrorKind::InvalidValue, "masters")
    );
    assert!(e.message.contains("10001 hosts; at most 10000"), "{e}");
    // Duplicates are still found, naming the first claimant.
    let dup = hosts(3) + "  - {name: m1, ipv4: 10.9.9.9}\n";
    let e = parse(&dup).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Duplicate);
    assert!(e.message.contains("already used by m1 (line 3)"), "{e}");
    let dup = hosts(3) + "  - {name: m9, ipv4: 10.0.0.2}\n";
    assert!(
        parse(&dup)
            .unwrap_err()
            .message
            .contains("10.0.0.2 is already used by m2")
    );
}

#[test]
fn the_api_section_is_one_endpoint_that_fits_beside_the_others() {
    let f = parse(EXAMPLE).unwrap();
    let api = f.api("test").unwrap();
    assert_eq!(
        (api.port, api.apiserver_port, api.apiserver_bind),
        (6443, 6443, clusterfile::api::Bind::Node)
    );
    assert_eq!(api.ca_file, "/etc/kubernetes/pki/ca.crt");
    assert_eq!(api.line, line_of(EXAMPLE, "  port: 6443"));
    let split = edit("  port: 6443\n", "  port: 8443\n")
        .replace("apiserver_bind: node", "apiserver_bind: all");
    let api = parse(&split).unwrap().api_section.unwrap();
    assert_eq!((api.port, api.apiserver_bind.word()), (8443, "all"));
    // Each mistake: (from, to, the field named, words of the message).
    let cases = [
        (
            "  apiserver_bind: node\n",
            "  apiserver_bind: all\n",
            "api.apiserver_bind",
            "would both bind port 6443",
        ),
        (
            "  apiserver_bind: node\n",
            "  apiserver_bind: vip\n",
            "api.apiserver_bind",
            "neither node nor all",
        ),
        (
            "  port: 6443\n",
            "  port: 70000\n",
            "api.port",
            "out of range",
        ),
        ("  port: 6443\n", "  port: 0\n", "api.port", "out of range"),
        (
            "  port: 6443\n",
            "  port: 443\n",
            "api.port",
            "443 is also ingress.haproxy.https_port",
        ),
        (
            "  apiserver_port: 6443\n",
            "  apiserver_port: 4080\n",
            "api.apiserver_port",
            "also ingress.haproxy.internal_port",
        ),
        (
            "  port: 6443\n",
            "  port: 8404\n",
            "api.port",
            "also ingress.haproxy.monitor",
        ),
        (
            "  port: 6443\n",
            "  port: 2379\n",
            "api.port",
            "etcd's client port",
        ),
        (
            "  ca_file: /etc/kubernetes/pki/ca.crt\n",
            "  ca_file: \"/etc/ca file\"\n",
            "api.ca_file",
            "' '",
        ),
        (
            "  ca_file: /etc/kubernetes/pki/ca.crt\n",
            "  ca_file: /etc/kubernetes/pki/ca.crt\n  check_inter: 1\n",
            "api.check_inter",
            "unknown field",
        ),
        (
            "  install_dashboard: false\n",
            "  install_dashboard: false\n  controller_address: 192.0.2.75:6443\n",
            "kubernetes.controller_address",
            "already makes the VIP the API endpoint",
        ),
    ];
    for (from, to, field, why) in cases {
        let text = edit(from, to);
        let e = parse(&text).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(e.message.contains(why), "{e}");
        assert!(e.line.is_some(), "{e}");
    }
    // Without the VIP there is nowhere to serve it: the api section's
    // line (a mapping's is its first field's).
    let vip_start = EXAMPLE.find("vip:\n").unwrap();
    let vip_end = vip_start + EXAMPLE[vip_start..].find("\n\n").unwrap();
    let text = format!("{}{}", &EXAMPLE[..vip_start], &EXAMPLE[vip_end..]);
    let e = parse(&text).unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_str(), e.line),
        (
            ErrorKind::MissingField,
            "vip",
            Some(line_of(&text, "  port: 6443"))
        )
    );
    assert!(e.message.contains("give the vip section"), "{e}");
}

/// The page states the bounds the code keeps (the bounds are stated once,
/// as constants; the page is checked against them).
#[test]
fn the_page_states_the_bounds_the_code_keeps() {
    let page = include_str!("../cluster.yaml.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let digits = clusterfile::MAX_VALUES.to_string();
    let mut grouped = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(d);
    }
    let said = format!(
        "at most {} MiB, {} levels deep and {grouped} values",
        clusterfile::MAX_BYTES / 1024 / 1024,
        clusterfile::MAX_DEPTH
    );
    assert!(page.contains(&said), "the page does not say {said:?}");
}
