#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs before Weft runs: Debian packages, the Node LTS,
# npm dependencies, bpffs, then the build (bpf objects, addon, TypeScript).
# Idempotent and quick when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config cmake make g++ iproute2 bpftool util-linux procps curl nghttp2-client openssl tcpdump
  prometheus) # prometheus + promtool: the end-to-end suite scrapes the agents with a real server
# The manifest checks (test/deploy) render deploy/ with `kubectl kustomize`, offline. Any kubectl
# will do; Debian's kubernetes-client (1.20) only when there is none, since it would replace it.
command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)
bash scripts/install-debian-packages.sh "weft setup" "${packages[@]}"
bash scripts/install-node.sh # Node 24 LTS into /usr/local when the machine's is older
hash -r

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "weft setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$(id -u)" -eq 0 ] && ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
  echo "weft setup: mounting bpffs at /sys/fs/bpf"
  mount -t bpf bpf /sys/fs/bpf
fi

exec bash scripts/build.sh
