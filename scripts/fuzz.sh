#!/usr/bin/env bash
# Runs each fuzz target under libFuzzer for a bounded time: `make fuzz FUZZ_SECONDS=600`.
# Inputs that crash are written to fuzz-artifacts/<target>/; copy them into Fixtures/fuzz/<target>/
# (named reject-… if the target should refuse them) so FuzzTargetsTests replays them for ever.
set -euo pipefail
seconds="${FUZZ_SECONDS:-60}"
targets="${FUZZ_TARGETS:-bson archive scenario mongo-wire dqlite-wire}"
swift="${SWIFT:-swift}"
flags=(-c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING)
export SWIFT_BACKTRACE=enable=no

build_log="$(mktemp)"
if ! "$swift" build "${flags[@]}" --product quorum-fuzz >"$build_log" 2>&1; then
    grep -E "error" "$build_log" | head -20
    echo "error: quorum-fuzz did not build"
    exit 1
fi
rm -f "$build_log"
bin="$("$swift" build "${flags[@]}" --show-bin-path)"

status=0
for target in $targets; do
    corpus="$(mktemp -d)"
    trap 'rm -rf "$corpus"' EXIT
    cp -R "Fixtures/fuzz/$target/." "$corpus/"
    mkdir -p "fuzz-artifacts/$target"
    log="fuzz-artifacts/$target/last-run.log"
    echo "$target: ${seconds}s"
    if QUORUM_FUZZ_TARGET="$target" "$bin/quorum-fuzz" "$corpus" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
        -artifact_prefix="fuzz-artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed 's/^/  /'
        echo "  no crash; corpus grew to $(ls "$corpus" | wc -l) inputs"
    else
        echo "  CRASH: see $log and fuzz-artifacts/$target/"
        status=1
    fi
    rm -rf "$corpus"
    trap - EXIT
done
exit $status
