#!/usr/bin/env bash
# rds-create, rds-status, rds-stop and rds-start against moto_server: the original's settings and
# overrides reach RDS, the password never reaches a command line or the output, stop/start work.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_moto
use_recording_aws
export AWS_DEFAULT_REGION=us-east-1

# shellcheck disable=SC2016 # a literal dollar sign in the password
password='T3st\pa$$w0rd!'
id="cruddur-db-$RUN_ID"

describe() {
  moto_aws rds describe-db-instances --db-instance-identifier "$1" --query "DBInstances[0].$2" --output text
}

# The original's call, password from DB_PASSWORD, no terminal.
out="$(DB_PASSWORD="$password" "$BIN/rds-create" --id "$id" </dev/null 2>&1)" || fail "rds-create failed: $out"
assert_contains "$out" "$id" "rds-create output"
assert_not_contains "$out" "$password" "rds-create output"
expected=(
  "DBInstanceClass=db.t3.micro" "Engine=postgres" "EngineVersion=14.6" "MasterUsername=cruddurroot"
  "AllocatedStorage=20" "StorageType=gp2" "AvailabilityZone=us-east-1a" "BackupRetentionPeriod=0"
  "Endpoint.Port=5432" "MultiAZ=false" "DBName=cruddur" "PubliclyAccessible=true"
  "StorageEncrypted=true" "DeletionProtection=false"
)
check_instance "$id" "of the original's instance" "${expected[@]}"
pass "rds-create repeats the original's settings"

argv="$(cat "$ARGV_LOG")"
assert_contains "$argv" "create-db-instance" "recorded aws calls"
assert_contains "$argv" "--cli-input-json file://" "recorded aws calls"
assert_not_contains "$argv" "$password" "aws command lines"
assert_eq "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "files left in TMPDIR (the password file)"
pass "the password went through a private file that is gone, never through argv or output"

# Every value overridable.
id2="cruddur-db2-$RUN_ID"
DB_PASSWORD="$password" "$BIN/rds-create" --id "$id2" --class db.t3.small --engine-version 15.4 \
  --username admin1 --storage 30 --storage-type gp3 --backup-retention 3 --port 5433 \
  --db-name other --multi-az --no-public --no-encrypted --no-performance-insights \
  --deletion-protection </dev/null >/dev/null 2>&1 || fail "rds-create with overrides failed"
expected=(
  "DBInstanceClass=db.t3.small" "EngineVersion=15.4" "MasterUsername=admin1" "AllocatedStorage=30"
  "StorageType=gp3" "BackupRetentionPeriod=3" "Endpoint.Port=5433" "MultiAZ=true" "DBName=other"
  "PubliclyAccessible=false" "StorageEncrypted=false" "DeletionProtection=true"
)
check_instance "$id2" overridden "${expected[@]}"
pass "every value of rds-create can be overridden"

# The password asked for on a terminal (twice, not echoed) when DB_PASSWORD is unset. `script`
# gives rds-create a pseudo-terminal; each answer is typed once its prompt has appeared.
id3="cruddur-db3-$RUN_ID"
printf -v command '%q --id %q' "$BIN/rds-create" "$id3"
mkfifo "$WORK/keyboard"
script -qfec "$command" "$WORK/typescript" <"$WORK/keyboard" >/dev/null 2>&1 &
script_pid=$!
exec 3>"$WORK/keyboard"
type_after_prompt() {
  local tries=0
  until [[ "$(grep -o -c "$1" "$WORK/typescript" 2>/dev/null)" -ge "$2" ]]; do
    ((++tries < 600)) || fail "no prompt '$1' on the terminal"
    sleep 0.1
  done
  sleep 0.5
  printf '%s\n' "$password" >&3
}
type_after_prompt "Master password" 1
type_after_prompt "Master password again" 1
exec 3>&-
wait "$script_pid" || fail "rds-create with a prompt failed: $(cat "$WORK/typescript")"
typescript="$(cat "$WORK/typescript")"
assert_not_contains "$typescript" "$password" "terminal output (the password is not echoed)"
assert_eq "$(describe "$id3" DBInstanceStatus)" available "status of the instance made after the prompt"
pass "the password is read from the terminal without echo"

# Status, stop, start.
status_of() {
  "$BIN/rds-status" --id "$id" | awk '$1 == "status" { print $2 }'
}
out="$("$BIN/rds-status" --id "$id")"
assert_eq "$(status_of)" available "status after create"
assert_contains "$out" "endpoint  $(describe "$id" Endpoint.Address):5432" "rds-status endpoint"

"$BIN/rds-stop" --id "$id" --wait 2>/dev/null >/dev/null || fail "rds-stop failed"
assert_eq "$(describe "$id" DBInstanceStatus)" stopped "RDS status after rds-stop"
assert_eq "$(status_of)" stopped "rds-status after rds-stop"
out="$("$BIN/rds-stop" --id "$id" 2>&1)" || fail "rds-stop of a stopped instance failed: $out"
assert_contains "$out" "already stopped" "second rds-stop"
if out="$(DB_INSTANCE_IDENTIFIER="$id" "$BIN/rds-status" 2>&1)"; then
  assert_contains "$out" "status    stopped" "rds-status through DB_INSTANCE_IDENTIFIER"
else
  fail "rds-status through DB_INSTANCE_IDENTIFIER failed: $out"
fi
pass "rds-stop stops the instance, and is a no-op when it is stopped"

"$BIN/rds-start" --id "$id" --wait 2>/dev/null >/dev/null || fail "rds-start failed"
assert_eq "$(describe "$id" DBInstanceStatus)" available "RDS status after rds-start"
assert_eq "$(status_of)" available "rds-status after rds-start"
out="$("$BIN/rds-start" --id "$id" 2>&1)" || fail "rds-start of an available instance failed: $out"
assert_contains "$out" "already available" "second rds-start"
pass "rds-start starts the instance, and is a no-op when it is available"

if out="$("$BIN/rds-status" --id "missing-$RUN_ID" 2>&1)"; then
  fail "rds-status of a missing instance succeeded: $out"
fi
assert_contains "$out" "not found" "rds-status of a missing instance"
pass "rds-status fails for a missing instance"

for instance in "$id" "$id2" "$id3"; do
  moto_aws rds delete-db-instance --db-instance-identifier "$instance" --skip-final-snapshot >/dev/null 2>&1 || true
done
