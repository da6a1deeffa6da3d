#!/usr/bin/env python3
"""Ratios from a Google Benchmark JSON file (run with repetitions): median times, side by side.

Usage: report.py RESULTS.json [--sympy SYMPY.json]
Prints Markdown tables: for each case, the median time of each variant and its ratio to the
case's baselines (plain double, hand-written derivative, Ceres Jet, ADOL-C, libtorch, the BLAS). With --sympy (the output of
bench/sympy_bench.py), the SymbolicGoal table puts SymPy's figures beside nabla's.
"""
import argparse
import json

# Calls per benchmark iteration: the scalar case evaluates f at 1024 points per iteration.
CASES = {"Scalar": 1024, "Rosenbrock": 1}
VARIANTS = ["Primal", "HandWritten", "HandFused", "Dual", "CeresJet"]


def medians(path):
    with open(path) as f:
        data = json.load(f)
    result = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            result[b["run_name"]] = b["real_time"]  # ns per iteration (time_unit ns)
    return data["context"], result


def symbolic_table(times):
    """The symbolic module: Symbolic<Case>/variant/size, each time as a ratio to primal."""
    rows = {}
    for name, t in times.items():
        parts = name.split("/")
        if len(parts) == 3 and parts[0].startswith("Symbolic") and parts[0] != "SymbolicGoal":
            rows.setdefault((parts[0], int(parts[2])), {})[parts[1]] = t
    if not rows:
        return
    print()
    print("| case | n | primal | program / primal | interpreted / primal "
          "| program_gradient / primal | reverse_gradient / primal "
          "| program_gradient / reverse_gradient |")
    print("|---|---|---|---|---|---|---|---|")
    for (case, size), v in sorted(rows.items()):
        p = v.get("primal")
        r = lambda k: "—" if v.get(k) is None or p is None else f"{v[k] / p:.1f}"
        g, rg = v.get("program_gradient"), v.get("reverse_gradient")
        both = "—" if g is None or rg is None else f"{g / rg:.2f}"
        print(f"| {case} | {size} | {p:.1f} ns | {r('program')} | {r('interpreted')} "
              f"| {r('program_gradient')} | {r('reverse_gradient')} | {both} |")


# ns per unit of a Google Benchmark entry's "time_unit".
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def goal_rows(path):
    """SymbolicGoal/<case>/<n> entries: {(case, n): entry}, the median aggregate when the run had
    repetitions, else the single run. Counters are extra keys of each entry."""
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for b in data["benchmarks"]:
        # Suffixes such as /min_time:0.300 or /real_time, where present, follow the size.
        parts = b.get("run_name", b["name"]).split("/")
        if len(parts) < 3 or parts[0] != "SymbolicGoal" or not parts[2].isdigit():
            continue
        key = (parts[1], int(parts[2]))
        if b.get("aggregate_name") == "median" or (b.get("run_type") != "aggregate"
                                                   and key not in rows):
            rows[key] = b
    return rows


GOAL_CASES = ["logistic", "sin4_nth_derivative", "rosenbrock_gradient", "rosenbrock_sparse_hessian",
              "rosenbrock_codegen", "rosenbrock_all", "network_hessian_codegen",
              "polynomial_roundtrip"]


def fmt_seconds(s):
    if s is None:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_count(x):
    return "—" if x is None else f"{int(x):,}".replace(",", " ")


