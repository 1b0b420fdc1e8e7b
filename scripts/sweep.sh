#!/usr/bin/env bash
# make sweep: seed sweeps of each flavor and size in a release build. A failing seed stops the
# run with its replay command; each clean sweep's summary line is recorded in the "Seed sweeps"
# section of bench/latest.md (a row per flavor and size, replaced by the next run of the same).
set -euo pipefail
quorum="$1" seeds="$2" duration="$3"
flavors="${FLAVORS:-legacy modern}" members="${MEMBERS:-3 5 7}"
for flavor in $flavors; do
    for m in $members; do
        echo "$flavor, members $m:"
        summary="$("$quorum" simulate --flavor "$flavor" --members "$m" --seeds "$seeds" --duration "$duration" | tee /dev/stderr | tail -n 1)"
        python3 scripts/record-sweep.py bench/latest.md "$flavor" "$m" "$seeds" "$duration" "$summary" "$(nproc)"
    done
done
