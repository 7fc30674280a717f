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
# Usage: benches/instructions.sh   (needs valgrind; under a minute once built)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is needed (apt install valgrind)" >&2; exit 1; }

few=1000
many=3000
cargo build --quiet --release -p fitbit-benches --example instructions_per_request
binary="${CARGO_TARGET_DIR:-target}/release/examples/instructions_per_request"

# Instructions of a whole run of `case` with `requests` requests.
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 |
        awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}

per_request() {
    local a b
    a=$(instructions "$1" "$few")
    b=$(instructions "$1" "$many")
    echo $(((b - a) / (many - few)))
}

floor=$(per_request plain_reqwest)
echo "instructions per request (user space, one thread; ratio to plain_reqwest):"
printf '  %-22s %7d\n' plain_reqwest "$floor"
for case in plain_reqwest_typed fitbit_api_session; do
    count=$(per_request "$case")
    awk -v name="$case" -v n="$count" -v f="$floor" \
        'BEGIN { printf "  %-22s %7d  %.3f×  (%+d)\n", name, n, n / f, n - f }'
done
