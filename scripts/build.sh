#!/usr/bin/env bash
# Builds what changed: bpf objects (clang), the native addon (cmake-js), types from the
# protos (proto-loader-gen-types), TypeScript (tsc).
set -euo pipefail
cd "$(dirname "$0")/.."

newer_than() { # target, sources...: true when target is missing or older than a source
  local target=$1; shift
  [ -e "$target" ] || return 0
  [ -n "$(find "$@" -newer "$target" -print -quit 2>/dev/null)" ]
}

mkdir -p bpf/build
arch_include="/usr/include/$(uname -m)-linux-gnu"
for source in bpf/*.bpf.c; do
  object="bpf/build/$(basename "${source%.c}").o"
  if newer_than "$object" "$source" bpf/include; then
    echo "weft build: $object"
    clang -O2 -g -target bpf -Wall -Werror -I"$arch_include" -c "$source" -o "$object"
  fi
done

# The addon compiles against Node's headers (node_api.h). cmake-js takes them from npm's
# nodedir (npm_config_nodedir, or nodedir in .npmrc) and otherwise downloads them from
# nodejs.org for the running Node: a fresh machine, or one offline, would fail there. So it is
# told where this Node's own headers are: <prefix>/include/node, where the official tarballs
# and the node:*-slim images (prefix /usr/local) and Debian's nodejs/libnode-dev (/usr) put
# them, the prefix being that of process.execPath. Elsewhere (/usr, /usr/local) only headers of
# the same major version count. A nodedir already in the environment wins (the Dockerfile sets
# one; `npm run` exports .npmrc's); with no headers found, cmake-js is left to its own devices
# (npm's nodedir, or a download), and the build says so.
node_headers_prefix() {
  local major prefix candidate
  major=$(node -p 'process.versions.node.split(".")[0]')
  prefix=$(node -p 'require("node:path").dirname(require("node:path").dirname(process.execPath))')
  for candidate in "$prefix" /usr /usr/local; do
    local include="$candidate/include/node"
    [ -f "$include/node_api.h" ] && [ -f "$include/node.h" ] || continue
    if [ "$candidate" = "$prefix" ] || grep -Eq "^#define NODE_MAJOR_VERSION $major\b" "$include/node_version.h" 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

addon=native/build/Release/weft_native.node
if newer_than "$addon" native/src native/CMakeLists.txt; then
  echo "weft build: $addon"
  if [ -z "${npm_config_nodedir:-}" ]; then
    if headers=$(node_headers_prefix); then
      export npm_config_nodedir="$headers"
    else
      echo "weft build: no headers of this Node ($(node --version)) under its prefix, /usr or /usr/local;" \
        "cmake-js will use npm's nodedir or download them (install libnode-dev, or set npm_config_nodedir)" >&2
    fi
  fi
  npx --no-install cmake-js compile --directory native --out native/build --log-level error >/dev/null
fi

# Types for the agent <-> control-plane API. The protos themselves are loaded at run time
# (api/load-protos.ts); only the types are generated. File names are given relative to
# the include dir so that imports and arguments name each file once; `-I` takes a list and
# must come before another option, or it swallows the file names. NodeNext needs `.js`
# import specifiers, hence --importFileExtension.
if newer_than proto/generated/discovery.ts proto/weft; then
  echo "weft build: proto/generated"
  rm -rf proto/generated
  npx --no-install proto-loader-gen-types --longs=String --enums=String --defaults --oneofs \
    --grpcLib=@grpc/grpc-js --importFileExtension=.js -I proto --outDir=proto/generated \
    $(cd proto && echo weft/v1/*.proto) >/dev/null
fi

npx --no-install tsc -p tsconfig.json
