#!/usr/bin/env python3
"""The symbolic goal cases measured in SymPy, for comparison with nabla's SymbolicGoal/<case>/<n>.

Usage: sympy_bench.py --out FILE.json [--timeout S] [--quick]

The same problems as bench/symbolic_goals_bench.cpp, with the same case names and n, and, as
there, each timed part builds its input from fresh symbols (except the polynomial's text):
  logistic                   l <- 4*l*(1 - l) n times from l = x, then diff(l, x)
  sin4_nth_derivative        diff(sin(sin(sin(sin(x)))), x, n)
  rosenbrock_gradient        f = sum 100*(x[i+1] - x[i]**2)**2 + (1 - x[i])**2, [diff(f, xi)]
  rosenbrock_sparse_hessian  f, its gradient, then diff(g[i], x[j]) for j = i-1, i, i+1
  rosenbrock_codegen         f, its gradient, then sympy.cse([f] + g) and ccode of each piece
  rosenbrock_all             f, gradient, sparse Hessian, and the C code of f and the gradient
  network_hessian_codegen    y = sum_k v_k*tanh(sum_j W_kj*x_j + b_k), n = m = 20, all symbols;
                             the 400 entries diff(diff(y, x_i), x_j), then cse + ccode of them
  polynomial_roundtrip       parse_expr of the 41000-character polynomial (^ written **), str()
n: the size parameter (polynomial: the minimum text length in characters, 41000).

Each case runs in its own forked process with a wall-clock limit (--timeout, default 60 s) on its
timed part; the size counts afterwards get a fresh limit of their own, since counting a huge
result can itself take long (sizes then read {"status": "timeout"}). A case past its limit is reported as
status "timeout" with "timeout_s"; when a case times out, its larger sizes are not run and are
reported as status "skipped" with "reason": "skipped after timeout".

JSON written: {"sympy_version", "python_version", "timeout_s", "quick", "cases": [
  {"case", "n", "seconds" (float or null), "status": "ok" | "timeout" | "error" | "skipped",
   "sizes": {...}, optional "phases": {name: seconds}, "note", "error", "timeout_s", "reason"}]}
"seconds" is wall-clock time (time.perf_counter) of the timed part of one run (no repetitions:
these take milliseconds to minutes, and a first-call SymPy figure includes its caches filling,
which is what a user pays).

Sizes (all counted on the results, after timing):
  tree_nodes   the number of nodes sympy.preorder_traversal visits on the expression(s): the size
               of the expression written out as a tree. Computed by memoising on the distinct
               subexpressions (1 + sum over args), which gives exactly the same count as walking
               preorder_traversal but finishes when the tree is astronomically large.
  dag_nodes    the number of distinct subexpressions, len(set(preorder_traversal(e))), i.e. the
               size of the expression as a DAG with equal subexpressions shared (the measure that
               compares with nabla's hash-consed node count). Computed by a walk that skips
               subexpressions already seen.
  ops          sympy.count_ops (visual=False) of the result(s), summed.
  c_bytes      the length in bytes of the emitted C text.
  emitted_ops  count_ops summed over what the C text computes: with CSE, over the replacements
               and the reduced expressions from sympy.cse.
"""
import argparse
import json
import multiprocessing as mp
import platform
import sys
import time
import traceback

import sympy
from sympy import Symbol, cse, count_ops, diff, sin, symbols, tanh
from sympy.printing.c import ccode


# ----------------------------------------------------------------------------- sizes

def tree_nodes(exprs):
    """sum of len(list(preorder_traversal(e))) over exprs, without walking the tree."""
    memo = {}

    def size(e):
        # Iterative post-order over the DAG, so deep expressions do not hit the recursion limit.
        stack = [(e, False)]
        while stack:
            node, done = stack.pop()
            if node in memo:
                continue
            if done:
                memo[node] = 1 + sum(memo[a] for a in node.args)
            else:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if a not in memo)
        return memo[e]

    return sum(size(sympy.sympify(e)) for e in exprs)


def dag_nodes(exprs):
    """len(set(preorder_traversal)) over all exprs together: distinct subexpressions."""
    seen = set()
    stack = [sympy.sympify(e) for e in exprs]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(node.args)
    return len(seen)


