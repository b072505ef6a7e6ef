# keepalived on the masters, rendered by vipcheck from the cluster file, and
# a task run only on the master that holds the VIP.
#
# The config is rendered on the Puppet server at compile time (generate()),
# from the same cluster file the other tools read; it tracks HAProxy with
# `vipcheck track` and records VRRP states with `vipcheck notify`, which
# `vipcheck local` (the monitoring check) reads.
class profile::vip (
  String $cluster_file = '/etc/puppetlabs/code/environments/production/data/cluster.yaml',
  String $vipcheck     = '/usr/local/bin/vipcheck',
  String $ingressgen   = '/usr/local/bin/ingressgen',
  String $interface    = $facts['networking']['primary'],
  String $local_file   = '/etc/ocf/cluster.yaml',
) {
  package { 'keepalived':
    ensure => installed,
  }

  file { '/etc/keepalived/keepalived.conf':
    ensure  => file,
    mode    => '0400',
    content => generate($vipcheck, 'render', '--master', $trusted['certname'],
      '--interface', $interface, '--unicast', $cluster_file),
    require => Package['keepalived'],
    notify  => Service['keepalived'],
  }

  service { 'keepalived':
    ensure => running,
    enable => true,
  }

  # The Ingress objects are applied once per change, from whichever master
  # holds the VIP: `vipcheck holder` exits 0 only there.
  exec { 'apply ingress objects':
    command => "/bin/sh -c '${ingressgen} ingress ${local_file} | kubectl apply -f -'",
    onlyif  => "${vipcheck} holder --cluster ${local_file}",
    unless  => "/bin/sh -c '${ingressgen} ingress ${local_file} | kubectl diff -f - >/dev/null'",
    path    => ['/usr/bin', '/bin'],
  }
}