def goal_table(results_path, sympy_path):
    """One row per SymbolicGoal case and size: nabla's median time and counters, SymPy's time
    (or status) and sizes, and the ratio SymPy / nabla (a lower bound where SymPy timed out)."""
    nabla = goal_rows(results_path)
    sympy, meta = {}, {}
    if sympy_path:
        with open(sympy_path) as f:
            meta = json.load(f)
        for r in meta["cases"]:
            sympy[(r["case"], int(r["n"]))] = r
    if not nabla and not sympy:
        return
    rank = {c: i for i, c in enumerate(GOAL_CASES)}
    order = sorted(set(nabla) | set(sympy), key=lambda k: (rank.get(k[0], len(rank)), k))
    print()
    title = "SymbolicGoal: nabla"
    if sympy_path:
        title += (f" against SymPy {meta.get('sympy_version')} (one run per case, "
                  f"{meta.get('timeout_s'):g} s limit)")
    print(title)
    print()
    header = "| case | n | nabla time | nabla nodes | nabla C bytes | nabla emitted ops |"
    if sympy_path:
        header += (" SymPy time | SymPy nodes (DAG / tree) | SymPy C bytes | SymPy emitted ops "
                   "| SymPy / nabla |")
    print(header)
    print("|---" * header.count(" | ") + "|---|")
    for key in order:
        case, n = key
        b = nabla.get(key)
        t_nabla = None
        if b is None:
            cells = ["—"] * 4
        elif b.get("error_occurred"):
            cells = [f"error: {b.get('error_message', '')}", "—", "—", "—"]
        else:
            t_nabla = b["real_time"] * UNIT_NS[b.get("time_unit", "ns")] / 1e9
            cells = [fmt_seconds(t_nabla), fmt_count(b.get("nodes")), fmt_count(b.get("c_bytes")),
                     fmt_count(b.get("emitted_ops"))]
        if not sympy_path:
            print(f"| {case} | {n} | " + " | ".join(cells) + " |")
            continue
        r = sympy.get(key)
        ratio = "—"
        if r is None:
            cells += ["—"] * 4
        else:
            z = r.get("sizes") or {}
            status = r["status"]
            if status == "ok":
                t = fmt_seconds(r["seconds"])
                if t_nabla:
                    ratio = f"{r['seconds'] / t_nabla:,.0f}".replace(",", " ") \
                        if r["seconds"] / t_nabla >= 10 else f"{r['seconds'] / t_nabla:.2f}"
            elif status == "timeout":
                t = f"timeout (> {r.get('timeout_s', meta.get('timeout_s')):g} s)"
                if t_nabla:
                    ratio = f"> {r.get('timeout_s', meta.get('timeout_s')) / t_nabla:,.0f}" \
                        .replace(",", " ")
            elif status == "skipped":
                t = r.get("reason", "skipped")
            else:
                t = f"error: {r.get('error', '')}"
            if z.get("status") == "timeout":
                nodes = "count timed out"
            elif "dag_nodes" in z:
                nodes = fmt_count(z["dag_nodes"])
                if "tree_nodes" in z:
                    nodes += f" / {fmt_count(z['tree_nodes'])}"
            else:
                nodes = "—"
            c_bytes = fmt_count(z.get("c_bytes"))
            emitted = fmt_count(z.get("emitted_ops"))
            if "emitted_ops_no_cse" in z:
                c_bytes += f" (no CSE: {fmt_count(z['c_bytes_no_cse'])})"
                emitted += f" (no CSE: {fmt_count(z['emitted_ops_no_cse'])})"
            cells += [t, nodes, c_bytes, emitted]
        print(f"| {case} | {n} | " + " | ".join(cells) + f" | {ratio} |")
    if sympy_path:
        print()
        print("nabla nodes: distinct nodes of the result DAG; SymPy nodes: distinct subexpressions "
              "(len(set(preorder_traversal))) / preorder_traversal length. nabla emitted ops: "
              "`const double tK` temporaries, one operation each; SymPy's: count_ops over "
              "sympy.cse's replacements and reduced expressions.")


def reverse_table(times):
    """Reverse mode: names Case/variant/size; every time as a ratio to the case's primal."""
    rows = {}
    for name, t in times.items():
        parts = name.split("/")
        if len(parts) != 3:
            continue
        case, variant, size = parts
        if case.startswith("Symbolic") or case.startswith("Tensor") or not size.isdigit():
            continue
        rows.setdefault((case, int(size)), {})[variant] = t
    if not rows:
        return
    print()
    print("| case | n | primal | gradient | gradient / primal | resweep / primal "
          "| ADOL-C gradient / primal | ADOL-C resweep / primal | ADOL-C / nabla (gradient) |")
    print("|---|---|---|---|---|---|---|---|---|")

    def fmt(x):
        if x is None:
            return "—"
        if x < 1e3:
            return f"{x:.1f} ns"
        if x < 1e6:
            return f"{x / 1e3:.2f} µs"
        return f"{x / 1e6:.2f} ms"

    def ratio(a, b):
        return "—" if a is None or b is None else f"{a / b:.1f}"

    for (case, size), v in sorted(rows.items()):
        primal = v.get("primal")
        gradient = v.get("gradient")
        print(f"| {case} | {size} | {fmt(primal)} | {fmt(gradient)} | {ratio(gradient, primal)} "
              f"| {ratio(v.get('resweep'), primal)} | {ratio(v.get('adolc_gradient'), primal)} "
              f"| {ratio(v.get('adolc_resweep'), primal)} "
              f"| {ratio(v.get('adolc_gradient'), gradient)} |")
        if "hessian" in v:
            print(f"| {case} (Hessian) | {size} | {fmt(primal)} | {fmt(v['hessian'])} "
                  f"| {ratio(v['hessian'], primal)} | Hessian / gradient: "
                  f"{ratio(v['hessian'], gradient)} | | | |")
    fixed = {k.split("/")[1]: t for k, t in times.items() if k.startswith("FixedCost/")}
    if fixed:
        print()
        print(f"Fixed cost of a one-input gradient: {fmt(fixed.get('gradient'))} "
              f"(primal {fmt(fixed.get('primal'))}).")


