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
# One cluster file (cluster.yaml(5)), one source: it lives on the Puppet
# server at $server_cluster_file, and everything reads it from there:
# kubetool on the server (profile::kubernetes::pki), vipcheck render at
# compile time (profile::vip), and every node's copy at $cluster_file,
# which this class writes from it (file() reads it on the server while the
# catalog is compiled). Change the VIP or a master there, and only there:
# no second copy is left behind on the old values.
class profile::kubetoolkit (
  String $ensure = 'installed',
  Boolean $manage_package = true,
  Pattern[/\A\//] $server_cluster_file = '/etc/puppet/code/environments/production/cluster.yaml',
  # false on a host that needs no copy (the Puppet server reads its own).
  Boolean $place_cluster_file = true,
  Pattern[/\A\//] $cluster_file = '/etc/ocf/cluster.yaml',
) {
  if $manage_package {
    package { 'kubetoolkit':
      ensure => $ensure,
    }
  }

  if $place_cluster_file {
    file { regsubst($cluster_file, '/[^/]+\z', ''):
      ensure => directory,
      mode   => '0755',
    }

    file { $cluster_file:
      ensure  => file,
      mode    => '0644',
      content => file($server_cluster_file),
    }
  }
}
