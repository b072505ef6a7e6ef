# The kubetoolkit package and the cluster file, declared once for every
# profile that uses them (each does `include profile::kubetoolkit` and
# orders its execs after this class). Which host needs the package: the
# Puppet server (kubetool, certs; vipcheck renders keepalived.conf at
# compile time), every master (ingressgen, vipcheck, quorumcalc, certs) and
# the monitoring host (vipcheck probe and arp).
#
# The package comes from the site's apt repository (see the README's
# install section); `manage_package => false` leaves installing it to
# something else (the tests install the tools themselves).
#
# The cluster file (cluster.yaml(5)) that every tool reads is put at
# $cluster_file from $cluster_source (a puppet:/// URL or a path); with
# `cluster_source => false` it is not managed here (the Puppet server, which
# needs none).
class profile::kubetoolkit (
  String $ensure = 'installed',
  Boolean $manage_package = true,
  Variant[String[1], Boolean[false]] $cluster_source = 'puppet:///modules/profile/cluster.yaml',
  Pattern[/\A\//] $cluster_file = '/etc/ocf/cluster.yaml',
) {
  if $manage_package {
    package { 'kubetoolkit':
      ensure => $ensure,
    }
  }

  if $cluster_source {
    file { regsubst($cluster_file, '/[^/]+\z', ''):
      ensure => directory,
      mode   => '0755',
    }

    file { $cluster_file:
      ensure => file,
      mode   => '0644',
      source => $cluster_source,
    }
  }
}
