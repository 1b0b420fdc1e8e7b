#!/usr/bin/env bash
# The guided tour on the embedded sim runtime: every step is printed before it runs.
set -euo pipefail
quorum="$1"
export QUORUM_HOME="${QUORUM_HOME:-$(pwd)/.build/demo-home}"
rm -rf "$QUORUM_HOME"

step() {
    printf '\n$ quorum %s\n' "$*"
    "$quorum" "$@" 2>&1
}

# Steps that are expected to fail, to show Juju's refusal.
refused() {
    printf '\n$ quorum %s\n' "$*"
    if "$quorum" "$@" 2>&1; then echo "(unexpectedly succeeded)"; exit 1; fi
}

echo "Quorum demo — environments in $QUORUM_HOME"
echo
echo "== Juju 1.20: state servers on a MongoDB-style replica set"
step bootstrap juju120 --flavor legacy --seed 2014 --clock virtual
step ensure-availability
step wait --until 5m
step status
echo
echo "== A backup, taken through the primary while all is well"
step create-backup --filename "$QUORUM_HOME/juju120.tgz"
step verify-backup "$QUORUM_HOME/juju120.tgz"
echo
echo "== A state server dies; ensure-availability replaces it"
step fail 2
step wait --until 2m
step ensure-availability
step wait --until 5m
step ensure-availability
step destroy-machine 2
refused ensure-availability -n 1
echo
echo "== Two of three voters die: no primary, quorum lost"
step fail 1
step fail 3
step wait --until 1m
refused ensure-availability
echo
echo "== Only the backup brings it back: restore into a new environment, then grow it"
step restore-backup "$QUORUM_HOME/juju120.tgz" --into restored --seed 2015 --clock virtual
step ensure-availability -n 3
step wait --until 5m
step status
step debug-log -n 5
echo
echo "== The replica set alone, step by step (a golden scenario script)"
step scenario run Fixtures/scenarios/replset/03-minority-primary-rollback.txt
echo
echo "== Seed sweeps: faults, invariants checked after every event"
step simulate --members 3 --seeds 1..20 --duration 5m
echo
echo "== Dqlite era: a modern controller"
step bootstrap dqlite --flavor modern --seed 2025 --clock virtual
step db-status
step enable-ha -n 5
step wait --until settled --timeout 10m
step advance 1m
step db-status
step fail 0
step wait --until primary
step advance 1m
step db-status
step status -m controller
step environments
step destroy-environment dqlite --yes
