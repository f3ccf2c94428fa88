#!/usr/bin/env bash
# install-debian-packages.sh <who> <package>...: installs the packages that are not installed
# yet, as root, saying <who> asked. Weft needs these packages' programs, never their services:
# no daemon is started by the install (prometheus or haproxy would otherwise be started by an
# init), through a policy-rc.d of our own for the length of the install; an operator's own
# policy-rc.d is left as it is.
set -euo pipefail
who=$1
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "$who: missing Debian packages: ${missing[*]}; run as root (sudo) so they can be installed" >&2
  exit 1
fi
echo "$who: installing ${missing[*]}"
own_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  own_policy=/usr/sbin/policy-rc.d
  trap 'rm -f "$own_policy"' EXIT
  printf '#!/bin/sh\n# written by weft scripts/install-debian-packages.sh for the length of its apt-get install\nexit 101\n' >"$own_policy"
  chmod 755 "$own_policy"
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