def ops(exprs):
    return sum(count_ops(e) for e in exprs)


def expr_sizes(exprs):
    return {"tree_nodes": tree_nodes(exprs), "dag_nodes": dag_nodes(exprs), "ops": ops(exprs)}


# ----------------------------------------------------------------------------- C code

def c_with_cse(exprs, out="out"):
    """sympy.cse over all exprs, then ccode: one `const double tK = ...;` per replacement and
    one `out[i] = ...;` per reduced expression. Returns (text, emitted_ops)."""
    replacements, reduced = cse(exprs, symbols=sympy.numbered_symbols("t"))
    lines = [f"const double {s} = {ccode(r)};" for s, r in replacements]
    lines += [f"{out}[{i}] = {ccode(r)};" for i, r in enumerate(reduced)]
    text = "\n".join(lines) + "\n"
    emitted = sum(count_ops(r) for _, r in replacements) + sum(count_ops(r) for r in reduced)
    return text, emitted


def c_without_cse(exprs, out="out"):
    """ccode of each expression as it is: `out[i] = ...;`. Returns (text, emitted_ops)."""
    text = "".join(f"{out}[{i}] = {ccode(e)};\n" for i, e in enumerate(exprs))
    return text, ops(exprs)


# ----------------------------------------------------------------------------- cases
# Each case function takes (n, report) and returns nothing: it calls report("time", seconds,
# extra) once after its timed part, then report("sizes", dict) once. Everything else is set-up.

def logistic(n, report):
    x = Symbol("x")
    t0 = time.perf_counter()
    l = x
    for _ in range(n):
        l = 4 * l * (1 - l)
    d = diff(l, x)
    t = time.perf_counter() - t0
    report("time", t, {})
    report("sizes", {**expr_sizes([d]), "function_dag_nodes": dag_nodes([l])})


def sin4_nth_derivative(n, report):
    x = Symbol("x")
    t0 = time.perf_counter()
    d = diff(sin(sin(sin(sin(x)))), x, n)
    t = time.perf_counter() - t0
    report("time", t, {})
    report("sizes", expr_sizes([d]))


def rosenbrock_f(xs):
    # Same form as tests/support/functions.hpp (integer constants: SymPy keeps them exact).
    return sympy.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2
                       for i in range(len(xs) - 1)])


def rosenbrock_gradient_of(f, xs):
    return [diff(f, xi) for xi in xs]


def rosenbrock_sparse_hessian_of(g, xs):
    """Only the structurally non-zero entries: d g_i / d x_j for j in i-1, i, i+1."""
    n = len(xs)
    return [diff(g[i], xs[j]) for i in range(n) for j in (i - 1, i, i + 1) if 0 <= j < n]


def rosenbrock_codegen_of(f, g):
    return c_with_cse([f] + g)


def rosenbrock_case(part):
    """As the C++ side: every case builds f from the symbols inside the timing, then
      gradient        the gradient
      sparse_hessian  the gradient, then the sparse Hessian from it (SymPy has no Hessian that
                      skips the gradient; nabla's sym::sparse_hessian starts from f)
      codegen         the gradient, then cse + ccode of f and the gradient
      all             the gradient, the sparse Hessian, cse + ccode of f and the gradient
    "phases" splits the time. Sizes: dag_nodes of the same roots as nabla's "nodes" counter
    (gradient; Hessian entries; f and gradient; f, gradient and Hessian), ops = count_ops."""
    def run(n, report):
        xs = symbols(f"x0:{n}")
        stamps = [("start", time.perf_counter())]
        f = rosenbrock_f(xs)
        stamps.append(("build_f", time.perf_counter()))
        g = rosenbrock_gradient_of(f, xs)
        stamps.append(("gradient", time.perf_counter()))
        h, text, emitted = [], None, None
        if part in ("sparse_hessian", "all"):
            h = rosenbrock_sparse_hessian_of(g, xs)
            stamps.append(("sparse_hessian", time.perf_counter()))
        if part in ("codegen", "all"):
            text, emitted = rosenbrock_codegen_of(f, g)
            stamps.append(("cse_codegen", time.perf_counter()))
        phases = {name: t - stamps[i][1] for i, (name, t) in enumerate(stamps[1:])}
        report("time", stamps[-1][1] - stamps[0][1], {"phases": phases})
        roots = {"gradient": g, "sparse_hessian": h, "codegen": [f] + g,
                 "all": [f] + g + h}[part]
        sizes = {"dag_nodes": dag_nodes(roots), "ops": ops(roots)}
        if h:
            sizes["entries"] = len(h)
        if text is not None:
            sizes.update(c_bytes=len(text.encode()), emitted_ops=emitted)
        report("sizes", sizes)

    return run


