#!/usr/bin/env python3
"""Records one clean sweep's summary line in the "Seed sweeps" section of bench/latest.md:
a row per flavor and member count, replacing an earlier row of the same; the rest of the
file (make bench's table) is left as it is."""
import datetime
import os
import sys

path, flavor, members, seeds, duration, summary, cores = sys.argv[1:8]
heading = "## Seed sweeps"
header = ["| flavor | members | seeds | simulated time per seed | result | date, cores |", "|---|---:|---|---|---|---|"]
text = open(path).read() if os.path.exists(path) else "# make bench\n\n(no make bench run recorded yet)\n"
before, _, section = text.partition("\n" + heading)
rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| flavor")]
rows = [r for r in rows if r.split("|")[1:3] != [f" {flavor} ", f" {members} "]]
date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
rows.append(f"| {flavor} | {members} | {seeds} | {duration} | {summary.strip()} | {date}, {cores} cores |")
rows.sort(key=lambda r: (r.split("|")[1].strip(), int(r.split("|")[2])))
intro = ("`make sweep` (release build, swarm faults, the per-step invariants and end-of-run checks of "
         "DESIGN §6); every row is a clean run: a failing seed stops the sweep with its replay command.")
out = before.rstrip("\n") + "\n\n" + heading + "\n\n" + intro + "\n\n" + "\n".join(header + rows) + "\n"
tmp = path + ".tmp"
with open(tmp, "w") as f:
    f.write(out)
os.replace(tmp, path)
