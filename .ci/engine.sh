#!/usr/bin/env bash
# A real Docker engine and a local registry for tests, built only from Debian's
# packages (see shared/docker-in-ci.md). Usage:
#   .ci/engine.sh start   install what is missing, start dockerd + registry, print env
#   .ci/engine.sh stop    stop what start started (by PID)
#   .ci/engine.sh env     print the environment lines for a started engine
# State lives in $ENGINE_DIR (default /var/tmp/flaskcom-engine), outside the repo.
set -euo pipefail

ENGINE_DIR="${ENGINE_DIR:-/var/tmp/flaskcom-engine}"
REGISTRY_ADDR="127.0.0.1:${REGISTRY_PORT:-5000}"
SOCK="$ENGINE_DIR/docker.sock"

log() { printf 'engine: %s\n' "$*" >&2; }

# The first Debian mirror and the security mirror the machine's apt sources name.
apt_uris() {
  local pattern="$1"
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
    awk -v pat="$pattern" '
      /^URIs:/ { for (i = 2; i <= NF; i++) print $i }
      /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; break } }
    ' | { grep -E "$pattern" || true; } | head -n 1
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v nginx >/dev/null || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  [[ -e /usr/bin/qemu-aarch64-static && -e /usr/bin/qemu-x86_64-static ]] || missing+=(qemu-user-static)
  command -v update-binfmts >/dev/null || missing+=(binfmt-support)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" iptables ca-certificates >/dev/null
  fi
  # Debian's packages start their daemons where an init system exists; we run our own.
  for unit in docker.service docker.socket docker-registry.service nginx.service; do
    systemctl stop "$unit" >/dev/null 2>&1 || true
  done
}

start_dockerd() {
  mkdir -p "$ENGINE_DIR"
  if [[ -S "$SOCK" ]] && DOCKER_HOST="unix://$SOCK" docker info >/dev/null 2>&1; then
    return
  fi
  log "starting dockerd in $ENGINE_DIR"
  dockerd --data-root "$ENGINE_DIR/docker" --exec-root "$ENGINE_DIR/exec" \
    --pidfile "$ENGINE_DIR/dockerd.pid" -H "unix://$SOCK" \
    --storage-driver=overlay2 --iptables=false --ip6tables=false \
    >"$ENGINE_DIR/dockerd.log" 2>&1 &
  for _ in $(seq 1 100); do
    DOCKER_HOST="unix://$SOCK" docker info >/dev/null 2>&1 && return
    sleep 0.2
  done
  log "dockerd did not start; see $ENGINE_DIR/dockerd.log"
  tail -n 20 "$ENGINE_DIR/dockerd.log" >&2
  exit 1
}

NATIVE_ARCH="$(dpkg --print-architecture)"
# The image must also build for the other Fargate architecture (amd64 <-> arm64), under qemu.
if [[ "$NATIVE_ARCH" == amd64 ]]; then FOREIGN_ARCH=arm64; else FOREIGN_ARCH=amd64; fi
FOREIGN_BASE="debian:bookworm-slim-$FOREIGN_ARCH"