def tensor_table(path):
    """Tensor<Case>/<engine>[/<dtype>] entries: the chain's time per operation, GEMM's GFLOP/s,
    the MLP step's time, each beside its baseline (libtorch; the BLAS called directly)."""
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        if not name.startswith("Tensor"):
            continue
        if b.get("aggregate_name") == "median" or (b.get("run_type") != "aggregate"
                                                   and name not in rows):
            rows[name] = b
    if not rows:
        return

    def ns(name):
        b = rows.get(name)
        return None if b is None else b["real_time"] * UNIT_NS[b.get("time_unit", "ns")]

    def ratio(a, b):
        return "—" if a is None or b is None else f"{a / b:.2f}"

    print()
    print("| tensor case | nabla | libtorch | BLAS direct | nabla / libtorch (time) "
          "| nabla / BLAS (time) |")
    print("|---|---|---|---|---|---|")
    chain = {e: ns(f"TensorChain/{e}") for e in ("nabla", "torch")}
    per_op = {e: None if t is None else t / rows[f"TensorChain/{e}"].get("ops", 1000)
              for e, t in chain.items()}
    fmt_ns = lambda t: "—" if t is None else f"{t:.0f} ns"
    print(f"| chain of 1000 ops, forward + backward, per op | {fmt_ns(per_op['nabla'])} "
          f"| {fmt_ns(per_op['torch'])} | — | {ratio(per_op['nabla'], per_op['torch'])} | — |")
    for terms in (1000, 16000):
        t = {e: ns(f"TensorWideSum/{e}/{terms}") for e in ("nabla", "torch")}
        per = {e: None if v is None else v / terms for e, v in t.items()}
        print(f"| backward of a sum of {terms} terms, per term | {fmt_ns(per['nabla'])} "
              f"| {fmt_ns(per['torch'])} | — | {ratio(per['nabla'], per['torch'])} | — |")
    for dtype in ("float32", "float64"):
        flops = {e: (rows[f"TensorGemm/{e}/{dtype}"].get("flops") / 1e9
                     if f"TensorGemm/{e}/{dtype}" in rows else None)
                 for e in ("nabla", "torch", "blas")}
        fmt_g = lambda g: "—" if g is None else f"{g:.1f} GFLOP/s"
        # time ratios, as in every other row: the other's throughput over nabla's
        print(f"| GEMM 1024, {dtype} | {fmt_g(flops['nabla'])} | {fmt_g(flops['torch'])} "
              f"| {fmt_g(flops['blas'])} | {ratio(flops['torch'], flops['nabla'])} "
              f"| {ratio(flops['blas'], flops['nabla'])} |")
    step = {e: ns(f"TensorMlpStep/{e}") for e in ("nabla", "torch")}
    fmt_ms = lambda t: "—" if t is None else f"{t / 1e6:.2f} ms"
    print(f"| MLP step (256, 784-1000-10) | {fmt_ms(step['nabla'])} | {fmt_ms(step['torch'])} "
          f"| — | {ratio(step['nabla'], step['torch'])} | — |")


def main():
    parser = argparse.ArgumentParser(description="Tables from nabla_bench's JSON output.")
    parser.add_argument("results", help="Google Benchmark JSON of nabla_bench")
    parser.add_argument("--sympy", help="JSON of bench/sympy_bench.py, for the SymbolicGoal table")
    args = parser.parse_args()
    context, times = medians(args.results)
    print(f"Host: {context.get('num_cpus')} CPUs at {context.get('mhz_per_cpu')} MHz, "
          f"{context.get('library_build_type')} Google Benchmark build, run {context.get('date')}")
    print()
    print("| case (time per call) | primal | hand-written | hand-fused | Dual | Ceres Jet | Dual / hand-written | Dual / hand-fused | Dual / Jet | Dual / primal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case, calls in CASES.items():
        t = {v: (times[case + v] / calls if case + v in times else None) for v in VARIANTS}
        if all(x is None for x in t.values()):
            continue
        def fmt(x):
            return "—" if x is None else f"{x:.1f} ns" if x < 1e4 else f"{x / 1e3:.2f} µs"
        def ratio(a, b):
            return "—" if a is None or b is None else f"{a / b:.2f}"
        print(f"| {case} | {fmt(t['Primal'])} | {fmt(t['HandWritten'])} | {fmt(t['HandFused'])} | "
              f"{fmt(t['Dual'])} | {fmt(t['CeresJet'])} | {ratio(t['Dual'], t['HandWritten'])} | "
              f"{ratio(t['Dual'], t['HandFused'])} | {ratio(t['Dual'], t['CeresJet'])} | "
              f"{ratio(t['Dual'], t['Primal'])} |")
    reverse_table(times)
    symbolic_table(times)
    goal_table(args.results, args.sympy)
    tensor_table(args.results)


if __name__ == "__main__":
    main()
