#!/usr/bin/env python3
"""tests/tools/layers.py -- the include rules of docs/ARCHITECTURE.md, checked.

Reads the `#include "..."` and `#include <...>` lines of mod_auth_jwt/ (the httpd glue),
mod_auth_jwt/core/ (the JOSE core) and admin-cgi/ (the admin page) and checks three rules:

  cycles       no include cycle among glue units. A unit is X.c with its header X.h (a .c
               without a header of its own name is a unit nothing can include). Unit A
               depends on unit B when X.c or X.h of A includes B.h; the dependencies must
               form a DAG, so every glue file depends only downward.
  core         no core file includes an httpd header (httpd.h, http_*.h, ap_*.h, util_*.h,
               mod_*.h) or any glue header: the core builds without httpd.
  admin-cgi    no admin-cgi file includes a glue header (it may use the core).
  kinds        the pipeline, the verifier and the cache layer (authn.c, token_find.c,
               signature.c, verify_cache.c) name no kind of key source: no jwks_*() call,
               no conf->keyring / conf->secrets / conf->jwks, no jwt_secrets_watch_*()
               (the kinds are reached through key_source.h and signature.c's table only).
  size         no C file (.c or .h) in mod_auth_jwt/, mod_auth_jwt/core/ or admin-cgi/ has
               more than MAX_LINES (600) lines: one job per file; a second job is a new
               unit (docs/ARCHITECTURE.md).

usage: layers.py [--root DIR] [RULE...]   (RULE: cycles core admin-cgi kinds size; default all)
Prints one line per rule, "ok RULE: ..." or "FAIL RULE: ..." followed by the offending
files, and exits 1 when any rule failed. Python 3 standard library only.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
HTTPD = re.compile(r'^(httpd\.h|http_[^/]*\.h|ap_[^/]*\.h|util_[^/]*\.h|mod_[^/]*\.h)$')
RULES = ('cycles', 'core', 'admin-cgi', 'kinds', 'size')
MAX_LINES = 600
KIND_BLIND = ('authn.c', 'token_find.c', 'signature.c', 'verify_cache.c')
KIND_NAME = re.compile(r'\bjwks_\w+\s*\(|conf->(?:keyring|secrets|jwks)\b|\bjwt_secrets_watch_\w+\s*\(')


def sources(folder):
    if not os.path.isdir(folder):
        return []
    return sorted(f for f in os.listdir(folder)
                  if f.endswith(('.c', '.h')) and os.path.isfile(os.path.join(folder, f)))


def includes(path):
    """(kind, name) of each #include line; comments are not stripped: an include in a
    comment is rare and counting it errs on the strict side."""
    with open(path, encoding='utf-8', errors='replace') as f:
        return INCLUDE.findall(f.read())


def main(argv):
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    wanted = []
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == '--root':
            root = os.path.abspath(args.pop(0))
        elif a in RULES:
            wanted.append(a)
        else:
            print(f'layers: unknown argument {a!r} (rules: {" ".join(RULES)})', file=sys.stderr)
            return 2
    wanted = wanted or list(RULES)
    glue_dir = os.path.join(root, 'mod_auth_jwt')
    core_dir = os.path.join(glue_dir, 'core')
    cgi_dir = os.path.join(root, 'admin-cgi')
    glue = sources(glue_dir)
    core = sources(core_dir)
    cgi = sources(cgi_dir)
    if not glue or not core:
        print(f'FAIL layers: no sources under {glue_dir} or {core_dir}')
        return 1
    glue_h = {f for f in glue if f.endswith('.h')}
    core_h = {f for f in core if f.endswith('.h')}
    failed = False

    def report(rule, bad, what):
        nonlocal failed
        if bad:
            failed = True
            print(f'FAIL {rule}: {what}')
            for line in bad:
                print(f'  {line}')
        else:
            print(f'ok {rule}')

    if 'cycles' in wanted:
        # unit graph: X.c and X.h are unit X; an edge for every glue header a unit includes
        # (its own header is not an edge). Core headers of the same name cannot be meant:
        # a quoted include resolves in the including file's folder first.
        edges = {}
        why = {}
        for f in glue:
            unit = f[:-2]
            edges.setdefault(unit, set())
            for _, name in includes(os.path.join(glue_dir, f)):
                if name in glue_h and name[:-2] != unit:
                    edges[unit].add(name[:-2])
                    why.setdefault((unit, name[:-2]), f'mod_auth_jwt/{f} includes "{name}"')
        bad = []
        for comp in strongly_connected(edges):
            if len(comp) < 2:
                continue
            cycle = one_cycle(edges, sorted(comp))
            bad.append(' -> '.join(cycle) + f'   ({len(comp)} units in the loop: '
                       + ', '.join(sorted(comp)) + ')')
            for a, b in zip(cycle, cycle[1:]):
                bad.append(f'    {why[(a, b)]}')
        report('cycles', bad, 'include cycle(s) among glue units (each must depend only downward)')

    if 'core' in wanted:
        bad = []
        for f in core:
            for kind, name in includes(os.path.join(core_dir, f)):
                base = os.path.basename(name)
                if HTTPD.match(base):
                    close = '"' if kind == '"' else '>'
                    bad.append(f'mod_auth_jwt/core/{f} includes {kind}{name}{close} (an httpd header)')
                elif kind == '"' and name not in core_h and name in glue_h:
                    bad.append(f'mod_auth_jwt/core/{f} includes "{name}" (a glue header)')
        report('core', bad, 'core file(s) include httpd or glue headers')

    if 'admin-cgi' in wanted:
        bad = []
        cgi_h = {f for f in cgi if f.endswith('.h')}
        for f in cgi:
            for kind, name in includes(os.path.join(cgi_dir, f)):
                base = os.path.basename(name)
                if kind != '"' or name in cgi_h or name in core_h:
                    continue
                if base in glue_h or name.startswith('mod_auth_jwt/') and not name.startswith('mod_auth_jwt/core/'):
                    bad.append(f'admin-cgi/{f} includes "{name}" (a glue header)')
        report('admin-cgi', bad, 'admin-cgi file(s) include glue headers')

    if 'kinds' in wanted:
        bad = []
        for f in KIND_BLIND:
            path = os.path.join(glue_dir, f)
            if not os.path.isfile(path):
                continue
            with open(path, encoding='utf-8', errors='replace') as fh:
                for no, line in enumerate(fh, 1):
                    m = KIND_NAME.search(line)
                    if m:
                        bad.append(f'mod_auth_jwt/{f}:{no} names a key source kind ({m.group(0).strip()})')
        report('kinds', bad, 'kind-blind units name a kind of key source (use key_source.h)')

    if 'size' in wanted:
        bad = []
        for folder, rel, names in ((glue_dir, 'mod_auth_jwt', glue), (core_dir, 'mod_auth_jwt/core', core),
                                   (cgi_dir, 'admin-cgi', cgi)):
            for f in names:
                with open(os.path.join(folder, f), encoding='utf-8', errors='replace') as fh:
                    n = sum(1 for _ in fh)
                if n > MAX_LINES:
                    bad.append(f'{rel}/{f}: {n} lines')
        report('size', bad, f'C file(s) over {MAX_LINES} lines (split by job: a new unit with its own header)')

    return 1 if failed else 0


def strongly_connected(edges):
    """Tarjan's algorithm, iterative (no recursion limit)."""
    index, low, on, stack, comps = {}, {}, set(), [], []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == node:
                        break
                comps.append(comp)
    return comps


def one_cycle(edges, comp):
    """A shortest cycle through the first unit of a strongly connected component (BFS)."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges.get(node, ())):
            if nxt == start:
                path = [node]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if nxt in members and nxt not in prev:
                prev[nxt] = node
                queue.append(nxt)
    return [start, start]


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
