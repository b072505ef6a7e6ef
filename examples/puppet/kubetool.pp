# Runs kubetool once on the Puppet server to create the cluster's Hiera data,
# then leaves it alone: `creates` makes the exec a no-op while the cluster
# file exists, so Puppet never makes a second CA.
#
# The data lands in its own directory of the environment's hieradata, which
# hiera.yaml reads at two levels, node first so that each master's own etcd
# client certificate wins over the cluster-wide one:
#
#   hierarchy:
#     - name: "kubernetes masters"
#       path: "kubernetes/%{trusted.certname}.yaml"
#     - name: "kubernetes cluster"
#       path: "kubernetes/Debian.yaml"
#
# The names in ETCD_INITIAL_CLUSTER must be the masters' certnames.
# Adding a master later is `kubetool add-member NAME:IP --dir ...`, by hand
# or from another exec with `unless => "test -e .../NAME.yaml"`.
class profile::kubernetes::pki (
  Stdlib::Absolutepath $hieradata = '/etc/puppetlabs/code/environments/production/data/kubernetes',
) {
  file { '/etc/kubetool':
    ensure => directory,
    mode   => '0700',
  }

  file { '/etc/kubetool/env':
    ensure  => file,
    mode    => '0600',
    content => @(ENV),
      OS=Debian
      VERSION=1.30.2
      CNI_PROVIDER=flannel
      CNI_PROVIDER_VERSION=0.25.6
      ETCD_INITIAL_CLUSTER=deadlock:192.0.2.75,autocrat:192.0.2.76,coup:192.0.2.77
      ETCD_IP=%{networking.ip}
      KUBE_API_ADVERTISE_ADDRESS=%{networking.ip}
      CONTROLLER_ADDRESS=192.0.2.100:6443
      PACKAGE_VERSION=1.30.2-1.1
      | ENV
  }

  exec { 'kubetool':
    command => "/usr/local/bin/kubetool --env-file /etc/kubetool/env --dir ${hieradata}",
    creates => "${hieradata}/Debian.yaml",
    require => File['/etc/kubetool/env'],
    # The Hiera files hold CA keys: kubetool writes them 0600 in a 0700
    # directory; Puppet Server must be able to read them.
    user    => 'puppet',
  }

  # Leaf certificates last a year (kubeadm's default): renew those that
  # expire within 30 days. CAs and keys are kept; only changed files are
  # rewritten, so an unneeded run changes nothing.
  exec { 'kubetool renew':
    command => "/usr/local/bin/kubetool renew --expiring-within 30d --dir ${hieradata}",
    # certs check exits 0 only while everything is valid for 30 more days.
    unless  => "/usr/local/bin/certs check --warning 30 --critical 7 ${hieradata}",
    require => Exec['kubetool'],
    user    => 'puppet',
  }
}
