#!/usr/bin/env bash
# Regenerates the example source tarballs from the directories beside this script, byte for byte
# reproducibly (sorted names, fixed mtime and owner, gzip without name or time stamp):
#   examples/tarballs/hello-c-1.0/ → examples/packages/hello-c/hello-c-1.0.tar.gz
# Usage: bash examples/tarballs/make-tarballs.sh [OUTPUT_DIR]  (default: the package directories)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
make_tarball() { # DIRNAME OUTPUT
  tar --sort=name --mtime='2026-01-01 00:00:00Z' --owner=0 --group=0 --numeric-owner --mode='u+rwX,go+rX,go-w' \
    --format=gnu -C "$here" -cf - "$1" | gzip -9 -n > "$2"
}
out="${1:-}"
make_tarball hello-c-1.0 "${out:-$here/../packages/hello-c}/hello-c-1.0.tar.gz"
