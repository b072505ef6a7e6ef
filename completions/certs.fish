# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_certs_global_optspecs
    string join \n format= eyaml-private-key= h/help V/version
end

function __fish_certs_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_certs_global_optspecs) -- $cmd 2>/dev/null
    or begin
        # An option before the cursor still waits for its value.
        set -e cmd[-1]
        argparse -s (__fish_certs_global_optspecs) -- $cmd 2>/dev/null
    end
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_certs_using_subcommand
    set -l cmd (__fish_certs_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c certs -n "__fish_certs_needs_command" -l format -d 'Output format: text, json, or prometheus (check only, for node_exporter)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c certs -n "__fish_certs_needs_command" -l eyaml-private-key -d 'hiera-eyaml\'s private key (private_key.pkcs7.pem): inspect and check read the encrypted values of Hiera files with it; without it they are listed as encrypted' -r -F
complete -c certs -n "__fish_certs_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c certs -n "__fish_certs_needs_command" -s V -l version -d 'Print version'
complete -c certs -n "__fish_certs_needs_command" -f -a "inspect" -d 'Show what certificates, keys and requests hold'
complete -c certs -n "__fish_certs_needs_command" -f -a "check" -d 'Nagios check of expiry and sanity over files, trees and Hiera YAML'
complete -c certs -n "__fish_certs_needs_command" -f -a "covers" -d 'Whether HAProxy\'s TLS bundle covers every host the cluster file serves over TLS'
complete -c certs -n "__fish_certs_needs_command" -f -a "verify" -d 'Verify a certificate for a use: chain, validity, host, usage, key'
complete -c certs -n "__fish_certs_needs_command" -f -a "sign" -d 'Sign a public key or request: a short-lived client certificate, or with --server a TLS server certificate'
complete -c certs -n "__fish_certs_needs_command" -f -a "pin" -d 'Print the SHA-256 SPKI pin (kubeadm\'s discovery-token-ca-cert-hash)'
complete -c certs -n "__fish_certs_needs_command" -f -a "token" -d 'Print a new random bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})'
complete -c certs -n "__fish_certs_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c certs -n "__fish_certs_using_subcommand inspect" -l format -d 'Output format: text, json, or prometheus (check only, for node_exporter)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c certs -n "__fish_certs_using_subcommand inspect" -l eyaml-private-key -d 'hiera-eyaml\'s private key (private_key.pkcs7.pem): inspect and check read the encrypted values of Hiera files with it; without it they are listed as encrypted' -r -F
complete -c certs -n "__fish_certs_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c certs -n "__fish_certs_using_subcommand check" -s w -l warning -d 'WARNING when fewer than DAYS days are left' -r
complete -c certs -n "__fish_certs_using_subcommand check" -s c -l critical -d 'CRITICAL when fewer than DAYS days are left (at most --warning)' -r
complete -c certs -n "__fish_certs_using_subcommand check" -l format -d 'Output format: text, json, or prometheus (check only, for node_exporter)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c certs -n "__fish_certs_using_subcommand check" -l eyaml-private-key -d 'hiera-eyaml\'s private key (private_key.pkcs7.pem): inspect and check read the encrypted values of Hiera files with it; without it they are listed as encrypted' -r -F
complete -c certs -n "__fish_certs_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c certs -n "__fish_certs_using_subcommand covers" -l cluster -d 'The cluster file (its ingress section)' -r
complete -c certs -n "__fish_certs_using_subcommand covers" -s w -l warning -d 'WARNING when fewer than DAYS days are left' -r
complete -c certs -n "__fish_certs_using_subcommand covers" -s c -l critical -d 'CRITICAL when fewer than DAYS days are left (at most --warning)' -r
complete -c certs -n "__fish_certs_using_subcommand covers" -l format -d 'Output format: text, json, or prometheus (check only, for node_exporter)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c certs -n "__fish_certs_using_subcommand covers" -l eyaml-private-key -d 'hiera-eyaml\'s private key (private_key.pkcs7.pem): inspect and check read the encrypted values of Hiera files with it; without it they are listed as encrypted' -r -F
complete -c certs -n "__fish_certs_using_subcommand covers" -l state -d 'A state check for Puppet\'s unless/onlyif (0 covered, 1 not, 2 error) instead of a Nagios plugin'
complete -c certs -n "__fish_certs_using_subcommand covers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c certs -n "__fish_certs_using_subcommand verify" -l ca -d 'The trusted CA certificate(s), PEM or DER' -r
complete -c certs -n "__fish_certs_using_subcommand verify" -l host -d 'A DNS name or IP address the certificate must cover' -r
complete -c certs -n "__fish_certs_using_subcommand verify" -l usage -d 'The role the certificate must allow' -r -f -a "server\t'TLS server (serverAuth)'
client\t'TLS client (clientAuth)'
peer\t'Both, as etcd peers need'"
complete -c certs -n "__fish_certs_using_subcommand verify" -l key -d 'A private key that must belong to the certificate' -r
complete -c certs -n "__fish_certs_using_subcommand verify" -l format -d 'Output format: text, json, or prometheus (check only, for node_exporter)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c certs -n "__fish_certs_using_subcommand verify" -l eyaml-private-key -d 'hiera-eyaml\'s private key (private_key.pkcs7.pem): inspect and check read the encrypted values of Hiera files with it; without it they are listed as encrypted' -r -F
complete -c certs -n "__fish_certs_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c certs -n "__fish_certs_using_subcommand sign" -l dns -d 'A DNS name the server certificate covers (repeat; `*.` allowed)' -r
complete -c certs -n "__fish_certs_using_subcommand sign" -l ip -d 'An IP address the server certificate covers (repeat)' -r
complete -c certs -n "__fish_certs_using_subcommand sign" -l ca -d 'The CA certificate; it may also hold the CA key' -r
complete -c certs -n "__fish_certs_using_subcommand sign" -l ca-key -d 'The CA private key, if not in the --ca file' -r
complete -c certs -n "__fish_certs_using_subcommand sign" -l cn -d 'Common name: the Kubernetes user name' -r
complete -c certs -n "__fish_certs_using_subcommand sign" -l group -d 'An organization: a Kubernetes group (repeat for several)' -r
complete -c certs -n "__fish_certs_using_subcommand sign" -l lifetime -d 'How long the certificate is valid: N (minutes), Nm, Nh, Nd or Ny' -r
complete -c certs -n "__fish_certs_using_subcommand sign" -l format -d 'Output format: text, json, or prometheus (check only, for node_exporter)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c certs -n "__fish_certs_using_subcommand sign" -l eyaml-private-key -d 'hiera-eyaml\'s private key (private_key.pkcs7.pem): inspect and check read the encrypted values of Hiera files with it; without it they are listed as encrypted' -r -F
complete -c certs -n "__fish_certs_using_subcommand sign" -l server -d 'A TLS server certificate instead of a client one'
complete -c certs -n "__fish_certs_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c certs -n "__fish_certs_using_subcommand pin" -l format -d 'Output format: text, json, or prometheus (check only, for node_exporter)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c certs -n "__fish_certs_using_subcommand pin" -l eyaml-private-key -d 'hiera-eyaml\'s private key (private_key.pkcs7.pem): inspect and check read the encrypted values of Hiera files with it; without it they are listed as encrypted' -r -F
complete -c certs -n "__fish_certs_using_subcommand pin" -l bare -d 'Print the hex without the sha256: prefix (Hiera\'s discovery_token_hash)'
complete -c certs -n "__fish_certs_using_subcommand pin" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c certs -n "__fish_certs_using_subcommand token" -l format -d 'Output format: text, json, or prometheus (check only, for node_exporter)' -r -f -a "text\t'Aligned columns for people; the Nagios plugin output for a check'
json\t'One pretty-printed JSON document; field names and order are stable'
prometheus\t'Prometheus text for node_exporter\'s textfile collector (checks only)'"
complete -c certs -n "__fish_certs_using_subcommand token" -l eyaml-private-key -d 'hiera-eyaml\'s private key (private_key.pkcs7.pem): inspect and check read the encrypted values of Hiera files with it; without it they are listed as encrypted' -r -F
complete -c certs -n "__fish_certs_using_subcommand token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c certs -n "__fish_certs_using_subcommand help; and not __fish_seen_subcommand_from inspect check covers verify sign pin token help" -f -a "inspect" -d 'Show what certificates, keys and requests hold'
complete -c certs -n "__fish_certs_using_subcommand help; and not __fish_seen_subcommand_from inspect check covers verify sign pin token help" -f -a "check" -d 'Nagios check of expiry and sanity over files, trees and Hiera YAML'
complete -c certs -n "__fish_certs_using_subcommand help; and not __fish_seen_subcommand_from inspect check covers verify sign pin token help" -f -a "covers" -d 'Whether HAProxy\'s TLS bundle covers every host the cluster file serves over TLS'
complete -c certs -n "__fish_certs_using_subcommand help; and not __fish_seen_subcommand_from inspect check covers verify sign pin token help" -f -a "verify" -d 'Verify a certificate for a use: chain, validity, host, usage, key'
complete -c certs -n "__fish_certs_using_subcommand help; and not __fish_seen_subcommand_from inspect check covers verify sign pin token help" -f -a "sign" -d 'Sign a public key or request: a short-lived client certificate, or with --server a TLS server certificate'
complete -c certs -n "__fish_certs_using_subcommand help; and not __fish_seen_subcommand_from inspect check covers verify sign pin token help" -f -a "pin" -d 'Print the SHA-256 SPKI pin (kubeadm\'s discovery-token-ca-cert-hash)'
complete -c certs -n "__fish_certs_using_subcommand help; and not __fish_seen_subcommand_from inspect check covers verify sign pin token help" -f -a "token" -d 'Print a new random bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})'
complete -c certs -n "__fish_certs_using_subcommand help; and not __fish_seen_subcommand_from inspect check covers verify sign pin token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