def network_hessian_codegen(n, report, m=None):
    m = n if m is None else m
    xs = symbols(f"x0:{n}")
    bs = symbols(f"b0:{m}")
    vs = symbols(f"v0:{m}")
    W = [[Symbol(f"W{k}_{j}") for j in range(n)] for k in range(m)]
    t0 = time.perf_counter()
    y = sympy.Add(*[vs[k] * tanh(sympy.Add(*[W[k][j] * xs[j] for j in range(n)]) + bs[k])
                    for k in range(m)])
    g = [diff(y, xi) for xi in xs]
    H = [diff(g[i], xs[j]) for i in range(n) for j in range(n)]  # all n*n entries, row-major
    t1 = time.perf_counter()
    text, emitted = c_with_cse(H)
    t2 = time.perf_counter()
    report("time", t2 - t0, {"phases": {"build_y_and_hessian": t1 - t0, "cse_codegen": t2 - t1},
                             "note": f"n = {n} inputs, m = {m} hidden units; "
                                     f"seconds = building y + Hessian + cse + ccode"})
    t3 = time.perf_counter()
    plain_text, plain_ops = c_without_cse(H)
    t4 = time.perf_counter()
    report("sizes", {"hessian_entries": len(H), "c_bytes": len(text.encode()),
                     "emitted_ops": emitted, "c_bytes_no_cse": len(plain_text.encode()),
                     "emitted_ops_no_cse": plain_ops, "dag_nodes": dag_nodes(H),
                     "codegen_no_cse_seconds": t4 - t3})


def polynomial_text(min_chars=41000):
    """Monomial k: c = (k*7919) % 97 + 1, x^(k%5) y^((k//5)%4) z^((k//20)%3); the fewest terms
    whose ' + '-joined text reaches min_chars characters."""
    terms, length = [], 0
    k = 0
    while True:
        c = (k * 7919) % 97 + 1
        factors = [str(c)]
        for var, e in (("x", k % 5), ("y", (k // 5) % 4), ("z", (k // 20) % 3)):
            if e == 1:
                factors.append(var)
            elif e > 1:
                factors.append(f"{var}^{e}")
        term = "*".join(factors)
        length += len(term) + (3 if terms else 0)
        terms.append(term)
        k += 1
        if length >= min_chars:
            text = " + ".join(terms)
            assert len(text) == length
            return text, len(terms)


POLYNOMIAL_FILE = "build/bench/polynomial.txt"  # written by nabla_bench's polynomial case


def polynomial_roundtrip(n, report):
    """n = the text's minimum length in characters (41000), as on the C++ side."""
    text, terms = polynomial_text(n)
    try:
        with open(POLYNOMIAL_FILE) as f:
            same_as_cpp = f.read() == text
    except OSError:
        same_as_cpp = None  # nabla_bench has not written it (not run yet)
    src = text.replace("^", "**")
    t0 = time.perf_counter()
    e = sympy.parse_expr(src)
    t1 = time.perf_counter()
    back = str(e)
    t2 = time.perf_counter()
    ok = sympy.parse_expr(back) == e
    report("time", t2 - t0, {"phases": {"parse": t1 - t0, "print": t2 - t1},
                             "note": "n = minimum text length in characters; seconds = parse_expr + str"})
    report("sizes", {"terms": terms, "text_chars": len(text), "printed_chars": len(back),
                     "result_terms": len(e.args) if e.is_Add else 1,
                     "dag_nodes": dag_nodes([e]), "roundtrip_equal": bool(ok),
                     "same_text_as_nabla_file": same_as_cpp})


# ----------------------------------------------------------------------------- driver

def plan(quick):
    """(case name, function, sizes); sizes run smallest first."""
    return [
        ("logistic", logistic, [16] if quick else [16, 1000]),
        ("sin4_nth_derivative", sin4_nth_derivative, [4, 5, 6] if quick else list(range(4, 11))),
        ("rosenbrock_gradient", rosenbrock_case("gradient"),
         [10] if quick else [10, 100, 1000, 10000]),
        ("rosenbrock_sparse_hessian", rosenbrock_case("sparse_hessian"),
         [10] if quick else [10, 100, 1000, 10000]),
        ("rosenbrock_codegen", rosenbrock_case("codegen"),
         [10] if quick else [10, 100, 1000, 10000]),
        ("rosenbrock_all", rosenbrock_case("all"), [10] if quick else [10, 100, 1000, 10000]),
        ("network_hessian_codegen", network_hessian_codegen, [4] if quick else [20]),
        ("polynomial_roundtrip", polynomial_roundtrip, [41000]),
    ]


def _child(fn, n, conn):
    def report(kind, *payload):
        conn.send((kind,) + payload)

    try:
        sys.setrecursionlimit(100000)
        fn(n, report)
    except BaseException as exc:  # noqa: BLE001 - reported, not swallowed
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=3)))
    finally:
        conn.close()


