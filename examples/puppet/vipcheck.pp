# keepalived on the masters, rendered by vipcheck from the cluster file, and
# a task run only on the master that holds the VIP.
#
# The config is rendered on the Puppet server at compile time (generate()),
# from the same cluster file the other tools read, for this master: its
# short host name (trusted.hostname, the certname's first label), so
# certnames may be short or fully qualified. It tracks HAProxy with
# `vipcheck track` and records VRRP states with `vipcheck notify`, which
# `vipcheck local` (the monitoring check) reads. A changed config reloads
# keepalived (SIGHUP through systemd): a restart would drop the VIP for a
# moment.
class profile::vip (
  Pattern[/\A\//] $bin                 = '/usr/bin',
  Pattern[/\A\//] $config              = '/etc/keepalived/keepalived.conf',
  String          $master              = $trusted['hostname'],
  String          $interface           = $facts['networking']['primary'],
  String          $kubectl             = '/usr/bin/kubectl',
  # keepalived's service: a reload on change, never a restart.
  Hash            $service             = {
    'ensure'  => 'running',
    'enable'  => true,
    'restart' => '/bin/systemctl reload keepalived',
  },
) {
  include profile::kubetoolkit
  # The node's copy, and the one file on the Puppet server it is made from,
  # read at compile time.
  $cluster_file = $profile::kubetoolkit::cluster_file
  $server_cluster_file = $profile::kubetoolkit::server_cluster_file

  package { 'keepalived':
    ensure => installed,
  }

  file { $config:
    ensure  => file,
    mode    => '0400',
    content => generate("${bin}/vipcheck", 'render', '--master', $master,
      '--interface', $interface, '--unicast', $server_cluster_file),
    require => Package['keepalived'],
    notify  => Service['keepalived'],
  }

  service { 'keepalived':
    *       => $service,
    require => Package['keepalived'],
  }

  # The Ingress objects are applied once per change, from whichever master
  # holds the VIP: `vipcheck holder` exits 0 only there. One `unless` does
  # both tests, holder first: Puppet runs an exec's `unless` before its
  # `onlyif`, so with the two apart every master would ask the API server
  # for a diff on every run.
  exec { 'apply ingress objects':
    command => "/bin/sh -c '${bin}/ingressgen ingress ${cluster_file} | ${kubectl} apply -f -'",
    unless  => "/bin/sh -c '! ${bin}/vipcheck holder --cluster ${cluster_file} >/dev/null || ${bin}/ingressgen ingress ${cluster_file} | ${kubectl} diff -f - >/dev/null'",
    require => Class['profile::kubetoolkit'],
  }
}
