#!/usr/bin/env bash
# Installs everything Weft needs on a fresh machine, idempotently:
#   1. Debian packages: PostgreSQL server binaries (tests start throwaway servers from them) and
#      Chromium (UI tests) — skipped when already present or when DATABASE_URL / CHROMIUM_PATH say so;
#   2. npm dependencies (npm ci; skipped when node_modules matches package-lock.json);
#   3. the pinned Temporal CLI and MinIO server, built with `go install` into ~/.cache/weft/bin
#      unless found on PATH or through TEMPORAL_CLI_PATH / MINIO_PATH (several minutes, once);
#   4. the Kubernetes test cluster (kube-apiserver, kube-controller-manager, kube-scheduler, etcd,
#      kwok), built the same way (about 12 minutes on 2 cores, once) — WEFT_SKIP_KUBERNETES=1 skips
#      it, and then the Kubernetes tests are skipped too, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

apt_packages=()
if [ -z "${DATABASE_URL:-}" ] && [ -z "${PG_BIN_DIR:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  apt_packages+=(postgresql)
fi
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ] && [ "${WEFT_SKIP_CHROMIUM:-}" != 1 ]; then
  apt_packages+=(chromium)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  step "installing Debian packages: ${apt_packages[*]}"
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo=(sudo); else
      echo "setup: need root (or sudo) to run: apt-get install -y ${apt_packages[*]}" >&2
      exit 1
    fi
  fi
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${apt_packages[@]}"
fi

step "npm dependencies"
# npm rewrites node_modules/.package-lock.json on every install: newer than package-lock.json
# means node_modules already matches it. CI always installs from scratch.
if [ -z "${CI:-}" ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "node_modules is up to date with package-lock.json"
else
  npm ci --no-audit --no-fund
fi

step "tools (Temporal CLI, MinIO, PostgreSQL, Chromium, the Kubernetes test cluster)"
provision_args=()
[ "${WEFT_SKIP_CHROMIUM:-}" = 1 ] && provision_args+=(--no-chromium)
if [ "${WEFT_SKIP_KUBERNETES:-}" = 1 ]; then
  echo "!!! WEFT_SKIP_KUBERNETES=1: the Kubernetes test cluster is not built, and its tests will be SKIPPED"
else
  provision_args+=(--kubernetes)
fi
node node_modules/tsx/dist/cli.mjs services/src/bin/provision.ts "${provision_args[@]}"

step "the web UI (ui/dist, served by weft dev and weft server)"
npm run --silent build -w @weft/ui -- --logLevel warn