# A bookworm minbase root filesystem for ARCH, as a tarball, from the machine's own Debian mirror.
rootfs_tarball() {
  local arch="$1" tarball="$ENGINE_DIR/bookworm-slim-$1-v3.tar"
  if [[ ! -s "$tarball" ]]; then
    local mirror security rootfs="$ENGINE_DIR/rootfs-$arch"
    mirror="$(apt_uris 'debian/?$')"
    security="$(apt_uris 'debian-security/?$' || true)"
    [[ -n "$mirror" ]] || { log "no Debian mirror in the apt sources"; exit 1; }
    log "debootstrap bookworm ($arch) from the machine's mirror"
    rm -rf "$rootfs"
    debootstrap --arch="$arch" --variant=minbase bookworm "$rootfs" "$mirror" \
      >"$ENGINE_DIR/debootstrap-$arch.log" 2>&1 ||
      { tail -n 20 "$ENGINE_DIR/debootstrap-$arch.log" >&2; exit 1; }
    {
      echo "deb $mirror bookworm main"
      echo "deb $mirror bookworm-updates main"
      [[ -n "$security" ]] && echo "deb $security bookworm-security main"
    } >"$rootfs/etc/apt/sources.list"
    # Like Docker's own -slim images: keep docs, man pages and translations out of this image and
    # of every package later installed on top of it (dpkg honours path-exclude at install time).
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim-image" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
DPKG
    find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
      "$rootfs"/usr/share/lintian/*
    rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar --numeric-owner -C "$rootfs" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$rootfs"
  fi
  echo "$tarball"
}

# debian:bookworm-slim for this machine's architecture (no registry to pull from).
base_image() {
  export DOCKER_HOST="unix://$SOCK"
  docker image inspect debian:bookworm-slim >/dev/null 2>&1 && return
  docker import "$(rootfs_tarball "$NATIVE_ARCH")" debian:bookworm-slim >/dev/null
}

# The same for the foreign architecture, run through qemu-user-static and binfmt_misc. It gets its
# own tag (the Dockerfile's BASE_IMAGE build argument) because the engine keeps one image per tag.
foreign_base_image() {
  export DOCKER_HOST="unix://$SOCK"
  docker image inspect "$FOREIGN_BASE" >/dev/null 2>&1 && return
  [[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  local qemu; qemu="qemu-$( [[ "$FOREIGN_ARCH" == arm64 ]] && echo aarch64 || echo x86_64 )"
  update-binfmts --enable "$qemu" >/dev/null 2>&1 || true
  [[ -e "/proc/sys/fs/binfmt_misc/$qemu" ]] || { log "cannot register $qemu with binfmt_misc"; exit 1; }
  local context="$ENGINE_DIR/foreign-base"
  rm -rf "$context" && mkdir -p "$context"
  ln "$(rootfs_tarball "$FOREIGN_ARCH")" "$context/rootfs.tar"
  # `docker import` would label the image with the engine's own architecture; a scratch build
  # for the foreign platform labels it right.
  printf 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' >"$context/Dockerfile"
  docker build --quiet --platform "linux/$FOREIGN_ARCH" --tag "$FOREIGN_BASE" "$context" >/dev/null
  rm -rf "$context"
}

start_registry() {
  if [[ -f "$ENGINE_DIR/registry.pid" ]] && kill -0 "$(cat "$ENGINE_DIR/registry.pid")" 2>/dev/null; then
    return
  fi
  mkdir -p "$ENGINE_DIR/registry"
  cat >"$ENGINE_DIR/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $ENGINE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YAML
  docker-registry serve "$ENGINE_DIR/registry.yml" >"$ENGINE_DIR/registry.log" 2>&1 &
  echo $! >"$ENGINE_DIR/registry.pid"
  for _ in $(seq 1 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://$REGISTRY_ADDR/v2/', timeout=1)" 2>/dev/null && return
    sleep 0.2
  done
  log "registry did not start; see $ENGINE_DIR/registry.log"
  exit 1
}

print_env() {
  echo "export DOCKER_HOST=unix://$SOCK"
  echo "export TEST_REGISTRY=$REGISTRY_ADDR"
  echo "export FOREIGN_PLATFORM=linux/$FOREIGN_ARCH"
  echo "export FOREIGN_BASE_IMAGE=$FOREIGN_BASE"
}

stop_pid_file() {
  local file="$1"
  [[ -f "$file" ]] || return 0
  local pid; pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$file"
}

case "${1:-}" in
  start)
    install_packages
    start_dockerd
    base_image
    foreign_base_image
    start_registry
    print_env
    ;;
  stop)
    if [[ -S "$SOCK" ]]; then
      # Containers the tests left behind would keep dockerd's shutdown waiting.
      ids="$(DOCKER_HOST="unix://$SOCK" docker ps -q 2>/dev/null || true)"
      [[ -n "$ids" ]] && DOCKER_HOST="unix://$SOCK" docker rm -f $ids >/dev/null 2>&1 || true
    fi
    stop_pid_file "$ENGINE_DIR/registry.pid"
    stop_pid_file "$ENGINE_DIR/dockerd.pid"
    ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
