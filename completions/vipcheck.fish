# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vipcheck_global_optspecs
    string join \n format= h/help V/version
end

function __fish_vipcheck_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vipcheck_global_optspecs) -- $cmd 2>/dev/null
    or begin
        # An option before the cursor still waits for its value.
        set -e cmd[-1]
        argparse -s (__fish_vipcheck_global_optspecs) -- $cmd 2>/dev/null
    end
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vipcheck_using_subcommand
    set -l cmd (__fish_vipcheck_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vipcheck -n "__fish_vipcheck_needs_command" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -s V -l version -d 'Print version'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "holder" -d 'Does this host hold the VIP, and on which interface? OK (0) if it does, WARNING (1) if not'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "local" -d 'This master\'s consistency: keepalived, its VRRP state, the VIP, HAProxy'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "track" -d 'keepalived\'s vrrp_script: exit 0 while HAProxy answers 200 on its monitor endpoint, 1 when not'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "workers" -d 'Which workers the local HAProxy has marked DOWN: OK all up, WARNING some down, CRITICAL all down'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "notify" -d 'keepalived\'s notify script: records TYPE NAME STATE PRIORITY'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "lint" -d 'What keepalived -t cannot catch, in one or all masters\' files'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "render" -d 'keepalived.conf for one master, from the cluster file'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "probe" -d 'Every service host through the VIP, then through each master directly: HTTPS status, time, certificate days left, who answered'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "watch" -d 'A steady stream of HTTPS requests through the VIP, for a maintenance window: what clients live through, reported at the end or on Ctrl-C'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "arp" -d 'From a host on the VIP\'s network: which MACs answer ARP for the VIP. None is CRITICAL (VIP down), more than one CRITICAL (split brain or an orphaned address)'
complete -c vipcheck -n "__fish_vipcheck_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand holder" -l vip -d 'The VIP\'s address (a prefix is ignored)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand holder" -l cluster -d 'Read the VIP from the cluster file\'s `vip.ipv4`' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand holder" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand holder" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -l vip -d 'The VIP\'s address (a prefix is ignored)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -l cluster -d 'Read the VIP from the cluster file\'s `vip.ipv4`' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -l url -d 'HAProxy\'s monitor endpoint' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -l state-file -d 'The state file vipcheck notify writes' -r -F
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -l keepalived-pid -d 'keepalived\'s pid file' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -l timeout -d 'Give up on HAProxy after this long (ms, or with s)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -l settle -d 'Confirm a verdict that is not OK by a second look this much later (0: judge at once): the VIP moves a moment before keepalived\'s notify script records the new state, so a check that lands in between would cry wolf' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand local" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand track" -l url -d 'HAProxy\'s monitor endpoint (ingressgen\'s config serves it)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand track" -l timeout -d 'Give up after this long, all of the check (ms, or with s)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand track" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand track" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand workers" -l url -d 'The monitor\'s list [default: --url of track with the path /workers]' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand workers" -l timeout -d 'Give up after this long, all of the check (ms, or with s)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand workers" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand workers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand notify" -l state-file -d 'Where to record the transition' -r -F
complete -c vipcheck -n "__fish_vipcheck_using_subcommand notify" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand notify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand lint" -l cluster -d 'Also compare the VRID and advert_int of the instances holding the file\'s VIP with the file\'s vip.vrid and vip.advert_int: what render would change (run it on a site\'s files before adopting)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand lint" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand lint" -l here -d 'Also compare each VIP\'s prefix with the subnet of its interface on this host (run on the master itself)'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l master -d 'The master to render for' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l interface -d 'The interface on the VIP\'s subnet' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l vrid -d 'The VRRP router id (default: the cluster file\'s vip.vrid, else the last byte of the IPv4 VIP)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l advert-int -d 'Seconds between VRRP adverts, instead of the cluster file\'s vip.advert_int (default 1): whole (1-255), or to the hundredth from 0.01 to 40.95, which is VRRPv3 (then written in global_defs: every master must run the same version). A master is taken for dead after 3 adverts missed, so shorter adverts move the VIP sooner' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l auth-pass-file -d 'A file holding the VRRP PASS secret (at most 8 characters)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l vipcheck -d 'The vipcheck binary keepalived runs' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l url -d 'The monitor URL the track script asks' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l interval -d 'Seconds between track runs (1-4294, keepalived\'s range)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l state-file -d 'The state file of the notify script' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l backup -d 'state BACKUP with nopreempt: a recovered master does not take the VIP back'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l drain -d 'Drain this master for maintenance: a priority 5 below the highest other master (its successor) and above the rest, so after a reload (SIGHUP) the successor alone takes the VIP, before this one gives it up: no moment when nobody holds it, none when two do. While the successor is down the VIP stays. Render without it to return'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -l unicast -d 'Unicast adverts to the other masters (for networks without multicast)'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l cluster -d 'The cluster file: the VIP, the masters and the service hosts (its ingress section)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l vip -d 'The VIP (instead of the cluster file\'s)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l master -d 'A master to probe directly (repeat; instead of the cluster file\'s)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l host -d 'A host to ask for (repeat; instead of the cluster file\'s services)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l port -d 'The HTTPS port [default: 443; with --api, the cluster file\'s api.port on the VIP and api.apiserver_port on each master, or 6443]' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l worker -d 'A worker to ask directly (repeat; instead of the cluster file\'s), on the router\'s NodePort and health path the cluster file gives' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l cert -d 'A client certificate (PEM) to present, with --key' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l key -d 'The client certificate\'s key (PEM)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l timeout -d 'The bound on the requests (ms, or with s): every one not answered by then timed out. It starts once the HTTPS clients are set up (a fraction of a second), so a slow host is not blamed on the servers' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l ca -d 'Also trust this CA certificate (PEM; repeat)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l warning -d 'WARNING when the certificate has fewer days left' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l critical -d 'CRITICAL when the certificate has fewer days left' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l parallel -d 'Requests in flight at once' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l api -d 'Probe the Kubernetes API instead: /readyz and /version through the VIP and on each master\'s API server (give the cluster CA with --ca)'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l no-workers -d 'Do not ask the cluster file\'s workers directly (the router\'s health path on its NodePort, plain HTTP), as probe does by default to name a worker outage as such: for a probe host that cannot reach the workers'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -l insecure -d 'Accept any certificate (days left are still reported)'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l cluster -d 'The cluster file: the VIP and the service hosts (its ingress section)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l vip -d 'The VIP (instead of the cluster file\'s)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l host -d 'A host to ask for (repeat; instead of the cluster file\'s services)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l ca -d 'The CA certificates the served certificate is verified with (PEM)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l kubeconfig -d 'The Kubernetes API instead, as this kubeconfig names it (its server, CA and client certificate): a pod list, as kubectl get pods' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l rate -d 'Requests a second (1-200)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l duration -d 'How long: seconds, minutes or hours (90s, 10m, 2h; at most 24h); Ctrl-C ends it sooner, with the report' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l out -d 'Also write report.txt, report.json, watch.svg and requests.jsonl (every request) to this directory' -r -F
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand arp" -l vip -d 'The VIP (IPv4)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand arp" -l iface -d 'The interface on the VIP\'s network' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand arp" -l window -d 'How long to listen for answers (ms, or with s)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand arp" -l mac -d 'A master\'s MAC, to name it in the report (repeat per master)' -r
complete -c vipcheck -n "__fish_vipcheck_using_subcommand arp" -l format -d 'Output format of the checks: the Nagios plugin text, json, or prometheus (node_exporter\'s textfile collector)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c vipcheck -n "__fish_vipcheck_using_subcommand arp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "holder" -d 'Does this host hold the VIP, and on which interface? OK (0) if it does, WARNING (1) if not'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "local" -d 'This master\'s consistency: keepalived, its VRRP state, the VIP, HAProxy'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "track" -d 'keepalived\'s vrrp_script: exit 0 while HAProxy answers 200 on its monitor endpoint, 1 when not'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "workers" -d 'Which workers the local HAProxy has marked DOWN: OK all up, WARNING some down, CRITICAL all down'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "notify" -d 'keepalived\'s notify script: records TYPE NAME STATE PRIORITY'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "lint" -d 'What keepalived -t cannot catch, in one or all masters\' files'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "render" -d 'keepalived.conf for one master, from the cluster file'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "probe" -d 'Every service host through the VIP, then through each master directly: HTTPS status, time, certificate days left, who answered'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "watch" -d 'A steady stream of HTTPS requests through the VIP, for a maintenance window: what clients live through, reported at the end or on Ctrl-C'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "arp" -d 'From a host on the VIP\'s network: which MACs answer ARP for the VIP. None is CRITICAL (VIP down), more than one CRITICAL (split brain or an orphaned address)'
complete -c vipcheck -n "__fish_vipcheck_using_subcommand help; and not __fish_seen_subcommand_from holder local track workers notify lint render probe watch arp help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
