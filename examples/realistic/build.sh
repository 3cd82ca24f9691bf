#!/usr/bin/env bash
# Builds the realistic examples on a running distforge (`npm start`, or `distforge up`), as a
# packager would: for each package, fetch its upstream files from Debian's source package
# (`apt-get source --download-only`; the .orig tarball is upstream's, byte for byte), upload each
# file its dist-git `sources` file names to the lookaside store (`distforge sources upload`, which
# refuses a file whose SHA512 differs), make the dist-git tree a git repository of its own, and
# submit them all as one build. See docs/realistic-specs.md.
#
#   DISTFORGE_URL=http://127.0.0.1:8080 DISTFORGE_TOKEN=$(cat distforge-data/admin.token) \
#     bash examples/realistic/build.sh [PACKAGE…]
#
# Needs a deb-src entry for apt (scripts/setup.sh adds one, as root). WORK=DIR keeps the fetched
# files and the git repositories there (default: a new temporary directory).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
distforge="$here/../../bin/distforge"
: "${DISTFORGE_URL:?set DISTFORGE_URL to the server, e.g. http://127.0.0.1:8080}"
: "${DISTFORGE_TOKEN:?set DISTFORGE_TOKEN to a maintainer token, e.g. \$(cat distforge-data/admin.token)}"
export DISTFORGE_URL DISTFORGE_TOKEN
work="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/distforge-realistic.XXXXXX")}"

# example -> the Debian source package its upstream files come from
declare -A debian=([hello]=hello [gdbm]=gdbm [libyaml]=libyaml [fribidi]=fribidi)
packages=("$@")
((${#packages[@]})) || packages=(hello gdbm libyaml fribidi)

sources=()
for pkg in "${packages[@]}"; do
  [[ -n ${debian[$pkg]:-} ]] || { echo "build.sh: no example $pkg (have: ${!debian[*]})" >&2; exit 2; }
  deb="$work/debian/$pkg"
  mkdir -p "$deb"
  if ! compgen -G "$deb/*.dsc" >/dev/null; then
    (cd "$deb" && apt-get -qq -o APT::Sandbox::User=root source --download-only --only-source "${debian[$pkg]}")
  fi
  while read -r _ name _ hash; do
    name=${name#(}; name=${name%)}
    case $name in
      gpgkey-*)     # the upstream signing key Debian keeps beside its packaging
        file="$deb/$name"
        tar -xOf "$(ls "$deb"/*.debian.tar.*)" debian/upstream/signing-key.asc >"$file" ;;
      *.sig | *.asc) file="$(ls "$deb"/*.orig.tar.*.asc)" ;;
      *)            file="$(ls "$deb"/*.orig.tar.* | grep -v '\.asc$')" ;;
    esac
    "$distforge" sources upload "$file" --name "$pkg" --as "$name" --sha512 "$hash" | head -1
  done <"$here/$pkg/sources"

  repo="$work/git/$pkg"
  rm -rf "$repo"
  mkdir -p "$work/git"
  cp -r "$here/$pkg" "$repo"
  git -C "$repo" -c init.defaultBranch=main init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.name=Packager -c user.email=packager@example.invalid commit -q -m "import $pkg"
  sources+=(--git "$repo#main")
done

echo "submitting ${packages[*]} (files and repositories in $work)"
exec "$distforge" build submit --platform example-el9 "${sources[@]}" --wait
