#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs before Weft runs: Debian packages,
# npm dependencies, bpffs, then the build (bpf objects, addon, TypeScript).
# Idempotent and quick when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config cmake make g++ iproute2 bpftool util-linux procps curl openssl tcpdump
  prometheus) # prometheus + promtool: the end-to-end suite scrapes the agents with a real server
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The manifest checks (test/deploy) render deploy/ with `kubectl kustomize`, offline. Any kubectl
# will do; Debian's kubernetes-client (1.20) only when there is none, since it would replace it.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "weft setup: missing Debian packages: ${missing[*]}; run as root (sudo) so they can be installed" >&2
    exit 1
  fi
  echo "weft setup: installing ${missing[*]}"
  # Weft needs these packages' programs, never their services: no daemon is started by the
  # install (prometheus would otherwise listen on :9090 where an init can start it). An
  # operator's own policy-rc.d is left as it is.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    own_policy=/usr/sbin/policy-rc.d
    trap 'rm -f "$own_policy"' EXIT
    printf '#!/bin/sh\n# written by weft scripts/setup.sh for the length of its apt-get install\nexit 101\n' >"$own_policy"
    chmod 755 "$own_policy"
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$own_policy" ]; then rm -f "$own_policy"; trap - EXIT; fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "weft setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$(id -u)" -eq 0 ] && ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
  echo "weft setup: mounting bpffs at /sys/fs/bpf"
  mount -t bpf bpf /sys/fs/bpf
fi

exec bash scripts/build.sh
