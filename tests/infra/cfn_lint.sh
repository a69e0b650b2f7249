#!/usr/bin/env bash
# Every CloudFormation template under infra/ passes cfn-lint without a single finding.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v cfn-lint >/dev/null 2>&1 || fail "cfn-lint is not installed"

shopt -s nullglob
templates=("$REPO_ROOT"/infra/*.yaml "$REPO_ROOT"/infra/*.yml)
[[ -e "$REPO_ROOT/infra/rds.yaml" ]] || fail "infra/rds.yaml is missing"
code=0
report="$(cfn-lint -- "${templates[@]}" 2>&1)" || code=$?
[[ "$code" == 0 && -z "$report" ]] || fail "cfn-lint exit $code: $report"
pass "${#templates[@]} template(s) lint clean with cfn-lint $(cfn-lint --version | awk '{print $2}')"
