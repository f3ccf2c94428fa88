# One image: agent, control plane and CLI.
# Build stage: bpf objects (clang), the native addon (cmake-js + libbpf), TypeScript.
FROM node:20-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config cmake make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bpf ./bpf
COPY proto ./proto
COPY native ./native
COPY agent ./agent
COPY control-plane ./control-plane
COPY test ./test
COPY scripts ./scripts
COPY bin ./bin
COPY deploy ./deploy
RUN bash scripts/build.sh && npm prune --omit=dev

# Runtime stage: node, libbpf and the built artefacts only; no compilers.
FROM node:20-bookworm-slim
LABEL org.opencontainers.image.title="weft" \
      org.opencontainers.image.description="Sidecar-free service mesh: eBPF redirection into one TypeScript proxy per node" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 libelf1 iproute2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/weft
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/bpf/build ./bpf/build
COPY --from=build /src/native/build/Release/weft_native.node ./native/build/Release/weft_native.node
COPY --from=build /src/deploy ./deploy
# The agent and the control plane load the .proto files at run time.
COPY --from=build /src/proto ./proto
ENTRYPOINT ["node", "/opt/weft/bin/weft.js"]
CMD ["--help"]
