# shellcheck shell=bash
# Sourced by the bin/ shims: finds the `cruddur` binary.
# Order: $CRUDDUR_BIN, the release build, the dev build, then PATH.
cruddur_bin() {
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local candidate
  for candidate in "${CRUDDUR_BIN:-}" "$repo/build/release/src/apps/cruddur/cruddur" \
                   "$repo/build/dev/src/apps/cruddur/cruddur"; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  if command -v cruddur > /dev/null; then
    command -v cruddur
    return 0
  fi
  printf 'cruddur binary not found: build it with scripts/dev (or cmake --build --preset release)\n' >&2
  return 2
}
