# kubetool on the Puppet server: the cluster's PKI and Hiera data, made from
# the one cluster file (profile::kubetoolkit's $server_cluster_file) and kept
# in step with it. `unless => kubetool --check` runs kubetool only when the
# data is not what the file says: the first run, and a master added to the
# file (its certificates are signed by the existing CAs; nothing else
# changes). A CA is never made twice. A daily renewal reissues leaf
# certificates that expire within 30 days.
#
# The data lands in its own directory of the environment's hieradata, which
# kubetool makes (0700, parents included) on a fresh server. hiera.yaml reads
# it at two levels, node first so that each master's own etcd client
# certificate wins over the cluster-wide one:
#
#   hierarchy:
#     - name: "kubernetes masters"
#       path: "kubernetes/%{trusted.hostname}.yaml"
#     - name: "kubernetes cluster"
#       path: "kubernetes/Debian.yaml"
#
# The masters' names in the cluster file are their short host names
# (trusted.hostname: the first label of the certname, so certnames may be
# short or fully qualified). A master taken out of the file is kept, with a
# warning, until `kubetool --cluster FILE --prune --dir ...` is run by hand.
#
# With $eyaml_keys (the directory `eyaml createkeys` wrote, on this server),
# the private keys and the token are written encrypted with hiera-eyaml, and
# hiera.yaml reads the two levels with `lookup_key: eyaml_lookup_key` and the
# same keys. Re-runs keep every ciphertext, so Puppet still sees no change.
#
# With $hiera_config (the environment's hiera.yaml), a run fails while a
# level read before kubetool's files holds one of its keys with another
# value for some master (a common.yaml that hand-keeps etcd_initial_cluster
# or controller_address): `kubetool shadowed` names each key and file. Take
# them out of that level; the master would otherwise not get what kubetool
# wrote, such as a member added to the cluster file.
#
# The defaults are Debian 12's Puppet layout (/etc/puppet/code); the AIO
# packages use /etc/puppetlabs/code. No module beyond Puppet's own is needed.
class profile::kubernetes::pki (
  Pattern[/\A\//] $hieradata = '/etc/puppet/code/environments/production/data/kubernetes',
  Pattern[/\A\//] $bin       = '/usr/bin',
  # kubetool runs as the user Puppet Server reads Hiera as; it writes the
  # files 0600 in a 0700 directory, as they hold the CA keys.
  String          $user      = 'puppet',
  String          $group     = 'puppet',
  Optional[Pattern[/\A\//]] $eyaml_keys = undef,
  Optional[Pattern[/\A\//]] $hiera_config = undef,
) {
  include profile::kubetoolkit
  $cluster = $profile::kubetoolkit::server_cluster_file

  $eyaml = $eyaml_keys ? {
    undef   => '',
    default => " --eyaml-public-key ${eyaml_keys}/public_key.pkcs7.pem --eyaml-private-key ${eyaml_keys}/private_key.pkcs7.pem",
  }
  $kubetool = "${bin}/kubetool --cluster ${cluster} --dir ${hieradata}${eyaml}"

  exec { 'kubetool':
    command => $kubetool,
    unless  => "${kubetool} --check",
    user    => $user,
    group   => $group,
    require => Class['profile::kubetoolkit'],
  }

  # Leaf certificates last a year (kubeadm's default): renew those that
  # expire within 30 days. CAs and keys are kept; only changed files are
  # rewritten, so an unneeded run changes nothing. The cluster file tells a
  # change where the files are (its hiera_layout and hiera_host_domain),
  # and nothing else.
  exec { 'kubetool renew':
    command => "${bin}/kubetool renew --expiring-within 30d --cluster ${cluster} --dir ${hieradata}${eyaml}",
    # certs check exits 0 only while everything is valid for 30 more days
    # (it reads the certificates, which are never encrypted).
    unless  => "${bin}/certs check --warning 30 --critical 7 ${hieradata}",
    user    => $user,
    group   => $group,
    require => Exec['kubetool'],
  }

  if $hiera_config {
    $shadowed = "${bin}/kubetool shadowed --hiera-config ${hiera_config} --cluster ${cluster} --dir ${hieradata}"
    exec { 'kubetool data reaches every master':
      command   => $shadowed,
      unless    => $shadowed,
      logoutput => true,
      user      => $user,
      group     => $group,
      require   => Exec['kubetool'],
    }
  }
}
