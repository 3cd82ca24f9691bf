#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: installs the Debian packages distforge and its tests use
# when they are missing, and runs `npm ci` when node_modules is missing or older than
# package-lock.json. Says what it does; prints nothing alarming when there is nothing to do.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Debian package -> a file it installs (what we check for).
declare -A wanted=(
  [rpm]=/usr/bin/rpmbuild
  [createrepo-c]=/usr/bin/createrepo_c
  [dnf]=/usr/bin/dnf
  [dnf-plugins-core]=/usr/lib/python3/dist-packages/dnf-plugins/repoclosure.py
  [libsolv-tools]=/usr/bin/installcheck
  [bubblewrap]=/usr/bin/bwrap
  [gnupg]=/usr/bin/gpg
  [zstd]=/usr/bin/zstd
  [xz-utils]=/usr/bin/xz
  [bzip2]=/usr/bin/bzip2
  [cpio]=/usr/bin/cpio
  [git]=/usr/bin/git
  [postgresql]=/usr/lib/postgresql/15/bin/postgres
  [time]=/usr/bin/time
  # The web UI's browser tests drive Debian's Chromium with playwright-core (no browser download).
  [chromium]=/usr/bin/chromium
)
missing=()
for pkg in "${!wanted[@]}"; do
  [[ -e "${wanted[$pkg]}" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  IFS=$'\n' missing=($(sort <<<"${missing[*]}")); unset IFS
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: as root, run: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/distforge-apt.log 2>&1; then
    apt-get update -qq >>/tmp/distforge-apt.log 2>&1
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/distforge-apt.log 2>&1 \
      || { echo "setup: apt-get install failed; see /tmp/distforge-apt.log" >&2; tail -5 /tmp/distforge-apt.log >&2; exit 1; }
  fi
fi

# Debian source packages (`apt-get source`, for the upstream tarballs of examples/realistic): a
# deb-src entry beside debian.sources, with the same mirrors, suites and components as its deb ones.
debsrc=/etc/apt/sources.list.d/debian-src.sources
if [[ -f /etc/apt/sources.list.d/debian.sources ]] \
  && ! grep -qsE '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources \
  && ! grep -qsE '^deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: no deb-src entry for apt-get source (the tests of examples/realistic need one)" >&2
    echo "setup: as root, run: sed 's/^Types: deb\$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >$debsrc && apt-get update" >&2
  else
    echo "setup: adding $debsrc (deb-src beside debian.sources) and running apt-get update"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$debsrc"
    apt-get update -qq >>/tmp/distforge-apt.log 2>&1 \
      || { echo "setup: apt-get update failed; see /tmp/distforge-apt.log" >&2; tail -5 /tmp/distforge-apt.log >&2; exit 1; }
  fi
fi

# npm dependencies: install when node_modules is missing or older than the lock file.
stamp=node_modules/.distforge-installed
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/tmp/distforge-npm.log 2>&1 \
    || { echo "setup: npm ci failed; see /tmp/distforge-npm.log" >&2; tail -20 /tmp/distforge-npm.log >&2; exit 1; }
  touch "$stamp"
fi
