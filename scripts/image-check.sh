#!/usr/bin/env bash
# Builds the Dockerfile with podman and proves the image works, on a machine that can pull
# no image and run no container:
#   1. the Dockerfile's base image, if it is not in local storage, is made as a stand-in of
#      the same name: debootstrap (minbase, from the Debian mirror this machine's apt uses)
#      plus this machine's Node of the same major version, laid out as the official image
#      lays it out (/usr/local); cached in podman's storage, labelled dev.weft.stand-in;
#   2. `podman build --isolation chroot` builds the image;
#   3. the image's filesystem (`podman mount` of a created, never started, container) is
#      checked: no build tools; `weft check` passes, run from it as root; the control
#      plane starts as the image's non-root user;
#   4. the data-path end-to-end test passes with every agent run from the image's
#      filesystem (chroot, the image's environment and entrypoint), the test harness and
#      the testbed from this checkout (WEFT_AGENT_COMMAND, read by testbed/mesh.ts).
# Everything the run creates is named weft-i<hex> and removed on exit, failure or Ctrl-C;
# the stand-in base and the built image ($WEFT_IMAGE, default localhost/weft:dev) stay.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${WEFT_IMAGE:-localhost/weft:dev}
prefix="weft-i$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
run_dir=/tmp/$prefix # under /tmp: bound into the chroot, so host and image both see it
rootfs=/var/tmp/$prefix-rootfs
container=
mnt=
control_plane_pid=
watch_pid=
e2e_group=
started=$SECONDS
phase_started=$SECONDS
timings=()

log() { printf 'weft image-check: %s\n' "$*"; }
die() { printf 'weft image-check: FAILED: %s\n' "$*" >&2; exit 1; }
phase_done() { # name: records how long the phase since the last call took
  timings+=("$(printf '%-34s %4ss' "$1" $((SECONDS - phase_started)))")
  phase_started=$SECONDS
}

# Every mount at or below $1 except $1 itself, deepest first, then unmounted; lazily if busy.
unmount_below() {
  local top=$1 point
  [ -n "$top" ] || return 0
  awk -v top="$top" '$5 != top && index($5, top "/") == 1 { print length($5), $5 }' /proc/self/mountinfo \
    | sort -rn | cut -d' ' -f2- | while read -r point; do
      umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || echo "weft image-check: cannot unmount $point" >&2
    done
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$e2e_group" ]; then
    # the test's own teardown (testbed, agents) runs on SIGTERM; then, bounded, SIGKILL
    kill -TERM -- "-$e2e_group" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 -- "-$e2e_group" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$e2e_group" 2>/dev/null || true
  fi
  if [ -n "$watch_pid" ]; then kill "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true; fi
  if [ -n "$control_plane_pid" ]; then kill -9 "$control_plane_pid" 2>/dev/null || true; wait "$control_plane_pid" 2>/dev/null || true; fi
  if [ -n "$mnt" ]; then unmount_below "$mnt"; fi
  if [ -n "$container" ]; then
    podman umount "$container" >/dev/null 2>&1 || true
    podman rm --force "$container" >/dev/null 2>&1 || true
  fi
  if [ -d "$rootfs" ]; then
    unmount_below "$rootfs" # debootstrap leaves /proc and /sys mounted when it fails
    rm -rf --one-file-system "$rootfs"
  fi
  rm -rf "$run_dir" "$rootfs.log"
  [ "$status" -eq 0 ] || log "failed after $((SECONDS - started))s; everything named $prefix removed"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || die "run as root: podman's storage, chroot and the testbed need it"
log "run $prefix"
mkdir -m 0755 "$run_dir"

# --- tools ---------------------------------------------------------------------------
missing=()
for p in podman debootstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The harness side of the end-to-end test runs from this checkout's dist/ (set up and built
# as `npm test` has it).
bash scripts/setup.sh
phase_done "tools and host build"

# --- the base image --------------------------------------------------------------------
# The one FROM that is not a stage of this Dockerfile, as podman names it.
stages=$(awk 'toupper($1) == "FROM" && toupper($3) == "AS" { print $4 }' Dockerfile)
base=$(awk 'toupper($1) == "FROM" { print $2 }' Dockerfile | grep -vxF -f <(printf '%s\n' "$stages" scratch) | sort -u)
[ "$(printf '%s\n' "$base" | wc -l)" -eq 1 ] || die "expected one base image in the Dockerfile, found: $base"
case $base in
  */*/*) base_full=$base ;;
  */*) base_full=docker.io/$base ;;
  *) base_full=docker.io/library/$base ;;
esac

# The host's apt URI for a suite, from its deb822 .sources or one-line .list files.
debian_uri() {
  local suite=$1 file found=
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    case $file in
      *.sources)
        found=$(awk -v suite="$suite" '
          function flush() { if (deb && has && uri != "" && enabled && !done) { print uri; done = 1 } deb = 0; has = 0; uri = ""; enabled = 1 }
          BEGIN { enabled = 1 }
          /^[[:space:]]*$/ { flush(); next }
          /^#/ { next }
          tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
          tolower($1) == "uris:" { uri = $2 }
          tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
          tolower($1) == "enabled:" { enabled = tolower($2) != "no" }
          END { flush() }' "$file") ;;
      *)
        found=$(awk -v suite="$suite" '
          $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == suite) { print $i; exit }
          }' "$file") ;;
    esac
    if [ -n "$found" ]; then printf '%s\n' "$found"; return 0; fi
  done
  return 1
}

