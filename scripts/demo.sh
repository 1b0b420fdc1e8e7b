#!/usr/bin/env bash
# The guided tour on the embedded sim runtime: every step is printed before it runs.
set -euo pipefail
quorum="$1"
export QUORUM_HOME="${QUORUM_HOME:-$(pwd)/.build/demo-home}"
rm -rf "$QUORUM_HOME"

step() {
    printf '\n$ quorum %s\n' "$*"
    "$quorum" "$@"
}

echo "Quorum demo — environments in $QUORUM_HOME"
step bootstrap juju120 --flavor legacy --seed 2014 --clock virtual
step status
step advance 5m
step wait --until settled
step bootstrap dqlite --flavor modern --seed 2025 --clock virtual
step status -m controller
step environments
step switch juju120
step status --format json
step destroy-environment dqlite --yes
step environments
