#!/usr/bin/env python3
"""Fails when the top-level modules of a crate import each other in a cycle.

Each `crates/*/src/<module>` (file or folder) is a node; `crate::<module>`
(and `super::<module>` in top-level files) outside `#[cfg(test)]` code is an
edge. Crates cannot form cycles (cargo refuses them); this keeps the modules
inside each crate layered too. Usage: scripts/module-cycles.py [crates-dir]
"""
import os
import re
import sys


def module_graph(src):
    graph = {}
    for folder, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, src)
            top = rel.split(os.sep)[0].removesuffix(".rs")
            if top in ("lib", "main", "tests"):
                continue
            text = open(path, encoding="utf-8").read().split("#[cfg(test)]")[0]
            deps = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))
            if os.sep not in rel:
                deps |= set(re.findall(r"\bsuper::([a-z_][a-z0-9_]*)", text))
            graph.setdefault(top, set()).update(d for d in deps if d != top)
    return {k: {d for d in v if d in graph} for k, v in graph.items()}


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
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
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "crates"
    bad = 0
    for crate in sorted(os.listdir(root)):
        src = os.path.join(root, crate, "src")
        if not os.path.isdir(src):
            continue
        graph = module_graph(src)
        for comp in cycles(graph):
            bad += 1
            edges = [f"{a} -> {b}" for a in comp for b in sorted(graph[a]) if b in comp]
            print(f"{crate}: modules import each other in a cycle: {', '.join(edges)}")
    if bad:
        sys.exit(1)
    print("module cycles: none")


if __name__ == "__main__":
    main()