suite=$(grep -oE 'bookworm|trixie|bullseye' <<<"$base") || die "cannot tell the Debian suite of $base"
node_major=$(grep -oE '^[^/]*node:[0-9]+' <<<"${base##*/}" | grep -oE '[0-9]+$') || die "$base is not a node:<major>-<suite> image"
node_version=$(node --version)
stand_in_label=debootstrap-$suite-minbase+host-node-$node_version+npm-$(npm --version)

make_stand_in() {
  local node_bin npm_root mirror security f
  [ "${node_version%%.*}" = "v$node_major" ] || die "the stand-in for $base needs Node $node_major here, this machine has $node_version"
  node_bin=$(readlink -f "$(command -v node)")
  # npm's own folder, wherever this machine keeps it (beside Node, or Debian's /usr/lib when
  # Node 24 came from scripts/install-node.sh); `npm root -g` names the global prefix instead.
  npm_root=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")")
  mirror=$(debian_uri "$suite") || die "no apt source for $suite in /etc/apt/sources.list*"
  security=$(debian_uri "$suite-security") || security=

  log "making the stand-in $base_full: debootstrap $suite minbase from $mirror, Node $node_version from $node_bin"
  if ! debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    tail -n 20 "$rootfs.log" >&2
    die "debootstrap failed"
  fi
  # As debian:<suite>-slim has it: deb822 sources, no docs/man pages/locales, no apt lists.
  rm -f "$rootfs/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" "$suite" "$suite"
    [ -z "$security" ] || printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$security" "$suite"
  } >"$rootfs/etc/apt/sources.list.d/debian.sources"
  # How this machine reaches that mirror (a proxy, a snapshot's expired Release dates) goes along.
  for f in /etc/apt/apt.conf.d/*; do
    if grep -qE '^[[:space:]]*Acquire::(Check-Valid-Until|Check-Date|https?::Proxy)' "$f"; then cp "$f" "$rootfs/etc/apt/apt.conf.d/"; fi
  done
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' 'path-exclude /usr/share/man/*' \
    'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/lintian/*' \
    'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,groff,lintian,linda}/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log "$rootfs/etc/hostname"
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  : >"$rootfs/etc/resolv.conf"
  # Node as the official image has it: /usr/local, npm and corepack beside it, a `node` user.
  install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
  for f in npm corepack; do
    [ -d "$npm_root/$f" ] && cp -a "$npm_root/$f" "$rootfs/usr/local/lib/node_modules/"
  done
  [ -d "$(dirname "$node_bin")/../include/node" ] && cp -a "$(dirname "$node_bin")/../include/node" "$rootfs/usr/local/include/"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  [ -d "$rootfs/usr/local/lib/node_modules/corepack" ] && ln -s ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  tar --numeric-owner --xattrs -C "$rootfs" -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${node_version#v}" \
    --change 'CMD ["node"]' \
    --change "LABEL dev.weft.stand-in=$stand_in_label" \
    - "$base_full" >/dev/null
  rm -rf --one-file-system "$rootfs" "$rootfs.log"
}

present=
if podman image exists "$base_full"; then
  present=$(podman image inspect --format '{{index .Labels "dev.weft.stand-in"}}' "$base_full")
  [ -n "$present" ] || present="the real one"
fi
if [ -z "$present" ]; then
  make_stand_in
elif [ "$present" = "the real one" ] || [ "$present" = "$stand_in_label" ]; then
  log "base $base_full present ($present)"
else
  log "base $base_full is an outdated stand-in ($present): remaking it"
  podman untag "$base_full"
  make_stand_in
fi
phase_done "base image"

# --- build ------------------------------------------------------------------------------
build=(build --isolation chroot --pull=never --layers --file Dockerfile --tag "$image"
  --build-arg "VERSION=$(node -p "require('./package.json').version")"
  --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)")
# A TLS-intercepting proxy's CA, as the Dockerfile's extra-ca build secret (in no layer).
if [ -s "${NODE_EXTRA_CA_CERTS:-}" ]; then build+=(--secret "id=extra-ca,src=$NODE_EXTRA_CA_CERTS"); fi
log "podman ${build[*]} ."
podman "${build[@]}" .
size=$(podman image inspect --format '{{.Size}}' "$image")
phase_done "podman build"

# --- the image's filesystem -----------------------------------------------------------------
container=$prefix
podman create --name "$container" "$image" >/dev/null
mnt=$(podman mount "$container")
mount -t proc proc "$mnt/proc"
for dir in /sys /dev; do
  # rslave: unmounting these copies on exit must not propagate to the host's mounts
  mount --rbind "$dir" "$mnt$dir"
  mount --make-rslave "$mnt$dir"
done
mount --bind /tmp "$mnt/tmp"
mount --make-slave "$mnt/tmp"

# Processes run as the image would run them: its environment, its entrypoint.
image_env=$(podman image inspect --format '{{range .Config.Env}}{{.}} {{end}}' "$image")
entrypoint=$(podman image inspect --format '{{range .Config.Entrypoint}}{{.}} {{end}}' "$image")
user=$(podman image inspect --format '{{.Config.User}}' "$image")
in_image() { chroot "$mnt" /usr/bin/env -i $image_env $entrypoint "$@"; }

tools=$(chroot "$mnt" /bin/sh -c 'command -v clang gcc cc g++ c++ make cmake ld as bpftool' || true)
[ -z "$tools" ] || die "build tools in the image: $tools"
dev_packages=$(chroot "$mnt" dpkg-query -W -f '${Package}\n' | grep -E -- '-dev$|^(gcc(-[0-9]+)?|g\+\+.*|cpp.*|clang.*|llvm.*|binutils.*|cmake|make|bpftool)$' || true)
[ -z "$dev_packages" ] || die "build packages in the image: $(echo $dev_packages)"
log "no compiler, make, cmake, bpftool or -dev package in the image"

log "weft check, from the image, as root:"
in_image check || die "weft check failed in the image"

# The control plane as the image's user, with no capabilities.
[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || die "the image's user is '${user:-root}', not a non-root one"
log "the control plane as the image's user $user:"
install -d -o "${user%%:*}" -m 0700 "$run_dir/control-plane"
chroot --userspec="$user" "$mnt" /usr/bin/env -i $image_env $entrypoint control-plane \
  --config-dir /opt/weft/deploy/default --listen "unix:$run_dir/control-plane/socket" >"$run_dir/control-plane.log" 2>&1 &
control_plane_pid=$!
for _ in $(seq 1 60); do
  grep -q '"msg":"control plane ready"' "$run_dir/control-plane.log" && break
  kill -0 "$control_plane_pid" 2>/dev/null || break
  sleep 0.5
done
grep -q '"msg":"control plane ready"' "$run_dir/control-plane.log" || { cat "$run_dir/control-plane.log" >&2; die "the control plane did not start as $user"; }
uid=$(awk '/^Uid:/ { print $3 }' "/proc/$control_plane_pid/status")
cap_eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$control_plane_pid/status")
key_owner=$(stat -c %u "$mnt/var/lib/weft/ca/root-key.pem")
[ "$uid" = "${user%%:*}" ] && [ "$cap_eff" = 0000000000000000 ] && [ "$key_owner" = "$uid" ] \
  || die "the control plane ran as uid $uid with CapEff $cap_eff, its CA key owned by $key_owner"
log "ready as uid $uid, CapEff $cap_eff, its CA in /var/lib/weft owned by uid $key_owner"
kill "$control_plane_pid"
wait "$control_plane_pid" || true
control_plane_pid=
phase_done "image checks"

# --- the data path end to end, agents from the image ---------------------------------------
agent_command="chroot $mnt /usr/bin/env -i $image_env $entrypoint"
# Proof that the agents really ran from the image: every 0.5 s, the root directory of each
# `weft.js agent` process; an agent of this run outside it still carries our command.
watch_agents() {
  local deadline=$((SECONDS + 1200)) file pid
  while [ $SECONDS -lt $deadline ]; do
    for file in $(grep -lsa -- 'weft.js' /proc/[0-9]*/cmdline); do
      pid=${file#/proc/}; pid=${pid%/cmdline}
      tr '\0' ' ' 2>/dev/null <"$file" | grep -q 'weft.js agent ' || continue
      # past sh, nsenter, chroot and env: the agent itself
      [ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = node ] || continue
      if [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$mnt" ]; then echo "image $pid"
      elif grep -qsaF "WEFT_AGENT_COMMAND=$agent_command" "/proc/$pid/environ"; then echo "host $pid"
      fi
    done
    sleep 0.5
  done >"$run_dir/agents.seen"
}
watch_agents &
watch_pid=$!
log "data-path end-to-end test, agents: $agent_command"
# In its own process group, so that an interrupted check can stop the whole test with SIGTERM.
WEFT_AGENT_COMMAND=$agent_command setsid node scripts/run-tests.js e2e/datapath &
e2e_group=$!
wait "$e2e_group" || die "the data-path end-to-end test failed with agents from the image"
e2e_group=
kill "$watch_pid"; wait "$watch_pid" 2>/dev/null || true; watch_pid=
image_agents=$(sort -u "$run_dir/agents.seen" | awk '$1 == "image"' | wc -l)
host_agents=$(sort -u "$run_dir/agents.seen" | awk '$1 == "host"' | wc -l)
[ "$image_agents" -ge 1 ] && [ "$host_agents" -eq 0 ] \
  || die "agents seen: $image_agents from the image, $host_agents of this run from the host"
log "$image_agents agent processes ran from the image's filesystem, none from the host's"
phase_done "data-path e2e (agents from image)"

printf '\nweft image-check: passed. %s, %s MiB\n' "$image" $((size / 1024 / 1024))
printf '  %s\n' "${timings[@]}"
printf '  %-34s %4ss\n' total $((SECONDS - started))
