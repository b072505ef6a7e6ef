# Renders HAProxy's config on every master from the services file, and
# reloads HAProxy only when something it reads changed.
#
# `unless` runs `ingressgen haproxy --check` first: it exits 0 while the
# config and its host lists are already what the services file renders, so
# the exec (and the reload it notifies) runs only after a real change.
# `--out` writes every file through a temporary file and a rename, and
# leaves unchanged files untouched.
#
# The services file is the cluster file (examples/ocf/cluster.yaml), put in
# place by a `file` resource or a checkout; the ingress manifests are applied
# from the same file on one master:
#   ingressgen ingress /etc/ocf/cluster.yaml | kubectl apply -f -
class profile::ingress::haproxy (
  String $services_file = '/etc/ocf/cluster.yaml',
  String $config        = '/etc/haproxy/haproxy.cfg',
  String $ingressgen    = '/usr/local/bin/ingressgen',
  # Debian's unit runs `haproxy -c` before it reloads, so a config HAProxy
  # refuses never replaces the running one.
  String $reload        = '/bin/systemctl reload haproxy',
) {
  exec { 'ingressgen haproxy':
    command => "${ingressgen} haproxy --out ${config} ${services_file}",
    unless  => "${ingressgen} haproxy --check ${config} ${services_file}",
    notify  => Exec['reload haproxy'],
  }

  exec { 'reload haproxy':
    command     => $reload,
    refreshonly => true,
  }
}
