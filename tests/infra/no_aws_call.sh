#!/usr/bin/env bash
# Invalid input is refused with a clear message before any AWS call: missing DB_SG_ID or
# DB_SG_RULE_ID, malformed IPv4 addresses, a missing or invalid password, bad options. An `aws` that
# only records its calls stands first on PATH, so any call would leave a trace (no AWS is needed).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export AWS_DEFAULT_REGION=eu-central-1
calls="$WORK/aws-calls.log"
cat >"$WORK/shim/aws" <<SHIM
#!/usr/bin/env bash
printf '%s\n' "\$*" >>'$calls'
exit 97
SHIM
chmod +x "$WORK/shim/aws"
export PATH="$WORK/shim:$PATH"

# expect_refusal DESCRIPTION EXIT_CODE MESSAGE -- COMMAND...: the command exits with EXIT_CODE,
# says MESSAGE on stderr and calls no aws.
expect_refusal() {
  local what="$1" code="$2" message="$3" got=0 err
  shift 4
  rm -f -- "$calls"
  err="$("$@" 2>&1 >/dev/null </dev/null)" || got=$?
  assert_eq "$got" "$code" "exit code ($what)"
  assert_contains "$err" "$message" "message ($what)"
  [[ ! -e "$calls" ]] || fail "$what: aws was called: $(cat "$calls")"
  pass "$what: refused with '$message', no AWS call"
}

# Positive control: a valid request does reach the recording aws.
rm -f -- "$calls"
"$BIN/rds-status" --id cruddur-db-instance >/dev/null 2>&1 || true
[[ -s "$calls" ]] || fail "the recording aws saw no call from rds-status: the checks below would prove nothing"
pass "positive control: the recording aws sees calls"

export DB_SG_ID=sg-0123456789abcdef0 DB_SG_RULE_ID=sgr-0123456789abcdef0 MY_IP=203.0.113.7
expect_refusal "missing DB_SG_ID" 1 "DB_SG_ID is not set" -- env -u DB_SG_ID "$BIN/rds-update-sg-rule"
expect_refusal "missing DB_SG_RULE_ID" 1 "DB_SG_RULE_ID is not set" -- env -u DB_SG_RULE_ID "$BIN/rds-update-sg-rule"
expect_refusal "malformed DB_SG_ID" 1 "not a security group id" -- env DB_SG_ID=mysg "$BIN/rds-update-sg-rule"
for ip in 203.0.113 256.1.1.1 203.0.113.7/32 2001:db8::1 localhost 01.2.3.4 " 203.0.113.7" "203.0.113.7 " ""; do
  if [[ -z "$ip" ]]; then
    # An empty MY_IP falls through to detection: point it at a file that holds no address.
    printf 'Service Unavailable\n' >"$WORK/what-is-my-ip"
    expect_refusal "a detected 'Service Unavailable'" 1 "is not an IPv4 address" -- \
      env MY_IP= CRUDDUR_MY_IP_URL="file://$WORK/what-is-my-ip" "$BIN/rds-update-sg-rule"
  else
    expect_refusal "MY_IP='$ip'" 1 "MY_IP is not an IPv4 address" -- env MY_IP="$ip" "$BIN/rds-update-sg-rule"
  fi
done
expect_refusal "malformed GITPOD_IP" 1 "GITPOD_IP is not an IPv4 address" -- \
  env GITPOD_IP=gitpod.local "$BIN/rds-update-sg-rule"
expect_refusal "malformed --ip" 1 "--ip is not an IPv4 address" -- "$BIN/rds-update-sg-rule" --ip 1.2.3.4.5
expect_refusal "bad port" 1 "not a port" -- env DB_PORT=70000 "$BIN/rds-update-sg-rule"
unset DB_SG_ID DB_SG_RULE_ID MY_IP

expect_refusal "rds-create without a password" 1 "no password: set DB_PASSWORD" -- "$BIN/rds-create"
expect_refusal "rds-create with a short password" 1 "8 to 128 characters" -- env DB_PASSWORD=short "$BIN/rds-create"
expect_refusal "rds-create with an @ in the password" 1 "other than / @" -- env DB_PASSWORD='pass@word1' "$BIN/rds-create"
expect_refusal "rds-create with a space in the password" 1 "other than / @" -- env DB_PASSWORD='pass word1' "$BIN/rds-create"
expect_refusal "rds-create with a bad identifier" 2 "invalid instance identifier" -- \
  env DB_PASSWORD=goodpassword "$BIN/rds-create" --id 1db
expect_refusal "rds-create with a bad number" 2 "not a whole number" -- \
  env DB_PASSWORD=goodpassword "$BIN/rds-create" --storage lots
expect_refusal "rds-deploy with a bad CIDR" 1 "not an IPv4 CIDR" -- "$BIN/rds-deploy" --cidr 203.0.113.7
expect_refusal "rds-deploy with a malformed MY_IP" 1 "MY_IP is not an IPv4 address" -- \
  env MY_IP=203.0.113 "$BIN/rds-deploy" --template "$REPO_ROOT/infra/rds.yaml" --stack-name never-made

for script in rds-create rds-deploy rds-start rds-stop rds-status rds-update-sg-rule rds-connection-url; do
  expect_refusal "$script with an unknown option" 2 "unknown argument: --bogus" -- "$BIN/$script" --bogus
  rm -f -- "$calls"
  help="$("$BIN/$script" --help)" || fail "$script --help failed"
  assert_contains "$help" "Usage: $script" "$script --help"
  [[ ! -e "$calls" ]] || fail "$script --help called aws"
done
pass "every script answers --help and refuses unknown options without calling AWS"
