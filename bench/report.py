#!/usr/bin/env python3
"""Ratios from a Google Benchmark JSON file (run with repetitions): median times, side by side.

Usage: report.py RESULTS.json
Prints a Markdown table: for each case, the median time of each variant and its ratio to the
case's baselines (plain double, hand-written derivative, Ceres Jet).
"""
import json
import sys

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
        if len(parts) == 3 and parts[0].startswith("Symbolic"):
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


def reverse_table(times):
    """Reverse mode: names Case/variant/size; every time as a ratio to the case's primal."""
    rows = {}
    for name, t in times.items():
        parts = name.split("/")
        if len(parts) != 3:
            continue
        case, variant, size = parts
        if case.startswith("Symbolic"):
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


def main():
    context, times = medians(sys.argv[1])
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


if __name__ == "__main__":
    main()
