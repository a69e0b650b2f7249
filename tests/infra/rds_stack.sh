#!/usr/bin/env bash
# rds-deploy, rds-connection-url and rds-update-sg-rule on the stack of infra/rds.yaml, against
# moto_server: the stack comes up with the original's settings in our VPC, the password lives only
# in Secrets Manager, the printed DB_SG_ID / DB_SG_RULE_ID drive the rule update, and the URL
# verifies TLS and carries no password unless asked.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_moto
use_recording_aws
export AWS_DEFAULT_REGION=eu-west-1

# moto 5 cannot resolve Fn::GetAtt AWS::EC2::SecurityGroupIngress.Id (real CloudFormation can) and
# then drops every output of the stack, so moto gets a copy of the template without that one output;
# rds-deploy then finds the rule id itself. The real template is linted by the cfn_lint test.
template="$WORK/rds-for-moto.yaml"
sed '/^  SecurityGroupRuleId:$/,+2d' "$REPO_ROOT/infra/rds.yaml" >"$template"
grep -q 'DevIngressRule.Id' "$template" && fail "the moto copy of the template still has the rule id output"
grep -q 'SecurityGroupId:' "$template" || fail "the moto copy of the template lost other outputs"

make_network
stack="cruddur-rds-$RUN_ID"
id="cruddur-db-$RUN_ID"
# shellcheck disable=SC2016 # a literal dollar sign in the password
password='St4ck:pa$$w%rd\x'

exports="$(DB_PASSWORD="$password" MY_IP=198.51.100.23 "$BIN/rds-deploy" --stack-name "$stack" \
  --template "$template" --vpc-id "$VPC_ID" --subnet-ids "$SUBNET_IDS" \
  --param "DBInstanceIdentifier=$id" --param AvailabilityZone=eu-west-1a </dev/null 2>"$WORK/deploy.err")" ||
  fail "rds-deploy failed: $(cat "$WORK/deploy.err")"
assert_not_contains "$exports$(cat "$WORK/deploy.err")" "$password" "rds-deploy output"
export_lines='^export DB_SG_ID=sg-[0-9a-f]+'$'\n''export DB_SG_RULE_ID=sgr-[0-9a-f]+$'
[[ "$exports" =~ $export_lines ]] ||
  fail "rds-deploy did not print the two export lines: $exports"
eval "$exports"

