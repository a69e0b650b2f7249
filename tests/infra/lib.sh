# shellcheck shell=bash disable=SC2034 # variables are used by the tests that source this file
# Shared set-up of the infra tests: an isolated HOME and TMPDIR, dummy AWS credentials, a recording
# `aws` wrapper, assertions, and moto helpers. Sourced by each test after `set -euo pipefail`.

INFRA_TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_TESTS_DIR/../.." && pwd)"
BIN="$REPO_ROOT/bin"
TEST_NAME="$(basename "$0" .sh)"

fail() {
  printf 'FAIL [%s]: %s\n' "$TEST_NAME" "$*" >&2
  exit 1
}

pass() {
  printf 'ok [%s]: %s\n' "$TEST_NAME" "$*"
}

# Fails the test unless CRUDDUR_TEST_MOTO_URL names the moto_server that scripts/test started.
require_moto() {
  [[ -n "${CRUDDUR_TEST_MOTO_URL:-}" ]] ||
    fail "CRUDDUR_TEST_MOTO_URL is not set: run through scripts/test, or start moto_server and export it"
  curl -fsS --max-time 10 -o /dev/null "$CRUDDUR_TEST_MOTO_URL/moto-api/" ||
    fail "moto_server does not answer at $CRUDDUR_TEST_MOTO_URL"
  export AWS_ENDPOINT_URL="$CRUDDUR_TEST_MOTO_URL"
}

# Fresh private work area, removed at exit; environment cleared of anything a developer may have
# set that would change the scripts' behaviour.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cruddur-infra-test.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT
mkdir -p "$WORK/home" "$WORK/tmp" "$WORK/shim"
export HOME="$WORK/home" TMPDIR="$WORK/tmp"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_ENDPOINT_URL GITPOD_IP MY_IP DB_SG_ID \
  DB_SG_RULE_ID DB_PASSWORD DB_PORT DB_SG_RULE_DESCRIPTION DB_INSTANCE_IDENTIFIER RDS_STACK_NAME \
  RDS_CA_BUNDLE PGPASSFILE CRUDDUR_MY_IP_URL
export RDS_POLL_SECONDS=1 RDS_WAIT_SECONDS=120
# Lower-case, unique per run: names never collide with earlier runs against the same moto.
RUN_ID="$(printf '%x%04x' "$$" "$RANDOM")"

REAL_AWS="$(command -v aws)" || fail "the aws CLI is not installed"
ARGV_LOG="$WORK/aws-argv.log"

# Puts first on PATH an `aws` that appends its arguments to $ARGV_LOG, then runs the real CLI; a
# test reads the log to check what reached the command line (never a password).
use_recording_aws() {
  cat >"$WORK/shim/aws" <<SHIM
#!/usr/bin/env bash
printf '%s\n' "\$*" >>'$ARGV_LOG'
exec '$REAL_AWS' "\$@"
SHIM
  chmod +x "$WORK/shim/aws"
  export PATH="$WORK/shim:$PATH"
}

# The aws CLI against moto, for set-up and read-back (not through the scripts under test).
moto_aws() {
  "$REAL_AWS" --endpoint-url "$CRUDDUR_TEST_MOTO_URL" "$@"
}

assert_eq() {
  [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"
}

assert_contains() {
  [[ "$1" == *"$2"* ]] || fail "$3: '$2' not found in: $1"
}

assert_not_contains() {
  [[ "$1" != *"$2"* ]] || fail "$3: '$2' must not appear"
}

# Creates in moto a VPC with two subnets in two availability zones of the current region and sets
# VPC_ID and SUBNET_IDS (comma-separated).
make_network() {
  local region="$AWS_DEFAULT_REGION" s1 s2
  VPC_ID="$(moto_aws ec2 create-vpc --cidr-block 10.42.0.0/16 --query Vpc.VpcId --output text)"
  s1="$(moto_aws ec2 create-subnet --vpc-id "$VPC_ID" --cidr-block 10.42.1.0/24 \
    --availability-zone "${region}a" --query Subnet.SubnetId --output text)"
  s2="$(moto_aws ec2 create-subnet --vpc-id "$VPC_ID" --cidr-block 10.42.2.0/24 \
    --availability-zone "${region}b" --query Subnet.SubnetId --output text)"
  SUBNET_IDS="$s1,$s2"
}

# check_instance ID WHAT FIELD=VALUE...: one describe of RDS instance ID in moto, then each field
# (a jq path such as Endpoint.Port; booleans read true/false) must have its value.
check_instance() {
  local id="$1" what="$2" json pair
  shift 2
  json="$(moto_aws rds describe-db-instances --db-instance-identifier "$id" \
    --query 'DBInstances[0]' --output json)" || fail "could not describe $id"
  for pair in "$@"; do
    assert_eq "$(jq -r ".${pair%%=*}" <<<"$json")" "${pair#*=}" "${pair%%=*} $what"
  done
}
