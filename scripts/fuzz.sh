#!/usr/bin/env bash
# Builds the libFuzzer targets (filter parser, PATCH decoder/engine) from the SCIM module's sources and runs each
# for a while. Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]  (default 30). Exits non-zero if any input crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
out=.build-fuzz
mkdir -p "$out"
for target in Filter Patch; do
  bin="$out/fuzz-$(echo "$target" | tr 'A-Z' 'a-z')"
  rm -f "$bin"
  swiftc -sanitize=fuzzer,address -parse-as-library -module-name SCIM -package-name Roster -O -g \
    Sources/SCIM/*.swift "Fuzz/${target}Fuzz.swift" -o "$bin" 2>&1 | grep -v "Cannot export local symbol" || true
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  if [ "$target" = Filter ]; then
    printf '%s' 'userName eq "bjensen"' > "$corpus/seed1"
    printf '%s' 'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]' > "$corpus/seed2"
    printf '%s' 'not (meta.lastModified gt "2011-05-13T04:42:34Z") and title pr' > "$corpus/seed3"
  else
    find Tests/SCIMTests/Fixtures -name '*.json' | head -40 | while read -r f; do
      python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d.get("request", d); print(json.dumps(r))' "$f" \
        > "$corpus/$(basename "$f")" 2>/dev/null || true
    done
  fi
  echo "fuzzing $target for ${seconds}s"
  "$bin" "$corpus" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$out/" -print_final_stats=1 2>&1 | tail -12
done
