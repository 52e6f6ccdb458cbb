#!/usr/bin/env bash
# Times the SCIM module (optimized, as in a release build) on request bodies of about 1 MiB whose objects have tens
# of thousands of members: reading, normalizing, PATCH decoding and applying, projecting. The target is under 50 ms
# for reading a 1 MiB object. Usage: scripts/bench_many_keys.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-bench
mkdir -p "$out"
swiftc -O -parse-as-library -module-name SCIM -package-name Roster Sources/SCIM/*.swift Bench/ManyKeysBench.swift \
  -lm -o "$out/many-keys"
"$out/many-keys"
