#!/usr/bin/env bash
# Part 2 in instructions rather than time: how many instructions one request
# costs in user space, for plain reqwest (the floor), plain reqwest plus the
# typed decode, and the session client, counted by valgrind's callgrind on
# one thread (examples/instructions_per_request.rs). Each case runs at two
# request counts and the difference is divided by the difference in
# requests, so start-up (reqwest loading certificates, the runtime) drops
# out. The count does not move with the machine's load; the kernel's share
# of a request (the socket calls, the same for every case) is not counted.
#
# With --cache, cachegrind also simulates this machine's first-level caches
# (and a simple branch predictor) and prints their misses per request: the
# cost that time shows and instruction counts do not. Simulated, without
# the hardware's prefetchers, so compare the cases, not the absolute figures.
#
# Usage: benches/instructions.sh [--cache]   (needs valgrind; under a minute
# once built)
set -euo pipefail
shopt -s inherit_errexit
trap 'echo "benches/instructions.sh: a run failed; run the example by hand to see why" >&2' ERR
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is needed (apt install valgrind)" >&2; exit 1; }
cache=false
case "${1:-}" in
    "") ;;
    --cache) cache=true ;;
    *) echo "usage: benches/instructions.sh [--cache]" >&2; exit 2 ;;
esac

few=1000
many=3000
cargo build --quiet --release -p fitbit-benches --example instructions_per_request
binary="${CARGO_TARGET_DIR:-target}/release/examples/instructions_per_request"

# The counts of a whole run of `case` with `requests` requests: instructions,
# then (with --cache) first-level instruction-cache misses, data-cache read
# and write misses, and mispredicted branches.
counts() {
    if $cache; then
        valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes --cachegrind-out-file=/dev/null \
            "$binary" "$1" "$2" 2>&1 |
            awk '{ gsub(",", "") }
                 /I +refs:/ { ir = $NF }
                 /I1 +misses:/ { i1 = $NF }
                 /D1 +misses:/ { d1r = $(NF - 4); d1w = $(NF - 1) }
                 /Mispredicts:/ { mis = $(NF - 6) }
                 END { print ir, i1, d1r, d1w, mis }'
    else
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 |
            awk '/refs:/ { gsub(",", "", $NF); print $NF }'
    fi
}

# Each count's difference between the two runs, per request.
per_request() {
    local a b
    a=$(counts "$1" "$few")
    b=$(counts "$1" "$many")
    paste -d' ' <(tr ' ' '\n' <<<"$a") <(tr ' ' '\n' <<<"$b") |
        awk -v d=$((many - few)) '{ printf "%d ", ($2 - $1) / d }'
}

if $cache; then
    echo "per request (user space, one thread, simulated caches; ratio of instructions to plain_reqwest):"
    printf '  %-22s %7s %7s %7s %7s %7s %7s\n' case instr ratio I1miss D1rmiss D1wmiss mispred
else
    echo "instructions per request (user space, one thread; ratio to plain_reqwest):"
fi
floor=""
for case in plain_reqwest plain_reqwest_typed fitbit_api_session; do
    counted=$(per_request "$case")
    read -r -a row <<<"$counted"
    floor=${floor:-${row[0]}}
    if $cache; then
        awk -v name="$case" -v n="${row[0]}" -v f="$floor" -v rest="${row[*]:1}" \
            'BEGIN { split(rest, r, " "); printf "  %-22s %7d %6.3f× %7d %7d %7d %7d\n", name, n, n / f, r[1], r[2], r[3], r[4] }'
    else
        awk -v name="$case" -v n="${row[0]}" -v f="$floor" \
            'BEGIN { printf "  %-22s %7d  %.3f×  (%+d)\n", name, n, n / f, n - f }'
    fi
done
