# Runs kubetool once on the Puppet server to create the cluster's Hiera data,
# then leaves it alone: `creates` makes the exec a no-op while the cluster
# file exists, so Puppet never makes a second CA. A daily renewal reissues
# leaf certificates that expire within 30 days.
#
# The data lands in its own directory of the environment's hieradata, which
# hiera.yaml reads at two levels, node first so that each master's own etcd
# client certificate wins over the cluster-wide one:
#
#   hierarchy:
#     - name: "kubernetes masters"
#       path: "kubernetes/%{trusted.hostname}.yaml"
#     - name: "kubernetes cluster"
#       path: "kubernetes/Debian.yaml"
#
# The names in ETCD_INITIAL_CLUSTER are the masters' short host names
# (trusted.hostname: the first label of the certname, so certnames may be
# short or fully qualified). Adding a master later is
# `kubetool add-member NAME:IP --dir ...`, by hand or from another exec with
# `unless => "test -e .../NAME.yaml"`.
#
# With $eyaml_keys (the directory `eyaml createkeys` wrote, on this server),
# the private keys and the token are written encrypted with hiera-eyaml, and
# hiera.yaml reads the two levels with `lookup_key: eyaml_lookup_key` and the
# same keys. Re-runs keep every ciphertext, so Puppet still sees no change.
#
# The defaults are Debian 12's Puppet layout (/etc/puppet/code); the AIO
# packages use /etc/puppetlabs/code. No module beyond Puppet's own is needed.
class profile::kubernetes::pki (
  Pattern[/\A\//] $hieradata = '/etc/puppet/code/environments/production/data/kubernetes',
  Pattern[/\A\//] $env_dir   = '/etc/kubetool',
  Pattern[/\A\//] $bin       = '/usr/bin',
  # kubetool runs as the user Puppet Server reads Hiera as; it writes the
  # files 0600 in a 0700 directory, as they hold the CA keys.
  String          $user      = 'puppet',
  String          $group     = 'puppet',
  Optional[Pattern[/\A\//]] $eyaml_keys = undef,
) {
  include profile::kubetoolkit

  $eyaml = $eyaml_keys ? {
    undef   => '',
    default => " --eyaml-public-key ${eyaml_keys}/public_key.pkcs7.pem --eyaml-private-key ${eyaml_keys}/private_key.pkcs7.pem",
  }

  file { [$env_dir, $hieradata]:
    ensure => directory,
    owner  => $user,
    group  => $group,
    mode   => '0700',
  }

  file { "${env_dir}/env":
    ensure  => file,
    owner   => $user,
    group   => $group,
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
    command => "${bin}/kubetool --env-file ${env_dir}/env --dir ${hieradata}${eyaml}",
    creates => "${hieradata}/Debian.yaml",
    user    => $user,
    group   => $group,
    require => [File["${env_dir}/env"], File[$hieradata], Class['profile::kubetoolkit']],
  }

  # Leaf certificates last a year (kubeadm's default): renew those that
  # expire within 30 days. CAs and keys are kept; only changed files are
  # rewritten, so an unneeded run changes nothing.
  exec { 'kubetool renew':
    command => "${bin}/kubetool renew --expiring-within 30d --dir ${hieradata}${eyaml}",
    # certs check exits 0 only while everything is valid for 30 more days
    # (it reads the certificates, which are never encrypted).
    unless  => "${bin}/certs check --warning 30 --critical 7 ${hieradata}",
    user    => $user,
    group   => $group,
    require => Exec['kubetool'],
  }
}
