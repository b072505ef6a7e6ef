# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_quorumcalc_global_optspecs
    string join \n format= h/help V/version
end

function __fish_quorumcalc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_quorumcalc_global_optspecs) -- $cmd 2>/dev/null
    or begin
        # An option before the cursor still waits for its value.
        set -e cmd[-1]
        argparse -s (__fish_quorumcalc_global_optspecs) -- $cmd 2>/dev/null
    end
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_quorumcalc_using_subcommand
    set -l cmd (__fish_quorumcalc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "table" -d 'Quorum and tolerated failures for each cluster size'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "check" -d 'Does quorum hold with these members down? (exit 0 yes, 1 no)'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "status" -d 'Live state of an etcd cluster from etcdctl JSON, as a Nagios check'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "snapshot" -d 'The newest etcd snapshot\'s age and soundness, as a Nagios check'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "backup" -d 'Take one etcd snapshot into a directory: verified, atomic, with a retention'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "plan" -d 'Quorum and tolerance at each step of a membership change'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "domains" -d 'Which failure domains (racks, rooms, power feeds) can fail without losing quorum'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "place" -d 'Spread N members over failure domains to survive the most domain failures'
complete -c quorumcalc -n "__fish_quorumcalc_needs_command" -f -a "availability" -d 'Probability that quorum holds when each member is up with probability P'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand table" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand table" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand table" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand check" -l voters -d 'Voting members: a count, or names separated by commas' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand check" -l cluster -d 'Read the voting members from the masters list of a cluster file' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand check" -l learners -d 'Learners (non-voting members): a count, or names' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand check" -l down -d 'Members that are down: a count of voters, or names (voters or learners)' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand check" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand check" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand status" -l etcdctl-errors -d 'etcdctl\'s stderr (run with --debug): when no input holds any JSON (no member answered), it says why: CRITICAL when every endpoint refuses, cannot be reached or times out, UNKNOWN when etcdctl could not talk to a member (TLS, certificates, keys)' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand status" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand status" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand snapshot" -l warning -d 'WARNING from this age: N with m, h, d (26h)' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand snapshot" -l critical -d 'CRITICAL from this age' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand snapshot" -l live -d 'etcdctl endpoint status -w json of the live cluster (- is stdin): compare the snapshot\'s revision with the cluster\'s' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand snapshot" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand snapshot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand snapshot" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -l dir -d 'Where the snapshots go' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -l endpoint -d 'The member to snapshot, one client URL (this master\'s); etcdctl\'s ETCDCTL_ENDPOINTS when not given' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -l keep -d 'Snapshots to keep, the new one included' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -l max-age -d 'Also remove snapshots older than this (never the newest)' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -l min-free -d 'Free space to leave on DIR\'s file system: bytes, or N with K, M, G' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -l etcdctl -d 'The etcdctl to run' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -l timeout -d 'Stop etcdctl snapshot save after this long' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand backup" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l voters -d 'Voting members: a count, or names separated by commas' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l cluster -d 'Read the voting members from the masters list of a cluster file' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l learners -d 'Learners (non-voting members): a count, or names' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l down -d 'Members that are down: a count of voters, or names (voters or learners)' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l snapshot -d 'Lost quorum: the snapshot to restore from, a file or a directory (its newest snapshot that verifies)' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l live -d 'Lost quorum: the survivors\' etcdctl endpoint status -w json (- is stdin), to count what a restore loses' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l data-dir -d 'Lost quorum: etcd\'s data directory on the members ({name} is each member\'s name)' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l pki-dir -d 'Lost quorum: the directory of the members\' etcd certificates (ca.crt, server.crt, peer.crt, client.crt and keys; {name} too)' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand plan" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand domains" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand domains" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand domains" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand place" -l members -d 'Voting members to place' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand place" -l domains -d 'The domains: a count, or names separated by commas' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand place" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand place" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand place" -s V -l version -d 'Print version'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand availability" -l up -d 'Probability that one member is up: 0.99 or 99%; comma-separate several' -r
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand availability" -l format -d 'Output format: text for people, json for programs (stable field names), prometheus for node_exporter (status only)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand availability" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quorumcalc -n "__fish_quorumcalc_using_subcommand availability" -s V -l version -d 'Print version'
