#!/usr/bin/env bash
# Removes the bundle generations under BUILD (.build/gen.*, made by bin/distforge) that nobody
# uses any more, except KEEP (the newest): a generation is kept while a process runs from it (its
# command line names a file in it: bin/distforge starts Node on the generation's own path, and a
# long-running server loads chunks and worker modules from it long after it started) and for ten
# minutes after it last changed (a command that read the previous name may be about to start).
# Usage: prune-generations.sh BUILD KEEP
set -u
build="${1:?usage: prune-generations.sh BUILD KEEP}"
keep="${2:?usage: prune-generations.sh BUILD KEEP}"
while IFS= read -r -d '' old; do
  grep -qsaF -- "$old/" /proc/[0-9]*/cmdline && continue
  rm -rf -- "$old"
done < <(find "$build" -mindepth 1 -maxdepth 1 -name 'gen.*' -type d ! -name "$keep" -mmin +10 -print0 2>/dev/null)
exit 0
