# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubetool_global_optspecs
    string join \n V/tool-version dir= cluster= o/os= hiera-layout= hiera-host-domain= env-file= kubeadm= service-cidr= dns-domain= apiserver-cert-san= validity= ca-validity= stdout check format= eyaml-public-key= eyaml-private-key= v/version= r/container-runtime= c/cni-provider= p/cni-provider-version= prune i/etcd-initial-cluster= t/etcd-ip= a/api-address= d/install-dashboard b/key-size= ca-algo= sa-size= sa-algo= controller-address= package-version= new= etcd-ca-cert= etcd-ca-key= kubernetes-ca-cert= kubernetes-ca-key= front-proxy-ca-cert= front-proxy-ca-key= h/help
end

function __fish_kubetool_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubetool_global_optspecs) -- $cmd 2>/dev/null
    or begin
        # An option before the cursor still waits for its value.
        set -e cmd[-1]
        argparse -s (__fish_kubetool_global_optspecs) -- $cmd 2>/dev/null
    end
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubetool_using_subcommand
    set -l cmd (__fish_kubetool_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubetool -n "__fish_kubetool_needs_command" -l dir -d 'The directory of the Hiera files, read and written [default: .]' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l cluster -d 'Take the settings from a cluster file: its masters, VIP and kubernetes section (with a subcommand, only where the files are: os, hiera_layout, hiera_host_domain)' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -s o -l os -d 'OS: names the cluster-wide Hiera file (Debian.yaml) and decides the package version [default: Debian]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l hiera-layout -d 'HIERA_LAYOUT: flat (DIR/Debian.yaml, DIR/NAME.yaml) or split (DIR/os/Debian.yaml, DIR/hosts/NAME.yaml) [default: flat]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l hiera-host-domain -d 'HIERA_HOST_DOMAIN: name each master\'s file by its FQDN, NAME.DOMAIN.yaml [default: short names]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l env-file -d 'Read settings from FILE (NAME=value lines, the module\'s env file format)' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l kubeadm -d 'Also write each master\'s /etc/kubernetes tree, in DIR/NAME/' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l service-cidr -d 'The service network, whose first address the API server certificate carries' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l dns-domain -d 'The cluster DNS domain, for the API server certificate' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l apiserver-cert-san -d 'An extra name or address for the API server certificate (repeatable)' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l validity -d 'Validity of new leaf certificates: Nh, Nd or Ny' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l ca-validity -d 'Validity of new CAs' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l format -d 'Output format of the report' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c kubetool -n "__fish_kubetool_needs_command" -l eyaml-public-key -d 'Write the private keys and the token encrypted to this hiera-eyaml public key (public_key.pkcs7.pem)' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l eyaml-private-key -d 'Decrypt existing eyaml values with this private key (private_key.pkcs7.pem), for a run that must read them' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -s v -l version -d 'VERSION: the Kubernetes version, e.g. 1.30.2 [default: 1.25.4]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -s r -l container-runtime -d 'CONTAINER_RUNTIME: cri_containerd or docker [default: cri_containerd]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -s c -l cni-provider -d 'CNI_PROVIDER: weave, flannel, calico, calico-tigera or cilium (required)' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -s p -l cni-provider-version -d 'CNI_PROVIDER_VERSION: the CNI version (calico, calico-tigera and cilium need it)' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -s i -l etcd-initial-cluster -d 'ETCD_INITIAL_CLUSTER: the masters, NAME:IP,NAME:IP,... (required without --cluster)' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -s t -l etcd-ip -d 'ETCD_IP: the address etcd binds to, usually %{networking.ip} (required)' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -s a -l api-address -d 'KUBE_API_ADVERTISE_ADDRESS: usually %{networking.ip} (required)' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -s b -l key-size -d 'KEY_SIZE: bits of the CA and etcd keys: 256 or 384 (ecdsa), 2048, 3072 or 4096 (rsa)' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l ca-algo -d 'CA_ALGO: ecdsa or rsa, for the CA and etcd keys [default: ecdsa]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l sa-size -d 'SA_SIZE: bits of the service-account key [default: 2048]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l sa-algo -d 'SA_ALGO: rsa or ecdsa, for the service-account key [default: rsa]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l controller-address -d 'CONTROLLER_ADDRESS: the API endpoint HOST:PORT, e.g. a VIP [default: the first master, port 6443]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l package-version -d 'PACKAGE_VERSION: the kubeadm/kubelet package version [default: VERSION-00 on Debian, else VERSION]' -r
complete -c kubetool -n "__fish_kubetool_needs_command" -l new -d 'Make afresh what exists (repeatable): etcd-ca, kubernetes-ca, front-proxy-ca, sa-key, token, all' -r -f -a "etcd-ca\t'The etcd CA (every etcd certificate is reissued)'
kubernetes-ca\t'The Kubernetes CA (the discovery hash changes: every node must rejoin)'
front-proxy-ca\t'The front-proxy CA'
sa-key\t'The service-account signing key (every service-account token is invalidated)'
token\t'The bootstrap token (for workers joining after the old one expired)'
all\t'All of the above'"
complete -c kubetool -n "__fish_kubetool_needs_command" -l etcd-ca-cert -d 'Use this etcd CA certificate (with --etcd-ca-key) instead of making one' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l etcd-ca-key -d 'The etcd CA\'s private key' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l kubernetes-ca-cert -d 'Use this Kubernetes CA certificate (with --kubernetes-ca-key)' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l kubernetes-ca-key -d 'The Kubernetes CA\'s private key' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l front-proxy-ca-cert -d 'Use this front-proxy CA certificate (with --front-proxy-ca-key)' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -l front-proxy-ca-key -d 'The front-proxy CA\'s private key' -r -F
complete -c kubetool -n "__fish_kubetool_needs_command" -s V -l tool-version -d 'Print kubetool\'s own version (--version is the Kubernetes version, as in the original kubetool)'
complete -c kubetool -n "__fish_kubetool_needs_command" -l stdout -d 'Write the Hiera documents to stdout as one YAML stream instead of files'
complete -c kubetool -n "__fish_kubetool_needs_command" -l check -d 'Change nothing: exit 0 when every file is already what this run would write, 1 when it would change one (a state check for Puppet\'s unless)'
complete -c kubetool -n "__fish_kubetool_needs_command" -l prune -d 'With --cluster: remove the members the cluster file no longer lists'
complete -c kubetool -n "__fish_kubetool_needs_command" -s d -l install-dashboard -d 'INSTALL_DASHBOARD: install the Kubernetes dashboard'
complete -c kubetool -n "__fish_kubetool_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubetool -n "__fish_kubetool_needs_command" -f -a "add-member" -d 'Add a master: sign its etcd certificates with the existing etcd CA'
complete -c kubetool -n "__fish_kubetool_needs_command" -f -a "remove-member" -d 'Remove a master and its file'
complete -c kubetool -n "__fish_kubetool_needs_command" -f -a "renew" -d 'Reissue leaf certificates under the same CAs and keys'
complete -c kubetool -n "__fish_kubetool_needs_command" -f -a "shadowed" -d 'Which of kubetool\'s keys the site\'s Hiera hierarchy hides from a master'
complete -c kubetool -n "__fish_kubetool_needs_command" -f -a "version" -d 'Print kubetool\'s own version (as -V does)'
complete -c kubetool -n "__fish_kubetool_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l dir -d 'The directory of the Hiera files, read and written [default: .]' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l cluster -d 'Take the settings from a cluster file: its masters, VIP and kubernetes section (with a subcommand, only where the files are: os, hiera_layout, hiera_host_domain)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -s o -l os -d 'OS: names the cluster-wide Hiera file (Debian.yaml) and decides the package version [default: Debian]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l hiera-layout -d 'HIERA_LAYOUT: flat (DIR/Debian.yaml, DIR/NAME.yaml) or split (DIR/os/Debian.yaml, DIR/hosts/NAME.yaml) [default: flat]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l hiera-host-domain -d 'HIERA_HOST_DOMAIN: name each master\'s file by its FQDN, NAME.DOMAIN.yaml [default: short names]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l env-file -d 'Read settings from FILE (NAME=value lines, the module\'s env file format)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l kubeadm -d 'Also write each master\'s /etc/kubernetes tree, in DIR/NAME/' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l service-cidr -d 'The service network, whose first address the API server certificate carries' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l dns-domain -d 'The cluster DNS domain, for the API server certificate' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l apiserver-cert-san -d 'An extra name or address for the API server certificate (repeatable)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l validity -d 'Validity of new leaf certificates: Nh, Nd or Ny' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l ca-validity -d 'Validity of new CAs' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l format -d 'Output format of the report' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l eyaml-public-key -d 'Write the private keys and the token encrypted to this hiera-eyaml public key (public_key.pkcs7.pem)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l eyaml-private-key -d 'Decrypt existing eyaml values with this private key (private_key.pkcs7.pem), for a run that must read them' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l stdout -d 'Write the Hiera documents to stdout as one YAML stream instead of files'
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -l check -d 'Change nothing: exit 0 when every file is already what this run would write, 1 when it would change one (a state check for Puppet\'s unless)'
complete -c kubetool -n "__fish_kubetool_using_subcommand add-member" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l dir -d 'The directory of the Hiera files, read and written [default: .]' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l cluster -d 'Take the settings from a cluster file: its masters, VIP and kubernetes section (with a subcommand, only where the files are: os, hiera_layout, hiera_host_domain)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -s o -l os -d 'OS: names the cluster-wide Hiera file (Debian.yaml) and decides the package version [default: Debian]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l hiera-layout -d 'HIERA_LAYOUT: flat (DIR/Debian.yaml, DIR/NAME.yaml) or split (DIR/os/Debian.yaml, DIR/hosts/NAME.yaml) [default: flat]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l hiera-host-domain -d 'HIERA_HOST_DOMAIN: name each master\'s file by its FQDN, NAME.DOMAIN.yaml [default: short names]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l env-file -d 'Read settings from FILE (NAME=value lines, the module\'s env file format)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l kubeadm -d 'Also write each master\'s /etc/kubernetes tree, in DIR/NAME/' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l service-cidr -d 'The service network, whose first address the API server certificate carries' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l dns-domain -d 'The cluster DNS domain, for the API server certificate' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l apiserver-cert-san -d 'An extra name or address for the API server certificate (repeatable)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l validity -d 'Validity of new leaf certificates: Nh, Nd or Ny' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l ca-validity -d 'Validity of new CAs' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l format -d 'Output format of the report' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l eyaml-public-key -d 'Write the private keys and the token encrypted to this hiera-eyaml public key (public_key.pkcs7.pem)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l eyaml-private-key -d 'Decrypt existing eyaml values with this private key (private_key.pkcs7.pem), for a run that must read them' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l stdout -d 'Write the Hiera documents to stdout as one YAML stream instead of files'
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -l check -d 'Change nothing: exit 0 when every file is already what this run would write, 1 when it would change one (a state check for Puppet\'s unless)'
complete -c kubetool -n "__fish_kubetool_using_subcommand remove-member" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l expiring-within -d 'Only leaves that expire within DURATION (e.g. 30d)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l dir -d 'The directory of the Hiera files, read and written [default: .]' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l cluster -d 'Take the settings from a cluster file: its masters, VIP and kubernetes section (with a subcommand, only where the files are: os, hiera_layout, hiera_host_domain)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -s o -l os -d 'OS: names the cluster-wide Hiera file (Debian.yaml) and decides the package version [default: Debian]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l hiera-layout -d 'HIERA_LAYOUT: flat (DIR/Debian.yaml, DIR/NAME.yaml) or split (DIR/os/Debian.yaml, DIR/hosts/NAME.yaml) [default: flat]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l hiera-host-domain -d 'HIERA_HOST_DOMAIN: name each master\'s file by its FQDN, NAME.DOMAIN.yaml [default: short names]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l env-file -d 'Read settings from FILE (NAME=value lines, the module\'s env file format)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l kubeadm -d 'Also write each master\'s /etc/kubernetes tree, in DIR/NAME/' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l service-cidr -d 'The service network, whose first address the API server certificate carries' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l dns-domain -d 'The cluster DNS domain, for the API server certificate' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l apiserver-cert-san -d 'An extra name or address for the API server certificate (repeatable)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l validity -d 'Validity of new leaf certificates: Nh, Nd or Ny' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l ca-validity -d 'Validity of new CAs' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l format -d 'Output format of the report' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l eyaml-public-key -d 'Write the private keys and the token encrypted to this hiera-eyaml public key (public_key.pkcs7.pem)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l eyaml-private-key -d 'Decrypt existing eyaml values with this private key (private_key.pkcs7.pem), for a run that must read them' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l stdout -d 'Write the Hiera documents to stdout as one YAML stream instead of files'
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -l check -d 'Change nothing: exit 0 when every file is already what this run would write, 1 when it would change one (a state check for Puppet\'s unless)'
complete -c kubetool -n "__fish_kubetool_using_subcommand renew" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l hiera-config -d 'The site\'s hiera.yaml (version 5)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l fact -d 'A fact a level\'s path needs (repeatable), such as role=kubernetes' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l dir -d 'The directory of the Hiera files, read and written [default: .]' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l cluster -d 'Take the settings from a cluster file: its masters, VIP and kubernetes section (with a subcommand, only where the files are: os, hiera_layout, hiera_host_domain)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -s o -l os -d 'OS: names the cluster-wide Hiera file (Debian.yaml) and decides the package version [default: Debian]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l hiera-layout -d 'HIERA_LAYOUT: flat (DIR/Debian.yaml, DIR/NAME.yaml) or split (DIR/os/Debian.yaml, DIR/hosts/NAME.yaml) [default: flat]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l hiera-host-domain -d 'HIERA_HOST_DOMAIN: name each master\'s file by its FQDN, NAME.DOMAIN.yaml [default: short names]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l env-file -d 'Read settings from FILE (NAME=value lines, the module\'s env file format)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l kubeadm -d 'Also write each master\'s /etc/kubernetes tree, in DIR/NAME/' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l service-cidr -d 'The service network, whose first address the API server certificate carries' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l dns-domain -d 'The cluster DNS domain, for the API server certificate' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l apiserver-cert-san -d 'An extra name or address for the API server certificate (repeatable)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l validity -d 'Validity of new leaf certificates: Nh, Nd or Ny' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l ca-validity -d 'Validity of new CAs' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l format -d 'Output format of the report' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l eyaml-public-key -d 'Write the private keys and the token encrypted to this hiera-eyaml public key (public_key.pkcs7.pem)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l eyaml-private-key -d 'Decrypt existing eyaml values with this private key (private_key.pkcs7.pem), for a run that must read them' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l stdout -d 'Write the Hiera documents to stdout as one YAML stream instead of files'
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -l check -d 'Change nothing: exit 0 when every file is already what this run would write, 1 when it would change one (a state check for Puppet\'s unless)'
complete -c kubetool -n "__fish_kubetool_using_subcommand shadowed" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l dir -d 'The directory of the Hiera files, read and written [default: .]' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l cluster -d 'Take the settings from a cluster file: its masters, VIP and kubernetes section (with a subcommand, only where the files are: os, hiera_layout, hiera_host_domain)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -s o -l os -d 'OS: names the cluster-wide Hiera file (Debian.yaml) and decides the package version [default: Debian]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l hiera-layout -d 'HIERA_LAYOUT: flat (DIR/Debian.yaml, DIR/NAME.yaml) or split (DIR/os/Debian.yaml, DIR/hosts/NAME.yaml) [default: flat]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l hiera-host-domain -d 'HIERA_HOST_DOMAIN: name each master\'s file by its FQDN, NAME.DOMAIN.yaml [default: short names]' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l env-file -d 'Read settings from FILE (NAME=value lines, the module\'s env file format)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l kubeadm -d 'Also write each master\'s /etc/kubernetes tree, in DIR/NAME/' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l service-cidr -d 'The service network, whose first address the API server certificate carries' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l dns-domain -d 'The cluster DNS domain, for the API server certificate' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l apiserver-cert-san -d 'An extra name or address for the API server certificate (repeatable)' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l validity -d 'Validity of new leaf certificates: Nh, Nd or Ny' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l ca-validity -d 'Validity of new CAs' -r
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l format -d 'Output format of the report' -r -f -a "text\t'Aligned columns for people (and awk)'
json\t'One pretty-printed JSON document; field names and order are stable'"
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l eyaml-public-key -d 'Write the private keys and the token encrypted to this hiera-eyaml public key (public_key.pkcs7.pem)' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l eyaml-private-key -d 'Decrypt existing eyaml values with this private key (private_key.pkcs7.pem), for a run that must read them' -r -F
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l stdout -d 'Write the Hiera documents to stdout as one YAML stream instead of files'
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -l check -d 'Change nothing: exit 0 when every file is already what this run would write, 1 when it would change one (a state check for Puppet\'s unless)'
complete -c kubetool -n "__fish_kubetool_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubetool -n "__fish_kubetool_using_subcommand help; and not __fish_seen_subcommand_from add-member remove-member renew shadowed version help" -f -a "add-member" -d 'Add a master: sign its etcd certificates with the existing etcd CA'
complete -c kubetool -n "__fish_kubetool_using_subcommand help; and not __fish_seen_subcommand_from add-member remove-member renew shadowed version help" -f -a "remove-member" -d 'Remove a master and its file'
complete -c kubetool -n "__fish_kubetool_using_subcommand help; and not __fish_seen_subcommand_from add-member remove-member renew shadowed version help" -f -a "renew" -d 'Reissue leaf certificates under the same CAs and keys'
complete -c kubetool -n "__fish_kubetool_using_subcommand help; and not __fish_seen_subcommand_from add-member remove-member renew shadowed version help" -f -a "shadowed" -d 'Which of kubetool\'s keys the site\'s Hiera hierarchy hides from a master'
complete -c kubetool -n "__fish_kubetool_using_subcommand help; and not __fish_seen_subcommand_from add-member remove-member renew shadowed version help" -f -a "version" -d 'Print kubetool\'s own version (as -V does)'
complete -c kubetool -n "__fish_kubetool_using_subcommand help; and not __fish_seen_subcommand_from add-member remove-member renew shadowed version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
