#!/usr/bin/env bash
# The guided tour of the README ("A guided tour"), on the embedded sim runtime. Every command is
# printed as `$ quorum …` before its output, and scripts/check-tour.py holds the README's
# console blocks to this output (make test runs it). Everything goes to .build/demo: the
# environments (QUORUM_HOME), the backups and the timeline pictures.
set -euo pipefail
quorum="$1"
root="$(pwd)"
demo="$root/.build/demo"
rm -rf "$demo"
mkdir -p "$demo/timelines"
export QUORUM_HOME="$demo/home"
cd "$demo"
# The tour runs a golden scenario by its path in the repository.
ln -s "$root/Fixtures" Fixtures

step() {
    printf '\n$ quorum %s\n' "$*"
    "$quorum" "$@" 2>&1
}

# Steps that are expected to fail, to show Juju's refusal.
refused() {
    printf '\n$ quorum %s\n' "$*"
    if "$quorum" "$@" 2>&1; then echo "(unexpectedly succeeded)"; exit 1; fi
}

section() { printf '\n== %s\n' "$*"; }

echo "Quorum's guided tour: environments in .build/demo/home, files and timelines in .build/demo"

section "Juju 1.20: bootstrap, then HA with ensure-availability"
step bootstrap juju120 --flavor legacy --seed 2014 --clock virtual
step ensure-availability
step wait --until 5m
step status

section "A backup, taken through the primary while all is well"
step create-backup --filename juju120.tgz
step verify-backup juju120.tgz

section "A state server dies; ensure-availability replaces it"
step fail 2
step wait --until 2m
step ensure-availability
step wait --until 5m
step ensure-availability
step destroy-machine 2
refused ensure-availability -n 1

section "Two of three voters die: no primary, quorum lost"
step fail 1
step fail 3
step wait --until 1m
refused ensure-availability

section "Only the backup brings it back: restore into a new environment, then grow it"
step restore-backup juju120.tgz --into restored --seed 2015 --clock virtual
step ensure-availability -n 3
step wait --until 5m
step status


section "Migrating a backup from MongoDB to Dqlite and back"
step fixtures generate --flavor legacy --agent-version 1.25.6 --docs 20000 --seed 1 -o legacy.tar.gz
step migrate-backup legacy.tar.gz -o modern.tar.gz --verify
step migrate-backup modern.tar.gz -o back.tar.gz --verify
step restore-backup modern.tar.gz --into migrated --seed 2016 --clock virtual
step status -m controller

section "The Dqlite era: controllers, Raft roles, enable-ha"
step bootstrap dqlite --flavor modern --seed 2025 --clock virtual
step enable-ha -n 5
step wait --until settled --timeout 10m
step db-status
step create-backup --filename dqlite.tar.gz
step fail 0
step wait --until primary
step advance 1m
step db-status
step status -m controller

section "Two of three Dqlite voters die: no leader until a restore"
step fail 1
step fail 2
step advance 1m
step db-status
refused enable-ha
step restore-backup dqlite.tar.gz --into dqlite-restored --seed 2026 --clock virtual
step enable-ha
step wait --until settled --timeout 10m
step db-status

section "Spaces, bindings and agents"
step bootstrap spaced --flavor modern --spaces alpha,internal --seed 2027 --clock virtual
step enable-ha
step wait --until settled --timeout 10m
step status -m controller
step bind controller dbcluster=internal
step wait --until settled --timeout 10m
step status -m controller
step controller-config juju-mgmt-space=internal
step add-machine
step advance 1m
step debug-log -n 2

section "See what happened: golden scenarios, seed sweeps and timelines"
step scenario run Fixtures/scenarios/replset/02-primary-crash-failover.txt --timeline timelines/replset-failover.svg
step simulate --members 3 --seeds 1..20 --duration 5m
step simulate --flavor modern --members 5 --replay 3 --timeline timelines/dqlite-seed-3.svg
step environments

section "Timelines, to open in a browser"
echo ".build/demo/timelines/replset-failover.svg"
echo ".build/demo/timelines/dqlite-seed-3.svg"
