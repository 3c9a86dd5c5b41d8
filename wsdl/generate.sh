#!/usr/bin/env bash
# generate.sh OUTDIR — regenerate the Go bindings of shepgate's WSDLs with gowsdl v0.5.0
# (pinned in go.mod as a tool) into OUTDIR/<pkg>/<pkg>.go. Run from anywhere; it works from
# the repository root. The output is deterministic and does not depend on OUTDIR: gowsdl is
# run on paths relative to the repository root and the generated files carry no paths.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$1"
case "$out" in
  /*) ;;
  *) out="$PWD/$out" ;;
esac

# wsdl file -> package name
specs=(
  "shep-sync.wsdl shepsync"
  "shep-async.wsdl shepasync"
  "gcvp.wsdl gcvp"
  "gbdfl.wsdl gbdfl"
  "enis.wsdl enis"
)

cd "$root"
mkdir -p "$out"
for spec in "${specs[@]}"; do
  read -r file pkg <<<"$spec"
  rm -rf "${out:?}/$pkg"
  mkdir -p "$out/$pkg"
  # gowsdl logs to stdout and exits 0 on some failures; keep its log and check the result.
  if ! log=$(go tool gowsdl -p "$pkg" -o "$pkg.go" -d "$out" "wsdl/$file" 2>&1); then
    echo "$log" >&2
    echo "generate.sh: gowsdl failed on wsdl/$file" >&2
    exit 1
  fi
  if ! grep -q "Done" <<<"$log" || [ ! -s "$out/$pkg/$pkg.go" ]; then
    echo "$log" >&2
    echo "generate.sh: gowsdl produced no output for wsdl/$file" >&2
    exit 1
  fi
  echo "generated $pkg/$pkg.go from wsdl/$file"
done