stack_output() {
  moto_aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
assert_eq "$(moto_aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].StackStatus' --output text)" \
  CREATE_COMPLETE "stack status"
assert_eq "$DB_SG_ID" "$(stack_output SecurityGroupId)" "DB_SG_ID against the stack output"
describe() {
  moto_aws rds describe-db-instances --db-instance-identifier "$id" --query "DBInstances[0].$1" --output text
}
expected=(
  "DBInstanceClass=db.t3.micro" "Engine=postgres" "EngineVersion=14.6" "MasterUsername=cruddurroot"
  "AllocatedStorage=20" "StorageType=gp2" "BackupRetentionPeriod=0" "Endpoint.Port=5432"
  "MultiAZ=false" "DBName=cruddur" "PubliclyAccessible=true" "StorageEncrypted=true"
  "DeletionProtection=false" "AvailabilityZone=eu-west-1a" "DBInstanceStatus=available"
  "DBSubnetGroup.VpcId=$VPC_ID"
)
# Not checked: which security group the instance has. moto 5 reads the instance's groups from a
# property named VpcSecurityGroupIds, while CloudFormation (and cfn-lint) know only
# VPCSecurityGroups, so under moto the instance keeps its VPC's default group.
check_instance "$id" "of the stack's instance" "${expected[@]}"
subnets="$(describe 'DBSubnetGroup.Subnets[].SubnetIdentifier' | tr '\t' '\n' | sort | paste -sd,)"
assert_eq "$subnets" "$(tr ',' '\n' <<<"$SUBNET_IDS" | sort | paste -sd,)" "subnets of the DB subnet group"
assert_eq "$(stack_output Endpoint)" "$(describe Endpoint.Address)" "Endpoint output"
assert_eq "$(stack_output Port)" 5432 "Port output"
pass "the stack holds the original's instance in its subnet group of our VPC"

rule() {
  moto_aws ec2 describe-security-group-rules --security-group-rule-ids "$1" \
    --query 'SecurityGroupRules[0].[GroupId,CidrIpv4,IpProtocol,FromPort,ToPort,Description]' --output text
}
assert_eq "$(rule "$DB_SG_RULE_ID")" "$DB_SG_ID"$'\t198.51.100.23/32\ttcp\t5432\t5432\tGitpod' "the stack's rule"
pass "DB_SG_RULE_ID names the stack's rule for MY_IP/32 on 5432"

# The Lambda stack adds a rule on the same port whose source is its own security group; the
# rule-id lookup rds-deploy falls back on must still find only the developer's CIDR rule.
lambda_sg="$(moto_aws ec2 create-security-group --group-name "lambda-$RUN_ID" --description lambda \
  --vpc-id "$VPC_ID" --query GroupId --output text)"
moto_aws ec2 authorize-security-group-ingress --group-id "$DB_SG_ID" --protocol tcp --port 5432 \
  --source-group "$lambda_sg" >/dev/null
found="$(bash -c 'source "$1/lib/aws.sh"; cruddur_find_ingress_rule "$2" 5432' _ "$BIN" "$DB_SG_ID")" ||
  fail "the rule lookup failed beside the Lambda's rule"
assert_eq "$found" "$DB_SG_RULE_ID" "rule found beside the Lambda's rule"
assert_eq "$(stack_output VpcId)" "$VPC_ID" "VpcId output"
assert_eq "$(stack_output SubnetIds)" "$SUBNET_IDS" "SubnetIds output"
pass "the rule lookup ignores a security-group-sourced rule; VPC and subnets are outputs"

secret="$(stack_output MasterUserSecret)"
secret_json="$(moto_aws secretsmanager get-secret-value --secret-id "$secret" --query SecretString --output text)"
assert_eq "$(jq -r .password <<<"$secret_json")" "$password" "password in the secret"
assert_eq "$(jq -r .username <<<"$secret_json")" cruddurroot "user name in the secret"
argv="$(cat "$ARGV_LOG")"
assert_contains "$argv" "secretsmanager create-secret --cli-input-json file://" "recorded aws calls"
assert_not_contains "$argv" "$password" "aws command lines"
parameters="$(moto_aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Parameters' --output json)"
assert_not_contains "$parameters" "St4ck" "stack parameters"
assert_eq "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "files left in TMPDIR"
pass "the password is only in Secrets Manager: not in parameters, argv, output or files left behind"

# The rule update with what rds-deploy printed.
MY_IP=203.0.113.44 "$BIN/rds-update-sg-rule" >/dev/null 2>&1 || fail "rds-update-sg-rule on the stack's rule failed"
assert_eq "$(rule "$DB_SG_RULE_ID")" "$DB_SG_ID"$'\t203.0.113.44/32\ttcp\t5432\t5432\tGitpod' "rule after the update"
pass "rds-update-sg-rule moves the stack's rule to the new address"

# PROD_CONNECTION_URL.
host="$(describe Endpoint.Address)"
bundle="$HOME/.postgresql/rds-global-bundle.pem"
url="$("$BIN/rds-connection-url" --stack-name "$stack" 2>/dev/null)" || fail "rds-connection-url failed"
assert_eq "$url" "postgresql://cruddurroot@$host:5432/cruddur?sslmode=verify-full&sslrootcert=$bundle" "URL"
line="$(RDS_CA_BUNDLE="my certs/rds.pem" "$BIN/rds-connection-url" --stack-name "$stack" --export 2>/dev/null)"
assert_eq "$line" "export PROD_CONNECTION_URL='postgresql://cruddurroot@$host:5432/cruddur?sslmode=verify-full&sslrootcert=$PWD/my%20certs/rds.pem'" "--export with a relative bundle path"
url="$("$BIN/rds-connection-url" --stack-name "$stack" --with-password 2>/dev/null)"
assert_eq "$url" "postgresql://cruddurroot:St4ck%3Apa%24%24w%25rd%5Cx@$host:5432/cruddur?sslmode=verify-full&sslrootcert=$bundle" "URL --with-password"
pass "the URL verifies TLS against the RDS bundle and holds the password only with --with-password"

err="$("$BIN/rds-connection-url" --stack-name "$stack" --pgpass 2>&1 >"$WORK/url")" || fail "--pgpass failed: $err"
assert_not_contains "$(cat "$WORK/url")$err" "$password" "--pgpass output"
assert_eq "$(stat -c %a "$HOME/.pgpass")" 600 "mode of .pgpass"
assert_eq "$(cat "$HOME/.pgpass")" "$host:5432:*:cruddurroot:St4ck\\:pa\$\$w%rd\\\\x" "the .pgpass line"
printf 'otherhost:5432:*:someone:keepme\n' >>"$HOME/.pgpass"
"$BIN/rds-connection-url" --stack-name "$stack" --pgpass >/dev/null 2>&1 || fail "second --pgpass failed"
assert_eq "$(grep -c "^$host:5432:\*:cruddurroot:" "$HOME/.pgpass")" 1 "lines for the instance after a second --pgpass"
assert_contains "$(cat "$HOME/.pgpass")" "otherhost:5432:*:someone:keepme" "other .pgpass lines"
pass "--pgpass keeps one private ~/.pgpass line for the instance and leaves the others"

# The instance path (no stack) gives the same URL.
url="$("$BIN/rds-connection-url" --instance "$id" 2>/dev/null)" || fail "rds-connection-url --instance failed"
assert_eq "$url" "postgresql://cruddurroot@$host:5432/cruddur?sslmode=verify-full&sslrootcert=$bundle" "URL from --instance"
pass "rds-connection-url --instance"

# Without --vpc-id / --subnet-ids: the region's default VPC and all its subnets.
default_vpc="$(moto_aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId' --output text)"
default_subnets="$(moto_aws ec2 describe-subnets --filters "Name=vpc-id,Values=$default_vpc" \
  --query 'Subnets[].SubnetId' --output text | tr '\t' '\n' | sort | paste -sd,)"
DB_PASSWORD="$password" MY_IP=198.51.100.24 "$BIN/rds-deploy" --stack-name "$stack-default" \
  --template "$template" --param "DBInstanceIdentifier=$id-default" </dev/null >/dev/null 2>"$WORK/deploy.err" ||
  fail "rds-deploy in the default VPC failed: $(cat "$WORK/deploy.err")"
check_instance "$id-default" "in the default VPC" "DBSubnetGroup.VpcId=$default_vpc"
subnets="$(moto_aws rds describe-db-instances --db-instance-identifier "$id-default" \
  --query 'DBInstances[0].DBSubnetGroup.Subnets[].SubnetIdentifier' --output text | tr '\t' '\n' | sort | paste -sd,)"
assert_eq "$subnets" "$default_subnets" "subnets of the default VPC's DB subnet group"
pass "without --vpc-id the stack goes into the default VPC and all its subnets"

for name in "$stack" "$stack-default"; do
  moto_aws cloudformation delete-stack --stack-name "$name" >/dev/null 2>&1 || true
done
