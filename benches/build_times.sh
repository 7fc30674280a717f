#!/usr/bin/env bash
# Times what criterion cannot: `cargo xtask regen` as maintainers run it (the
# debug binary, through cargo) and the clean debug build of fitbit-api. Each
# is printed as a ratio to a floor timed in the same run, with the medians of
# REPS runs beside it:
#
#   cargo xtask regen --check   / cargo xtask help
#       `--check` does all of regen's work (validate, generate, format, read
#       the checked-in files) and compares instead of writing; the floor is
#       cargo's freshness check and the process start.
#   clean debug build of fitbit-api / clean debug build of fitbit-auth
#       fitbit-auth is the handwritten crate on the same dependencies, so the
#       ratio grows with the generated client, not with the machine.
#
# Usage: benches/build_times.sh [REPS]   (default 3)
# Only fitbit-api's and fitbit-auth's own debug artifacts are cleaned; their
# dependencies are built once, untimed, first.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}

# Seconds taken by a command (its output is discarded; a failure stops the script).
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

echo "warming up (untimed): cargo build -p xtask -p fitbit-api -p fitbit-auth"
cargo build --quiet -p xtask
cargo build --quiet -p fitbit-api
cargo build --quiet -p fitbit-auth

help=() regen=() api=() auth=()
for rep in $(seq "$reps"); do
    echo "run $rep of $reps"
    help+=("$(seconds cargo xtask help)")
    regen+=("$(seconds cargo xtask regen --check)")
    # fitbit-api first: rebuilding fitbit-auth would make fitbit-api's next
    # build rebuild more than fitbit-api.
    cargo clean --quiet -p fitbit-api --profile dev
    api+=("$(seconds cargo build -p fitbit-api)")
    cargo clean --quiet -p fitbit-auth --profile dev
    auth+=("$(seconds cargo build -p fitbit-auth)")
    # Back to a state where fitbit-api is fresh against the new fitbit-auth.
    cargo build --quiet -p fitbit-api
done

help_s=$(median "${help[@]}")
regen_s=$(median "${regen[@]}")
api_s=$(median "${api[@]}")
auth_s=$(median "${auth[@]}")
echo
echo "=== build times ($(nproc) cores, median of $reps; runs: help ${help[*]}; regen ${regen[*]}; fitbit-api ${api[*]}; fitbit-auth ${auth[*]}) ==="
echo "cargo xtask regen --check / cargo xtask help = $(ratio "$regen_s" "$help_s")×   [$regen_s s vs $help_s s]"
regen_met=$(awk -v s="$regen_s" 'BEGIN { print (s < 3) ? "met" : "NOT met" }')
echo "  target regen under 3 s: $regen_met"
echo "clean debug build fitbit-api / fitbit-auth = $(ratio "$api_s" "$auth_s")×   [$api_s s vs $auth_s s]"
