#!/usr/bin/env python3
"""Measures the shape of the C sources: function lengths and include cycles.

  codeshape.py functions [--over N] DIR...   longest functions, count over N
  codeshape.py cycles DIR...                 include cycles among modules;
                                             exit 1 when there is one

A module is a .c file and its .h (src/endpoints/upgrades.c is the module
endpoints/upgrades); an edge is a quoted #include of another module's header.
Function bodies are found by the project's layout: a definition's opening
brace and its closing brace stand alone in column 0.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
NAME = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(')


def sources(dirs, exts):
    for top in dirs:
        for root, _, files in os.walk(top):
            for f in sorted(files):
                if f.endswith(exts):
                    yield os.path.join(root, f)


def functions(path):
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{":
            start = i
            # the signature: the lines above, back to a blank line or a
            # line that ends a declaration or comment
            j = i - 1
            sig = []
            while j >= 0 and lines[j].strip() and not lines[j].rstrip().endswith((";", "*/", "}")):
                sig.insert(0, lines[j])
                j -= 1
            m = NAME.search(" ".join(sig))
            name = m.group(1) if m else "?"
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            if "(" in " ".join(sig) and "=" not in " ".join(sig):
                yield name, start + 1, k - start + 1 + len(sig)
            i = k
        i += 1


def cmd_functions(args):
    over = 60
    if args[:1] == ["--over"]:
        over = int(args[1])
        args = args[2:]
    found = []
    for path in sources(args, (".c",)):
        for name, line, n in functions(path):
            found.append((n, path, line, name))
    found.sort(reverse=True)
    big = [f for f in found if f[0] > over]
    for n, path, line, name in found[:10]:
        print(f"{n:5d}  {path}:{line}  {name}")
    print(f"functions: {len(found)}  over {over} lines: {len(big)}  longest: {found[0][0] if found else 0}")
    return 0


def module_of(path, top):
    rel = os.path.relpath(path, top)
    return os.path.splitext(rel)[0]


def cmd_cycles(args):
    status = 0
    for top in args:
        graph = {}
        for path in sources([top], (".c", ".h")):
            mod = module_of(path, top)
            graph.setdefault(mod, set())
            here = os.path.dirname(path)
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = os.path.normpath(os.path.join(here, m.group(1)))
                    if not os.path.exists(target):
                        continue
                    dep = module_of(target, top)
                    if dep != mod:
                        graph[mod].add(dep)
        cycles = strongly_connected(graph)
        for c in cycles:
            print(f"include cycle in {top}: " + " -> ".join(sorted(c)))
            status = 1
        print(f"{top}: {len(graph)} modules, include cycles: {len(cycles)}")
    return status


def strongly_connected(graph):
    index = {}
    low = {}
    stack = []
    on = set()
    out = []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("functions", "cycles"):
        print(__doc__, file=sys.stderr)
        return 2
    if sys.argv[1] == "functions":
        return cmd_functions(sys.argv[2:])
    return cmd_cycles(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
