#!/usr/bin/env bash
# rds-update-sg-rule against moto_server: the rule is rewritten to the caller's IPv4/32 (from
# GITPOD_IP, MY_IP, --ip or detection) and reads back changed; other rules stay as they were.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_moto
export AWS_DEFAULT_REGION=us-west-2

make_network
DB_SG_ID="$(moto_aws ec2 create-security-group --group-name "cruddur-db-$RUN_ID" \
  --description "test database group" --vpc-id "$VPC_ID" --query GroupId --output text)"
moto_aws ec2 authorize-security-group-ingress --group-id "$DB_SG_ID" --ip-permissions \
  'IpProtocol=tcp,FromPort=5432,ToPort=5432,IpRanges=[{CidrIp=198.51.100.1/32,Description=Gitpod}]' \
  'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=192.0.2.0/24,Description=ssh}]' >/dev/null
# shellcheck disable=SC2016 # backquotes are JMESPath literals
DB_SG_RULE_ID="$(moto_aws ec2 describe-security-group-rules --filters "Name=group-id,Values=$DB_SG_ID" \
  --query 'SecurityGroupRules[?IsEgress==`false` && FromPort==`5432`].SecurityGroupRuleId' --output text)"
# shellcheck disable=SC2016 # backquotes are JMESPath literals
ssh_rule="$(moto_aws ec2 describe-security-group-rules --filters "Name=group-id,Values=$DB_SG_ID" \
  --query 'SecurityGroupRules[?IsEgress==`false` && FromPort==`22`].SecurityGroupRuleId' --output text)"
export DB_SG_ID DB_SG_RULE_ID

rule() {
  moto_aws ec2 describe-security-group-rules --security-group-rule-ids "$1" \
    --query 'SecurityGroupRules[0].[CidrIpv4,IpProtocol,FromPort,ToPort,Description]' --output text
}
assert_eq "$(rule "$DB_SG_RULE_ID")" $'198.51.100.1/32\ttcp\t5432\t5432\tGitpod' "rule before"

out="$(MY_IP=203.0.113.7 "$BIN/rds-update-sg-rule" 2>/dev/null)" || fail "rds-update-sg-rule failed"
assert_eq "$out" "$DB_SG_RULE_ID allows tcp/5432 from 203.0.113.7/32" "rds-update-sg-rule output"
assert_eq "$(rule "$DB_SG_RULE_ID")" $'203.0.113.7/32\ttcp\t5432\t5432\tGitpod' "rule after MY_IP"
assert_eq "$(rule "$ssh_rule")" $'192.0.2.0/24\ttcp\t22\t22\tssh' "the other rule"
pass "MY_IP: the rule reads back changed, the other rule is untouched"

GITPOD_IP=203.0.113.8 MY_IP=203.0.113.9 "$BIN/rds-update-sg-rule" >/dev/null 2>&1 || fail "with GITPOD_IP"
assert_eq "$(rule "$DB_SG_RULE_ID")" $'203.0.113.8/32\ttcp\t5432\t5432\tGitpod' "rule after GITPOD_IP"
pass "GITPOD_IP wins over MY_IP"

"$BIN/rds-update-sg-rule" --ip 203.0.113.10 --description 'dev laptop, home {wifi}' >/dev/null 2>&1 ||
  fail "with --ip and --description"
assert_eq "$(rule "$DB_SG_RULE_ID")" $'203.0.113.10/32\ttcp\t5432\t5432\tdev laptop, home {wifi}' "rule after --ip"
pass "--ip and a description with commas and braces"

# A service-specific endpoint variable alone (as aws CLI v2 names them) is honoured too.
env -u AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EC2="$CRUDDUR_TEST_MOTO_URL" MY_IP=203.0.113.12 \
  "$BIN/rds-update-sg-rule" >/dev/null 2>&1 || fail "with AWS_ENDPOINT_URL_EC2 only"
assert_eq "$(rule "$DB_SG_RULE_ID")" $'203.0.113.12/32\ttcp\t5432\t5432\tGitpod' "rule after AWS_ENDPOINT_URL_EC2"
pass "AWS_ENDPOINT_URL_EC2 alone reaches moto"

# Detection, pointed at a local file instead of the internet.
printf '203.0.113.11\n' >"$WORK/what-is-my-ip"
CRUDDUR_MY_IP_URL="file://$WORK/what-is-my-ip" "$BIN/rds-update-sg-rule" >/dev/null 2>&1 ||
  fail "with a detected address"
assert_eq "$(rule "$DB_SG_RULE_ID")" $'203.0.113.11/32\ttcp\t5432\t5432\tGitpod' "rule after detection"
pass "the detected address when neither GITPOD_IP nor MY_IP is set"

if out="$(MY_IP=203.0.113.12 DB_SG_RULE_ID=sgr-0123456789abcdef0 "$BIN/rds-update-sg-rule" 2>&1)"; then
  fail "a missing rule id succeeded: $out"
fi
assert_eq "$(rule "$DB_SG_RULE_ID")" $'203.0.113.11/32\ttcp\t5432\t5432\tGitpod' "rule after a failed call"
pass "an unknown rule id fails and changes nothing"
