# Renders HAProxy's config on every master from the cluster file, and
# reloads HAProxy only when something it reads changed.
#
# profile::kubetoolkit puts the cluster file in place first. `unless` runs
# `ingressgen haproxy --check`: it exits 0 while the config and its host
# lists are already what the file renders, so the exec (and the reload it
# notifies) runs only after a real change. `--out` writes every file through
# a temporary file and a rename, and leaves unchanged files untouched.
#
# The ingress manifests are applied from the same file on one master (see
# vipcheck.pp): ingressgen ingress /etc/ocf/cluster.yaml | kubectl apply -f -
class profile::ingress::haproxy (
  Pattern[/\A\//] $config = '/etc/haproxy/haproxy.cfg',
  Pattern[/\A\//] $bin    = '/usr/bin',
  # Debian's unit runs `haproxy -c` before it reloads, so a config HAProxy
  # refuses never replaces the running one.
  String          $reload = '/bin/systemctl reload haproxy',
) {
  include profile::kubetoolkit
  $cluster_file = $profile::kubetoolkit::cluster_file

  exec { 'ingressgen haproxy':
    command => "${bin}/ingressgen haproxy --out ${config} ${cluster_file}",
    unless  => "${bin}/ingressgen haproxy --check ${config} ${cluster_file}",
    require => Class['profile::kubetoolkit'],
    notify  => Exec['reload haproxy'],
  }

  exec { 'reload haproxy':
    command     => $reload,
    refreshonly => true,
  }
}
