# Quorum — the two commands a newcomer needs: `make demo` and `make test`.
# Both install the Debian packages Quorum builds against when they are missing.

SWIFT ?= swift
DEB_PACKAGES := pkg-config libbson-dev libsqlite3-dev libdqlite-dev libarchive-dev
# A bounded slice of the simulator sweep runs inside `make test`; `make sweep SEEDS=…` runs any size.
SEEDS ?= 0..1999
DURATION ?= 10m
TEST_SEEDS ?= 0..29
MODERN_TEST_SEEDS ?= 0..19

.PHONY: deps venvs build demo test bench sweep fuzz crash-check migrate-check clean

deps:
	@scripts/install-deps.sh $(DEB_PACKAGES)

build: deps
	$(SWIFT) build

demo: build
	@scripts/demo.sh "$$($(SWIFT) build --show-bin-path)/quorum"

# The pymongo interop tests use .venv/pymongo-latest and .venv/pymongo-4.17 (from PyPI; skipped without network).
venvs:
	@scripts/pymongo-venvs.sh

test: deps venvs
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@echo "Bounded seed sweep (make sweep runs the full one):"
	@for m in 3 5 7; do "$$($(SWIFT) build --show-bin-path)/quorum" simulate --members $$m --seeds $(TEST_SEEDS) --duration 2m || exit 1; done
	@for m in 3 5 7; do "$$($(SWIFT) build --show-bin-path)/quorum" simulate --flavor modern --members $$m --seeds $(MODERN_TEST_SEEDS) --duration 2m || exit 1; done
	@echo "The guided tour (make demo) against the README:"
	@scripts/demo.sh "$$($(SWIFT) build --show-bin-path)/quorum" > .build/demo.out 2>&1 || { cat .build/demo.out; exit 1; }
	@python3 scripts/check-tour.py README.md .build/demo.out .build/demo/timelines/*.svg

# Each flavor and size (FLAVORS, MEMBERS to narrow it); clean runs are recorded in bench/latest.md.
sweep: deps
	$(SWIFT) build -c release --product quorum
	@scripts/sweep.sh "$$($(SWIFT) build -c release --show-bin-path)/quorum" $(SEEDS) $(DURATION)

# The C baseline of the migration figures: libbson stream reader → prepared SQLite inserts.
MIGRATE_BASELINE := .build/migrate_baseline
# Documents of the large migration round trips (make migrate-check).
MIGRATE_DOCS ?= 1000000

$(MIGRATE_BASELINE): bench/baseline/migrate_baseline.c
	@mkdir -p .build
	cc -O2 -o $@ $< $$(pkg-config --cflags --libs libbson-1.0 sqlite3)

bench: deps venvs $(MIGRATE_BASELINE)
	$(SWIFT) build -c release --product quorum
	$(SWIFT) build -c release --product quorum-bench
	QUORUM_MIGRATE_BASELINE=$(MIGRATE_BASELINE) "$$($(SWIFT) build -c release --show-bin-path)/quorum-bench"

migrate-check: deps
	$(SWIFT) build -c release --product quorum
	@scripts/migrate-check.sh "$$($(SWIFT) build -c release --show-bin-path)/quorum" $(MIGRATE_DOCS)

# SIGKILL of create-backup, migrate-backup and a state-changing command at CRASH_ROUNDS points each.
CRASH_ROUNDS ?= 50
crash-check: deps
	$(SWIFT) build --build-tests
	QUORUM_CRASH_ROUNDS=$(CRASH_ROUNDS) $(SWIFT) test --skip-build --filter KilledCommandTests

# Each fuzz target under libFuzzer for FUZZ_SECONDS (make test replays the stored inputs).
FUZZ_SECONDS ?= 60
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) scripts/fuzz.sh

clean:
	rm -rf .build .build-fuzz
