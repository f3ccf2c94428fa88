# One image for the agent, the control plane and the CLI:
#   podman build -t weft .          (or docker build; `npm run image:check` builds and verifies it here)
#
# Base: node:24-bookworm-slim, which is debian:bookworm-slim with the official Node 24 in
# /usr/local. Debian bookworm's own nodejs is 18.x, and Weft needs Node >= 24 (package.json
# engines: the supported LTS; commander 15, for one, requires >= 22).
#
# Behind a TLS-intercepting proxy, npm needs that proxy's CA: pass it as a build secret,
# `--secret id=extra-ca,src=/path/to/ca.pem`. It is read during `npm ci` only and is in no layer.

# Build stage: bpf objects (clang -target bpf), the native addon (cmake-js + libbpf), TypeScript.
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang libbpf-dev libelf-dev zlib1g-dev pkg-config cmake make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=extra-ca \
    if [ -s /run/secrets/extra-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca; fi \
 && npm ci --no-audit --no-fund --loglevel=error
COPY . .
# The addon compiles against this Node's own headers (cmake-js reads npm_config_nodedir; without
# it, it would download them). Tests stay out of the image; dist/testbed stays: `weft demo` runs on it.
RUN npm_config_nodedir=/usr/local bash scripts/build.sh \
 && find dist -name '*.test.js' -delete -o -name '*.test.js.map' -delete

# Production dependencies only, from the lockfile.
FROM node:24-bookworm-slim AS runtime-deps
WORKDIR /opt/weft
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=extra-ca \
    if [ -s /run/secrets/extra-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca; fi \
 && npm ci --omit=dev --no-audit --no-fund --loglevel=error

# Runtime stage: node, libbpf and the built artefacts; no compiler, no bpftool, no iproute2
# (the agent runs no program but mount(8), for bpffs, which the base has).
FROM node:24-bookworm-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="weft" \
      org.opencontainers.image.description="Sidecar-free service mesh: eBPF redirection into one TypeScript proxy per node" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
# The control plane runs as `weft` (uid 65532, numeric so that runAsNonRoot can be verified),
# its CA state in /var/lib/weft (its default --state-dir) when it keeps it on disk. The agent
# runs as root with the capabilities its DaemonSet adds (deploy/agent/daemonset.yaml sets
# runAsUser: 0 and says why each one).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 weft \
 && useradd --uid 65532 --gid weft --home-dir /var/lib/weft --no-create-home --shell /usr/sbin/nologin weft \
 && install -d -o weft -g weft -m 0700 /var/lib/weft
WORKDIR /opt/weft
ENV NODE_ENV=production
COPY --from=runtime-deps /opt/weft/node_modules ./node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
# Loaded at run time: the protos (gRPC API), the bpf objects, the addon, the default mesh.
COPY --from=build /src/proto/weft ./proto/weft
COPY --from=build /src/bpf/build ./bpf/build
COPY --from=build /src/native/build/Release/weft_native.node ./native/build/Release/weft_native.node
COPY --from=build /src/deploy/default ./deploy/default
USER 65532:65532
ENTRYPOINT ["node", "/opt/weft/bin/weft.js"]
CMD ["--help"]
