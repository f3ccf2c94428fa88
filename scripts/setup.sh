#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs before Weft runs: Debian packages,
# npm dependencies, bpffs, then the build (bpf objects, addon, TypeScript).
# Idempotent and quick when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config cmake make g++ iproute2 bpftool util-linux procps curl openssl tcpdump)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "weft setup: missing Debian packages: ${missing[*]}; run as root (sudo) so they can be installed" >&2
    exit 1
  fi
  echo "weft setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
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
