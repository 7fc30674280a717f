#!/usr/bin/env python3
"""Python's side of the intraday decode bench: json.loads of a file's bytes.

Usage: python_json_loads.py PATH [ROUNDS]

Reads PATH once, then prints the fastest of ROUNDS (default 20) runs of
json.loads on its bytes, in seconds. `cargo bench -p fitbit-benches --bench
intraday_decode` writes the real-shaped day to target/ and runs this on the
same bytes, in the same run.
"""

import json
import sys
import time


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as payload:
        data = payload.read()
    rounds = int(sys.argv[2]) if len(sys.argv) == 3 else 20
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        json.loads(data)
        best = min(best, time.perf_counter() - started)
    print(f"{best:.9f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
