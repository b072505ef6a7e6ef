# Renders HAProxy's config on every master from the cluster file, and
# reloads HAProxy only when something it reads changed.
#
# profile::kubetoolkit puts the cluster file in place first. `unless` runs
# `ingressgen haproxy --check`: it exits 0 while the config and its host
# lists are already what the file renders, so the exec (and the reload it
# notifies) runs only after a real change. `--out` writes every file through
# a temporary file and a rename, and leaves unchanged files untouched.
#
# Nor is anything rendered or reloaded while the TLS bundle lacks a host
# name the file serves over TLS (a service added before the certificate was
# reissued): `certs covers --state` names each one, the run fails on that
# exec, and HAProxy keeps serving what it served.
#
# The ingress manifests are applied from the same file on one master (see
# vipcheck.pp): ingressgen ingress /etc/ocf/cluster.yaml | kubectl apply -f -
class profile::ingress::haproxy (
  Pattern[/\A\//] $config = '/etc/haproxy/haproxy.cfg',
  Pattern[/\A\//] $bin    = '/usr/bin',
  # Debian's unit runs `haproxy -c` before it reloads, so a config HAProxy
  # refuses never replaces the running one.
  String          $reload = '/bin/systemctl reload haproxy',
  # The bundle HAProxy serves; by default the cluster file's ingress.tls_bundle.
  Optional[Pattern[/\A\//]] $tls_bundle = undef,
) {
  include profile::kubetoolkit
  $cluster_file = $profile::kubetoolkit::cluster_file
  $covers = $tls_bundle ? {
    undef   => "${bin}/certs covers --state --cluster ${cluster_file}",
    default => "${bin}/certs covers --state --cluster ${cluster_file} ${tls_bundle}",
  }

  exec { 'the TLS bundle covers every host':
    command   => $covers,
    unless    => $covers,
    logoutput => true,
    require   => Class['profile::kubetoolkit'],
  }

  exec { 'ingressgen haproxy':
    command => "${bin}/ingressgen haproxy --out ${config} ${cluster_file}",
    unless  => "${bin}/ingressgen haproxy --check ${config} ${cluster_file}",
    require => [Class['profile::kubetoolkit'], Exec['the TLS bundle covers every host']],
    notify  => Exec['reload haproxy'],
  }

  exec { 'reload haproxy':
    command     => $reload,
    refreshonly => true,
  }
}
