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

addon=native/build/Release/weft_native.node
if newer_than "$addon" native/src native/CMakeLists.txt; then
  echo "weft build: $addon"
  npx --no-install cmake-js compile --directory native --out native/build --log-level error >/dev/null
fi

# Types for the agent <-> control-plane API. The protos themselves are loaded at run time
# (control-plane/api/load-protos.ts); only the types are generated. File names are given relative to
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
