#!/usr/bin/env python3
"""The floors, checked: a library includes only the headers of libraries it links.

For every library directory (LIBRARIES below) this reads the link graph from
its CMakeLists.txt (`target_link_libraries` of its target: itlfleet::<lib>
names, PUBLIC, PRIVATE or INTERFACE), closes it over the PUBLIC and INTERFACE
links of what it links (a library's public headers may include those), and
then reads every `#include "itlfleet/<lib>/..."` of the directory's sources
and headers. An include of a library outside that set fails, naming the file,
the line and the include; so does an include directory of another library's
`include/` on the target's include path (reaching a header without linking).

Usage: include_graph.py SOURCE_DIR   (exit 0: clean, 1: violations)
"""

import pathlib
import re
import sys

# Library directory -> the CMake target it builds (app/ builds the CLI).
LIBRARIES = {
    "sim": "itlfleet_sim",
    "host": "itlfleet_host",
    "net": "itlfleet_net",
    "plan": "itlfleet_plan",
    "engine": "itlfleet_engine",
    "metrics": "itlfleet_metrics",
    "scenarios": "itlfleet_scenarios",
    "sweep": "itlfleet_sweep",
    "cluster_export": "itlfleet_cluster_export",
    "app": "itlfleet",
}

SOURCE_SUFFIXES = {".cpp", ".hpp", ".h", ".cc", ".ipp"}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]itlfleet/([A-Za-z0-9_]+)/([^">]+)[">]')
CALL = re.compile(r"\b(target_link_libraries|target_include_directories)\s*\(", re.S)


def cmake_calls(text, command, target):
    """The argument words of every `command(target ...)` call in text."""
    text = re.sub(r"#[^\n]*", "", text)
    calls = []
    for m in CALL.finditer(text):
        if m.group(1) != command:
            continue
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        words = text[m.end() : i - 1].split()
        if words and words[0] == target:
            calls.append(words[1:])
    return calls


def links(source, lib):
    """(all itlfleet libraries `lib` links, those it links PUBLIC or INTERFACE)."""
    direct, public = set(), set()
    if not (source / lib / "CMakeLists.txt").is_file():
        return direct, public  # not in this tree (an older checkout)
    text = (source / lib / "CMakeLists.txt").read_text()
    for words in cmake_calls(text, "target_link_libraries", LIBRARIES[lib]):
        scope = "PUBLIC"
        for w in words:
            if w in ("PUBLIC", "PRIVATE", "INTERFACE"):
                scope = w
                continue
            m = re.fullmatch(r"itlfleet::([A-Za-z0-9_]+)", w)
            if not m or m.group(1) not in LIBRARIES:
                continue
            direct.add(m.group(1))
            if scope != "PRIVATE":
                public.add(m.group(1))
    return direct, public


def reachable(source):
    """Per library: itself, what it links, and what those link publicly, transitively."""
    graph = {lib: links(source, lib) for lib in LIBRARIES}
    result = {}
    for lib in LIBRARIES:
        seen = {lib}
        todo = list(graph[lib][0])
        while todo:
            dep = todo.pop()
            if dep in seen:
                continue
            seen.add(dep)
            todo.extend(graph[dep][1])
        result[lib] = seen
    return result


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    source = pathlib.Path(argv[1]).resolve()
    allowed = reachable(source)
    problems = []
    for lib in LIBRARIES:
        root = source / lib
        cmake = root / "CMakeLists.txt"
        if not cmake.is_file():
            continue
        for words in cmake_calls(cmake.read_text(), "target_include_directories", LIBRARIES[lib]):
            for w in words:
                m = re.search(r"\$\{(?:PROJECT|CMAKE)_SOURCE_DIR\}/([A-Za-z0-9_]+)/include", w)
                if m and m.group(1) in LIBRARIES and m.group(1) not in allowed[lib]:
                    problems.append(
                        f"{cmake.relative_to(source)}: {lib} puts {m.group(1)}/include on its "
                        f"include path but does not link itlfleet::{m.group(1)}"
                    )
        for path in sorted(root.rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if m and m.group(1) not in allowed[lib]:
                    problems.append(
                        f"{path.relative_to(source)}:{number}: {lib} includes "
                        f'"itlfleet/{m.group(1)}/{m.group(2)}" but does not link '
                        f"itlfleet::{m.group(1)} (it links: "
                        f"{', '.join(sorted(allowed[lib] - {lib})) or 'nothing of ours'})"
                    )
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) across the floors; link the library or move the code")
        return 1
    print(f"include graph: {len(LIBRARIES)} libraries include only what they link")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
