#!/usr/bin/env bash
# The load tools the bench drives, from Debian's packages: wrk (closed-loop
# HTTP), iperf3 (bulk TCP), haproxy (the control path's proxy). Installed only
# when missing; their services are never started (the bench runs each tool
# itself, inside its own namespaces).
set -euo pipefail

packages=(wrk iperf3 haproxy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "weft bench: missing Debian packages: ${missing[*]}; run as root so they can be installed" >&2
  exit 1
fi
echo "weft bench: installing ${missing[*]}"
# haproxy's package enables a service; an init must not start it while it is installed.
own_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  own_policy=/usr/sbin/policy-rc.d
  trap 'rm -f "$own_policy"' EXIT
  printf '#!/bin/sh\n# written by weft bench/install-tools.sh for the length of its apt-get install\nexit 101\n' >"$own_policy"
  chmod 755 "$own_policy"
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
