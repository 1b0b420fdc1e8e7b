#!/bin/sh
# Prepares the two pymongo virtual environments the interop tests use:
#   .venv/pymongo-latest (pymongo 4.20.0, OP_MSG only) and .venv/pymongo-4.17 (OP_QUERY handshake).
# Idempotent; without network it says so and leaves the tests to skip.
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"
for spec in "latest pymongo==4.20.0" "4.17 pymongo==4.17.*"; do
    name="${spec%% *}"
    requirement="${spec#* }"
    venv="$root/.venv/pymongo-$name"
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import pymongo" 2>/dev/null; then
        continue
    fi
    python3 -m venv "$venv" || { echo "pymongo-venvs: cannot create $venv; the pymongo interop tests will skip"; continue; }
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "$requirement"; then
        echo "pymongo-venvs: cannot install $requirement (no network?); the pymongo interop tests will skip"
        rm -rf "$venv"
    fi
done
exit 0
