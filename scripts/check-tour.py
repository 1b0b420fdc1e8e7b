#!/usr/bin/env python3
"""Holds the README's guided tour to what `make demo` printed.

usage: check-tour.py README.md DEMO-OUTPUT [SVG…]

Every `$ quorum …` command the demo ran must appear in the console blocks of the README's
"A guided tour" section, in the same order, and nothing else may. Output lines shown under a
command must be what the demo printed for it: a line that is just "…" stands for any number of
lines, "…" inside a line for any text; output ends where the README's does unless the README
ends it with "…"; a command shown with no output lines is not checked beyond its text. Each SVG
named must be well-formed XML with an <svg> root, so a browser opens it.
"""
import re
import sys
import xml.etree.ElementTree as ElementTree

ELLIPSIS = "…"


def tour_commands(readme):
    """[(command, [expected output lines])] from the tour's console blocks."""
    text = open(readme, encoding="utf-8").read()
    start = text.index("\n## A guided tour")
    end = text.find("\n## ", start + 1)
    section = text[start:end if end != -1 else len(text)]
    commands = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                command = re.sub(r"\s+#\s.*$", "", line[2:]).rstrip()
                commands.append((command, []))
            elif commands:
                commands[-1][1].append(line)
            elif line.strip():
                raise SystemExit(f"error: README tour: output before any command: {line!r}")
    return commands


def demo_commands(output):
    """[(command, output text)] from the demo's transcript."""
    commands = []
    for line in open(output, encoding="utf-8").read().splitlines():
        if line.startswith("$ "):
            commands.append((line[2:].rstrip(), []))
        elif line.startswith("== "):
            commands.append((None, []))
        elif commands and commands[-1][0] is not None:
            commands[-1][1].append(line)
    return [(c, "\n".join(lines).strip("\n")) for c, lines in commands if c is not None]


def pattern(lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    parts = []
    for line in lines:
        if line.strip() == ELLIPSIS:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(r"[^\n]*?".join(re.escape(piece) for piece in line.split(ELLIPSIS)) + r"\n")
    return "".join(parts)


def main():
    if len(sys.argv) < 3:
        raise SystemExit("usage: check-tour.py README.md DEMO-OUTPUT [SVG…]")
    readme, demo = tour_commands(sys.argv[1]), demo_commands(sys.argv[2])
    problems = []
    shown = [c for c, _ in readme]
    ran = [c for c, _ in demo]
    if shown != ran:
        for i, (a, b) in enumerate(zip(shown + [None] * len(ran), ran + [None] * len(shown))):
            if a != b:
                problems.append(f"command {i + 1}: README shows {a!r}, the demo ran {b!r}")
                break
    for (command, expected), (_, printed) in zip(readme, demo):
        if not any(line.strip() for line in expected):
            continue
        if not re.fullmatch(pattern(expected), printed + "\n", re.S):
            problems.append(f"output of `{command}` differs; the demo printed:\n{printed}\n")
    for svg in sys.argv[3:]:
        try:
            root = ElementTree.parse(svg).getroot()
            if not root.tag.endswith("svg"):
                problems.append(f"{svg}: root element is {root.tag}, not svg")
        except (ElementTree.ParseError, OSError) as error:
            problems.append(f"{svg}: {error}")
    for problem in problems:
        print("error: " + problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"README tour matches the demo: {len(ran)} commands, {sum(1 for _, e in readme if any(l.strip() for l in e))} outputs checked")


main()
