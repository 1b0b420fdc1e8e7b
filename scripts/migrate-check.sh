#!/usr/bin/env bash
# make migrate-check: the large round trips of migrate-backup, on generated archives.
#   legacy (1.25 layout) → modern → legacy, and modern → legacy → modern, each step with --verify,
#   then the files inside the first and the last archive compared byte for byte.
# Usage: scripts/migrate-check.sh QUORUM_BINARY [DOCUMENTS]
set -euo pipefail
quorum="$1"
docs="${2:-1000000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/quorum-migrate-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

for flavor in legacy modern; do
    extra=()
    [ "$flavor" = legacy ] && extra=(--agent-version 1.25.6)
    "$quorum" fixtures generate --flavor "$flavor" "${extra[@]}" --machines 100 --units 300 --docs "$docs" --seed 1 -o "$work/a.tar.gz"
    start=$(date +%s.%N)
    "$quorum" migrate-backup "$work/a.tar.gz" -o "$work/b.tar.gz" --verify | tail -2
    "$quorum" migrate-backup "$work/b.tar.gz" -o "$work/c.tar.gz" --verify | tail -2
    end=$(date +%s.%N)
    mkdir "$work/first" "$work/last"
    tar xzf "$work/a.tar.gz" -C "$work/first"
    tar xzf "$work/c.tar.gz" -C "$work/last"
    if diff -r "$work/first" "$work/last" > /dev/null; then
        printf '%s → %s → %s, %s documents: equal (every file inside byte for byte), %.1f s\n' \
            "$flavor" "$([ "$flavor" = legacy ] && echo modern || echo legacy)" "$flavor" "$docs" "$(awk "BEGIN { print $end - $start }")"
    else
        echo "$flavor round trip of $docs documents: DIFFERENT" >&2
        diff -rq "$work/first" "$work/last" >&2 || true
        exit 1
    fi
    rm -rf "$work"/*
done
