# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ingressgen_global_optspecs
    string join \n format= h/help V/version
end

function __fish_ingressgen_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ingressgen_global_optspecs) -- $cmd 2>/dev/null
    or begin
        # An option before the cursor still waits for its value.
        set -e cmd[-1]
        argparse -s (__fish_ingressgen_global_optspecs) -- $cmd 2>/dev/null
    end
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ingressgen_using_subcommand
    set -l cmd (__fish_ingressgen_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ingressgen -n "__fish_ingressgen_needs_command" -l format -d 'Output format of reports (routes, diff, and what --out and --check did)' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c ingressgen -n "__fish_ingressgen_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ingressgen -n "__fish_ingressgen_needs_command" -s V -l version -d 'Print version'
complete -c ingressgen -n "__fish_ingressgen_needs_command" -f -a "haproxy" -d 'HAProxy\'s configuration for the masters, and the host lists it reads'
complete -c ingressgen -n "__fish_ingressgen_needs_command" -f -a "ingress" -d 'One networking.k8s.io/v1 Ingress per service, or the Gateway and one HTTPRoute per service, as multi-document YAML'
complete -c ingressgen -n "__fish_ingressgen_needs_command" -f -a "expose" -d 'The router\'s NodePort Service (and ingress-nginx\'s ConfigMap), as YAML'
complete -c ingressgen -n "__fish_ingressgen_needs_command" -f -a "routes" -d 'Every host, where it goes, every backend server and setting'
complete -c ingressgen -n "__fish_ingressgen_needs_command" -f -a "diff" -d 'What changes between two cluster files: hosts added, removed or re-routed, servers and settings'
complete -c ingressgen -n "__fish_ingressgen_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand haproxy" -l out -d 'Write to FILE (atomically, mode 0644), only if its content changes' -r -F
complete -c ingressgen -n "__fish_ingressgen_using_subcommand haproxy" -l check -d 'Write nothing; exit 0 if FILE is already what would be rendered, 1 if it differs or is missing' -r -F
complete -c ingressgen -n "__fish_ingressgen_using_subcommand haproxy" -l map-dir -d 'The directory of the host lists (default: beside --out or --check FILE, else /etc/haproxy)' -r -F
complete -c ingressgen -n "__fish_ingressgen_using_subcommand haproxy" -l node -d 'Name this master in the X-Served-By header (default: the host name HAProxy sees, so one config serves every master)' -r
complete -c ingressgen -n "__fish_ingressgen_using_subcommand haproxy" -l format -d 'Output format of reports (routes, diff, and what --out and --check did)' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c ingressgen -n "__fish_ingressgen_using_subcommand haproxy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand ingress" -l out -d 'Write to FILE (atomically, mode 0644), only if its content changes' -r -F
complete -c ingressgen -n "__fish_ingressgen_using_subcommand ingress" -l check -d 'Write nothing; exit 0 if FILE is already what would be rendered, 1 if it differs or is missing' -r -F
complete -c ingressgen -n "__fish_ingressgen_using_subcommand ingress" -l controller -d 'Render for this router instead of the file\'s ingress.controller (to set up the other one side by side before switching HAProxy)' -r -f -a "ingress-nginx\t''
gateway-api\t''"
complete -c ingressgen -n "__fish_ingressgen_using_subcommand ingress" -l format -d 'Output format of reports (routes, diff, and what --out and --check did)' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c ingressgen -n "__fish_ingressgen_using_subcommand ingress" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand expose" -l out -d 'Write to FILE (atomically, mode 0644), only if its content changes' -r -F
complete -c ingressgen -n "__fish_ingressgen_using_subcommand expose" -l check -d 'Write nothing; exit 0 if FILE is already what would be rendered, 1 if it differs or is missing' -r -F
complete -c ingressgen -n "__fish_ingressgen_using_subcommand expose" -l controller -d 'Render for this router instead of the file\'s ingress.controller (to set up the other one side by side before switching HAProxy)' -r -f -a "ingress-nginx\t''
gateway-api\t''"
complete -c ingressgen -n "__fish_ingressgen_using_subcommand expose" -l format -d 'Output format of reports (routes, diff, and what --out and --check did)' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c ingressgen -n "__fish_ingressgen_using_subcommand expose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand routes" -l format -d 'Output format of reports (routes, diff, and what --out and --check did)' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c ingressgen -n "__fish_ingressgen_using_subcommand routes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand diff" -l format -d 'Output format of reports (routes, diff, and what --out and --check did)' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c ingressgen -n "__fish_ingressgen_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand help; and not __fish_seen_subcommand_from haproxy ingress expose routes diff help" -f -a "haproxy" -d 'HAProxy\'s configuration for the masters, and the host lists it reads'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand help; and not __fish_seen_subcommand_from haproxy ingress expose routes diff help" -f -a "ingress" -d 'One networking.k8s.io/v1 Ingress per service, or the Gateway and one HTTPRoute per service, as multi-document YAML'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand help; and not __fish_seen_subcommand_from haproxy ingress expose routes diff help" -f -a "expose" -d 'The router\'s NodePort Service (and ingress-nginx\'s ConfigMap), as YAML'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand help; and not __fish_seen_subcommand_from haproxy ingress expose routes diff help" -f -a "routes" -d 'Every host, where it goes, every backend server and setting'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand help; and not __fish_seen_subcommand_from haproxy ingress expose routes diff help" -f -a "diff" -d 'What changes between two cluster files: hosts added, removed or re-routed, servers and settings'
complete -c ingressgen -n "__fish_ingressgen_using_subcommand help; and not __fish_seen_subcommand_from haproxy ingress expose routes diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
