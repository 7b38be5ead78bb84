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

# debian:bookworm-slim, made from the machine's own Debian mirror (no registry to pull from).
base_image() {
  export DOCKER_HOST="unix://$SOCK"
  if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
    return
  fi
  local tarball="$ENGINE_DIR/bookworm-slim-v2.tar"
  if [[ ! -s "$tarball" ]]; then
    local mirror security rootfs="$ENGINE_DIR/rootfs"
    mirror="$(apt_uris 'debian/?$')"
    security="$(apt_uris 'debian-security/?$' || true)"
    [[ -n "$mirror" ]] || { log "no Debian mirror in the apt sources"; exit 1; }
    log "debootstrap bookworm from the machine's mirror"
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$ENGINE_DIR/debootstrap.log" 2>&1 ||
      { tail -n 20 "$ENGINE_DIR/debootstrap.log" >&2; exit 1; }
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
  docker import "$tarball" debian:bookworm-slim >/dev/null
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
