# Shell functions shared by the bench/*/run scripts (sourced; they define `die` first).
# shellcheck shell=bash

# A loopback port nobody listens on (the caller binds it right after).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "no free loopback port found"
}

# A wrk latency figure ("812.00us", "3.41ms", "1.02s") in milliseconds.
to_ms() {
  awk -v t="$1" 'BEGIN {
    v = t + 0
    if (t ~ /us$/) v /= 1000; else if (t ~ /ms$/) v += 0; else if (t ~ /m$/) v *= 60000;
    else if (t ~ /s$/) v *= 1000
    printf "%.2f", v
  }'
}

wrk_field() {
  case "$1" in
    rps) awk '/^Requests\/sec:/ {printf "%.1f", $2}' "$2" ;;
    count) awk '/ requests in / {print $1}' "$2" ;;
    p50) to_ms "$(awk '$1 == "50%" {print $2}' "$2")" ;;
    p99) to_ms "$(awk '$1 == "99%" {print $2}' "$2")" ;;
    non2xx) awk '/Non-2xx or 3xx responses:/ {n = $NF} END {print n + 0}' "$2" ;;
    errors) awk '/Socket errors:/ {s = $0} END {print (s == "" ? "none" : s)}' "$2" ;;
  esac
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
