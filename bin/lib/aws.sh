# shellcheck shell=bash
# Shared helpers of the bin/rds-* scripts: messages, the aws CLI wrapper (endpoint override for
# CLI v1 and v2), IPv4 checks and detection, password input and JSON/URL encoding.
# Sourced, never run; it only defines functions and does not change shell options.

# Name of the running script, for messages.
CRUDDUR_PROG="${0##*/}"

# Prints `== <label>` in cyan on stderr (stdout stays free for a script's result).
cruddur_header() {
  if [[ -t 2 ]]; then
    printf '\033[1;36m== %s\033[0m\n' "$1" >&2
  else
    printf '== %s\n' "$1" >&2
  fi
}

# Prints a message on stderr.
cruddur_info() {
  printf '%s: %s\n' "$CRUDDUR_PROG" "$*" >&2
}

# Prints an error on stderr and exits 1.
cruddur_die() {
  printf '%s: error: %s\n' "$CRUDDUR_PROG" "$*" >&2
  exit 1
}

# Prints a usage error on stderr and exits 2.
cruddur_usage_error() {
  printf '%s: usage error: %s (see --help)\n' "$CRUDDUR_PROG" "$*" >&2
  exit 2
}

# Fails unless option $1 has a value ($2 is the number of remaining arguments including it).
cruddur_need_value() {
  if (($2 < 2)); then
    cruddur_usage_error "$1 needs a value"
  fi
}

# Runs the aws CLI for service $1 with the remaining arguments. An endpoint override in
# AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL is passed on as --endpoint-url, because aws CLI v1
# ignores those variables (v2 reads them itself; passing the flag as well is harmless). The pager of
# CLI v2 is turned off so scripts never wait on `less`.
cruddur_aws() {
  local service="$1"
  shift
  # Service-specific variables are named as aws CLI v2 names them (from the service id).
  local var
  case "$service" in
    secretsmanager) var=AWS_ENDPOINT_URL_SECRETS_MANAGER ;;
    *) var="AWS_ENDPOINT_URL_${service^^}" ;;
  esac
  local endpoint="${!var:-${AWS_ENDPOINT_URL:-}}"
  local -a args=()
  if [[ -n "$endpoint" ]]; then
    args=(--endpoint-url "$endpoint")
  fi
  command -v aws >/dev/null 2>&1 || cruddur_die "the aws CLI is not installed (v1 or v2 is needed)"
  AWS_PAGER="" aws "${args[@]}" "$service" "$@"
}

# True if $1 is a dotted-quad IPv4 address (0-255 each, no leading zeros, nothing else).
cruddur_is_ipv4() {
  local ip="$1" octet
  local re='^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$'
  [[ "$ip" =~ $re ]] || return 1
  for octet in "${BASH_REMATCH[@]:1}"; do
    ((octet <= 255)) || return 1
  done
}

