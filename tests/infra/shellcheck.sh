#!/usr/bin/env bash
# Every bash file under bin/, scripts/, bench/ and tests/infra/ passes shellcheck (sourced files followed).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v shellcheck >/dev/null 2>&1 || fail "shellcheck is not installed (Debian package shellcheck)"

files=()
for dir in bin scripts bench tests/infra; do
  [[ -d "$REPO_ROOT/$dir" ]] || continue
  while IFS= read -r -d '' file; do
    if [[ "$file" == *.sh ]] || head -n 1 "$file" | grep -Eq '^#!.*\b(ba)?sh\b'; then
      files+=("$file")
    fi
  done < <(find "$REPO_ROOT/$dir" -type f ! -name '*.*' -print0 -o -type f -name '*.sh' -print0)
done
((${#files[@]} >= 8)) || fail "expected the bin/rds-* scripts among the files to check, found ${#files[@]}"
cd "$REPO_ROOT"
shellcheck -x "${files[@]}" || fail "shellcheck reported the findings above"
pass "${#files[@]} bash files pass shellcheck"
