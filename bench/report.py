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


def main():
    context, times = medians(sys.argv[1])
    print(f"Host: {context.get('num_cpus')} CPUs at {context.get('mhz_per_cpu')} MHz, "
          f"{context.get('library_build_type')} Google Benchmark build, run {context.get('date')}")
    print()
    print("| case (time per call) | primal | hand-written | hand-fused | Dual | Ceres Jet | Dual / hand-written | Dual / hand-fused | Dual / Jet | Dual / primal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case, calls in CASES.items():
        t = {v: (times[case + v] / calls if case + v in times else None) for v in VARIANTS}
        def fmt(x):
            return "—" if x is None else f"{x:.1f} ns" if x < 1e4 else f"{x / 1e3:.2f} µs"
        def ratio(a, b):
            return "—" if a is None or b is None else f"{a / b:.2f}"
        print(f"| {case} | {fmt(t['Primal'])} | {fmt(t['HandWritten'])} | {fmt(t['HandFused'])} | "
              f"{fmt(t['Dual'])} | {fmt(t['CeresJet'])} | {ratio(t['Dual'], t['HandWritten'])} | "
              f"{ratio(t['Dual'], t['HandFused'])} | {ratio(t['Dual'], t['CeresJet'])} | "
              f"{ratio(t['Dual'], t['Primal'])} |")


if __name__ == "__main__":
    main()