# True if $1 is an IPv4 CIDR (address/0-32).
cruddur_is_ipv4_cidr() {
  local cidr="$1"
  [[ "$cidr" == */* ]] || return 1
  local prefix="${cidr##*/}"
  [[ "$prefix" =~ ^(0|[1-9][0-9]?)$ ]] && ((prefix <= 32)) && cruddur_is_ipv4 "${cidr%/*}"
}

# Prints this machine's public IPv4 address: GITPOD_IP, else MY_IP, else asks the public service in
# CRUDDUR_MY_IP_URL (default https://checkip.amazonaws.com, AWS's own). Dies unless it is IPv4.
cruddur_my_ip() {
  local ip source
  if [[ -n "${GITPOD_IP:-}" ]]; then
    ip="$GITPOD_IP" source="GITPOD_IP"
  elif [[ -n "${MY_IP:-}" ]]; then
    ip="$MY_IP" source="MY_IP"
  else
    local url="${CRUDDUR_MY_IP_URL:-https://checkip.amazonaws.com}"
    command -v curl >/dev/null 2>&1 || cruddur_die "set MY_IP (curl is missing, so it cannot be detected)"
    ip="$(curl -fsS --max-time 10 "$url")" || cruddur_die "could not detect the public IP from $url; set MY_IP"
    ip="${ip//[$'\r\n\t ']/}"
    source="$url"
  fi
  cruddur_is_ipv4 "$ip" || cruddur_die "$source is not an IPv4 address: '$ip' (expected e.g. 203.0.113.7)"
  printf '%s\n' "$ip"
}

# Checks a master password against RDS's rules for PostgreSQL: 8-128 printable ASCII characters
# except / @ " and space. Never prints the password.
cruddur_check_password() {
  local pw="$1" outside_visible_ascii='[^!-~]' LC_ALL=C
  ((${#pw} >= 8 && ${#pw} <= 128)) || cruddur_die "the password must have 8 to 128 characters"
  if [[ "$pw" =~ $outside_visible_ascii || "$pw" == *[/@\"]* ]]; then
    cruddur_die "the password may contain only printable ASCII characters other than / @ \" and space"
  fi
}

# Sets the variable named $1 to the master password: from DB_PASSWORD, else read without echo from
# the terminal (asked twice when $2 is "confirm"). Dies when neither is available.
cruddur_read_password() {
  local -n out="$1"
  local pw again
  if [[ -n "${DB_PASSWORD:-}" ]]; then
    pw="$DB_PASSWORD"
  elif [[ -t 0 ]]; then
    IFS= read -rs -p "Master password: " pw
    printf '\n' >&2
    if [[ "${2:-}" == confirm ]]; then
      IFS= read -rs -p "Master password again: " again
      printf '\n' >&2
      [[ "$pw" == "$again" ]] || cruddur_die "the passwords differ"
    fi
  else
    cruddur_die "no password: set DB_PASSWORD or run from a terminal to be asked"
  fi
  cruddur_check_password "$pw"
  # shellcheck disable=SC2034 # out is a nameref to the caller's variable
  out="$pw"
}

# Prints $1 as a JSON string literal (with quotes), using builtins only so a secret never becomes
# a process argument.
cruddur_json_string() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"
  s="${s//$'\r'/\\r}"
  s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# Prints $1 percent-encoded for a URL component; unreserved characters (and / when $2 is "path")
# stay as they are. Builtins only.
cruddur_url_encode() {
  local s="$1" keep='-a-zA-Z0-9._~' out="" c i
  [[ "${2:-}" == path ]] && keep+='/'
  local LC_ALL=C
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    if [[ "$c" == [$keep] ]]; then
      out+="$c"
    else
      printf -v c '%%%02X' "'$c"
      out+="$c"
    fi
  done
  printf '%s' "$out"
}

# Makes a private (0700) temporary directory, removed when the script exits, and prints its path.
# Call it in the main shell (not in $(...)) through: cruddur_private_dir DIR_VARIABLE.
cruddur_private_dir() {
  local -n dir_out="$1"
  dir_out="$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/cruddur.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf -- '$dir_out'" EXIT
}

# Prints the status of RDS instance $1 (available, stopped, starting ...).
cruddur_rds_status() {
  cruddur_aws rds describe-db-instances --db-instance-identifier "$1" \
    --query 'DBInstances[0].DBInstanceStatus' --output text
}

# Polls RDS instance $1 until its status is $2, every RDS_POLL_SECONDS (15) for at most
# RDS_WAIT_SECONDS (1800). Works with aws CLI v1, which has no db-instance-stopped waiter.
cruddur_rds_wait_for() {
  local id="$1" want="$2" status
  local interval="${RDS_POLL_SECONDS:-15}" limit="${RDS_WAIT_SECONDS:-1800}"
  local deadline=$((SECONDS + limit))
  while true; do
    status="$(cruddur_rds_status "$id")"
    [[ "$status" == "$want" ]] && return 0
    ((SECONDS < deadline)) || cruddur_die "$id is still $status after ${limit}s (waiting for $want)"
    cruddur_info "$id is $status; waiting for $want"
    sleep "$interval"
  done
}

# Parses the options shared by rds-start, rds-stop and rds-status into the caller's variables
# `id` and `wait`, calling the caller's `usage` for --help.
# shellcheck disable=SC2034 # id and wait belong to the caller
cruddur_parse_instance_options() {
  while (($# > 0)); do
    case "$1" in
      --id) cruddur_need_value "$1" $#; id="$2"; shift ;;
      --wait) wait=true ;;
      -h | --help) usage; exit 0 ;;
      *) cruddur_usage_error "unknown argument: $1" ;;
    esac
    shift
  done
}

# Fills the associative array named $2 with the outputs of CloudFormation stack $1
# (OutputKey -> OutputValue). Dies when the stack does not exist.
# shellcheck disable=SC2034 # outputs_out is a nameref to the caller's array
cruddur_read_stack_outputs() {
  local stack="$1" key value
  local -n outputs_out="$2"
  local text
  text="$(cruddur_aws cloudformation describe-stacks --stack-name "$stack" \
    --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text)" ||
    cruddur_die "could not read the outputs of stack $stack"
  while IFS=$'\t' read -r key value; do
    [[ -n "$key" && "$key" != None ]] && outputs_out["$key"]="$value"
  done <<<"$text"
  return 0
}

# Prints the id of the inbound CIDR rule of security group $1 that opens port $2 (rules whose
# source is another security group, such as the Lambda's, are not it). Used when a stack has no
# SecurityGroupRuleId output: emulators such as moto cannot resolve Fn::GetAtt
# AWS::EC2::SecurityGroupIngress.Id, and older stacks may lack the output.
cruddur_find_ingress_rule() {
  local ids
  ids="$(cruddur_aws ec2 describe-security-group-rules --filters "Name=group-id,Values=$1" \
    --query "SecurityGroupRules[?IsEgress==\`false\` && FromPort==\`$2\` && CidrIpv4!=null].SecurityGroupRuleId" \
    --output text)"
  [[ -n "$ids" && "$ids" != None && "$ids" != *[[:space:]]* ]] ||
    cruddur_die "expected one inbound IPv4 CIDR rule on port $2 in $1, found: ${ids:-none}"
  printf '%s\n' "$ids"
}