def run_one(name, fn, n, timeout):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, n, child), daemon=True)
    proc.start()
    child.close()
    row = {"case": name, "n": n, "seconds": None, "status": "error", "sizes": {}}

    def receive():
        """One message within the limit, or None (timed out or the process died silently)."""
        if parent.poll(timeout):
            try:
                return parent.recv()
            except EOFError:
                return ("error", f"process exited with code {proc.exitcode}", "")
        return None

    try:
        msg = receive()
        if msg is None:
            row.update(status="timeout", timeout_s=timeout)
            return row
        if msg[0] == "error":
            row.update(status="error", error=msg[1])
            return row
        _, seconds, extra = msg
        row.update(seconds=seconds, status="ok", **extra)
        msg = receive()
        if msg is None:
            row["sizes"] = {"status": "timeout", "timeout_s": timeout}
        elif msg[0] == "error":
            row["sizes"] = {"status": "error", "error": msg[1]}
        else:
            row["sizes"] = msg[1]
        return row
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()


def main():
    global POLYNOMIAL_FILE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per case (default 60)")
    ap.add_argument("--quick", action="store_true", help="small sizes only (smoke test)")
    ap.add_argument("--polynomial-file", default=POLYNOMIAL_FILE,
                    help="nabla_bench's polynomial text, compared with the one generated here "
                         f"(default {POLYNOMIAL_FILE}; the comparison is null when it is absent)")
    ap.add_argument("--only", help="comma-separated case names to run (default: all)")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    POLYNOMIAL_FILE = args.polynomial_file

    rows = []
    result = {"sympy_version": sympy.__version__, "python_version": platform.python_version(),
              "timeout_s": args.timeout, "quick": args.quick, "cases": rows}
    for name, fn, sizes in plan(args.quick):
        if only and name not in only:
            continue
        timed_out_at = None
        for n in sizes:
            if timed_out_at is not None:
                row = {"case": name, "n": n, "seconds": None, "status": "skipped",
                       "reason": "skipped after timeout", "sizes": {}}
            else:
                row = run_one(name, fn, n, args.timeout)
                if row["status"] == "timeout":
                    timed_out_at = n
            rows.append(row)
            shown = (f"{row['seconds']:.4f} s" if row["seconds"] is not None
                     else row.get("reason") or f"{row['status']}"
                     + (f" ({args.timeout:g} s)" if row["status"] == "timeout" else "")
                     + (f": {row['error']}" if "error" in row else ""))
            print(f"sympy {name}/{n}: {shown} {json.dumps(row['sizes'])}", flush=True)
            with open(args.out, "w") as f:  # rewritten after every case: partial runs are kept
                json.dump(result, f, indent=1)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
