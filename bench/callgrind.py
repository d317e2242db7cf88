#!/usr/bin/env python3
"""callgrind.py — instructions per malloc+free pair, per allocator, with valgrind's callgrind.

Instruction counts do not care how noisy the machine is: this is the repeatable
measurement of the allocators' fast paths.  For each allocator and each case of the harness
bench/cg_pairs.c:
  same32  malloc(32) + free in one thread;
  random  sizes 8..1024 B (log-uniform) with a window of 32 live blocks;
it runs `LD_PRELOAD=<lib> valgrind --tool=callgrind cg_pairs CASE N` and the same with 2N,
and reports (Ir(2N) - Ir(N)) / N: the cost of one iteration in steady state, start-up and
other constant costs cancelled.  The preload is set in valgrind's own environment, which
valgrind passes on to the program (`env LD_PRELOAD=... prog` under valgrind would measure
`env`).  The same harness with no-op allocator functions ("null") gives the loop's own
cost, shown separately and subtracted in the last columns.

Writes <out>/callgrind.md and <out>/callgrind.csv.

Usage: python3 bench/callgrind.py [--n N] [--alloc NAMES] [--lib PATH] [--bin-dir DIR]
                                  [--out DIR] [--smoke]
"""
import argparse
import csv
import datetime
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # importing run.py must not leave bench/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (allocator table, machine info, building)

CASES = [("same32", "malloc(32) + free, same thread"),
         ("random", "random sizes 8..1024 B, window of 32 blocks")]


def instructions(cg_bin, case, n, lib, null=False):
    """Total instructions (Ir) of one callgrind run, and whether lib showed up in the profile."""
    fd, out = tempfile.mkstemp(prefix="hg-cg-", suffix=".out")
    os.close(fd)
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    if lib:
        env["LD_PRELOAD"] = lib
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, cg_bin, case, str(n)]
    if null:
        argv.append("null")
    res = subprocess.run(argv, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(argv), res.stderr[-2000:]))
    total, seen = None, not lib
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or (total is None and line.startswith("totals:")):
                total = int(line.split()[1])
            elif lib and line.startswith(("ob=", "cob=")) and os.path.basename(lib) in line:
                seen = True
    os.unlink(out)
    return total, seen


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=None, help="iterations N (runs N and 2N; default 200000)")
    ap.add_argument("--alloc", default="", help="comma-separated allocators")
    ap.add_argument("--lib", default=None, help="heapguard library (default $ROOT/build/libheapguard.so)")
    ap.add_argument("--bin-dir", default=os.path.join(bench.ROOT, "build", "bench"))
    ap.add_argument("--out", default=os.path.join(bench.BENCH, "results"))
    ap.add_argument("--smoke", action="store_true", help="N = 5000, glibc and heapguard only, results in <out>/smoke")
    args = ap.parse_args()

    if not shutil.which("valgrind"):
        print("valgrind is not installed: apt-get install -y valgrind", file=sys.stderr)
        return 0 if args.smoke else 1
    n = args.n or (5000 if args.smoke else 200000)
    out_dir = os.path.join(args.out, "smoke") if args.smoke else args.out
    os.makedirs(out_dir, exist_ok=True)
    allocs = dict(bench.ALLOCATORS)
    if args.lib:
        allocs["heapguard"] = os.path.abspath(args.lib)
    names = [a for a, _ in bench.ALLOCATORS]
    if args.alloc:
        names = [a for a in names if a in args.alloc.split(",")]
    elif args.smoke:
        names = ["glibc", "heapguard"]
    notes = []
    active = []
    for a in names:
        if allocs[a] and not os.path.exists(allocs[a]):
            notes.append("%s skipped: %s not found" % (a, allocs[a]))
            print("skipping %s: %s not found" % (a, allocs[a]))
        else:
            active.append(a)
    bench.ensure_binaries(args.bin_dir, ["cg_pairs"])
    cg_bin = os.path.join(args.bin_dir, "cg_pairs")

    loop = {}
    for case, _ in CASES:
        a1, _ = instructions(cg_bin, case, n, "", null=True)
        a2, _ = instructions(cg_bin, case, 2 * n, "", null=True)
        loop[case] = (a2 - a1) / n
        print("  loop only  %-7s %6.1f instr/iteration" % (case, loop[case]), flush=True)

    rows = []
    per = {}
    for a in active:
        for case, _ in CASES:
            i1, seen1 = instructions(cg_bin, case, n, allocs[a])
            i2, seen2 = instructions(cg_bin, case, 2 * n, allocs[a])
            pair = (i2 - i1) / n
            per[(a, case)] = pair
            if not (seen1 and seen2):
                notes.append("%s: %s did not appear in callgrind's profile: preload failed?" % (
                    a, allocs[a]))
            rows.append([a, case, n, i1, i2, "%.1f" % pair, "%.1f" % loop[case],
                         "%.1f" % (pair - loop[case])])
            print("  %-10s %-7s Ir(N)=%d Ir(2N)=%d  -> %6.1f instr/pair (%.1f without the loop)" % (
                a, case, i1, i2, pair, pair - loop[case]), flush=True)

    with open(os.path.join(out_dir, "callgrind.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["allocator", "case", "n", "ir_n", "ir_2n", "instr_per_pair",
                    "loop_instr", "instr_per_pair_minus_loop"])
        w.writerows(rows)

    mi = bench.machine_info()
    vers = bench.package_versions()
    cmdline = " ".join(shlex.quote(x) for x in [os.path.relpath(sys.argv[0], bench.ROOT)] + sys.argv[1:])
    L = ["# Instructions per malloc+free pair (callgrind)", ""]
    L.append("Generated %s by `%s`%s." % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), cmdline,
                                         " (**smoke run**)" if args.smoke else ""))
    L.append("")
    L.append("Machine: %s CPUs, %s; kernel %s; %s; valgrind %s. heapguard: git %s." % (
        mi["nproc"], mi["cpu"], mi["kernel"], mi["glibc"],
        subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip(),
        bench.git_describe()))
    L.append("")
    L.append("Method: `LD_PRELOAD=<lib> valgrind --tool=callgrind build/bench/cg_pairs CASE N` and "
             "the same with 2N = %d; the figure is (Ir(2N) − Ir(N)) / N, so start-up and "
             "constant costs cancel. It includes the harness loop (a few instructions: the "
             "tables, the indirect calls, one store), measured with no-op allocator functions "
             "and subtracted in the second table. Lower is better." % (2 * n))
    L.append("")
    header = ["case"] + active
    L.append("Instructions per iteration, harness subtracted by N vs 2N (DESIGN.md's measure):")
    L.append("")
    L.append("| " + " | ".join(header) + " |")
    L.append("|---|" + "---:|" * len(active))
    for case, what in CASES:
        L.append("| %s (%s) | %s |" % (case, what, " | ".join(
            ("**%.1f**" if a == "heapguard" else "%.1f") % per[(a, case)] for a in active)))
    L.append("")
    L.append("The same without the loop's own cost (same32: %.1f, random: %.1f instructions per "
             "iteration with no-op allocator functions):" % (loop["same32"], loop["random"]))
    L.append("")
    L.append("| " + " | ".join(header) + " |")
    L.append("|---|" + "---:|" * len(active))
    for case, what in CASES:
        L.append("| %s | %s |" % (case, " | ".join(
            ("**%.1f**" if a == "heapguard" else "%.1f") % (per[(a, case)] - loop[case]) for a in active)))
    L.append("")
    if "mimalloc" in active:
        L.append("Relative to mimalloc (first table): " + "; ".join(
            "%s: %s" % (case, ", ".join("%s %.2f×" % (a, per[(a, case)] / per[("mimalloc", case)])
                                        for a in active if a != "mimalloc"))
            for case, _ in CASES) + ".")
        L.append("")
    L.append("Allocators: " + "; ".join(
        "%s = %s%s" % (a, allocs[a] or "no preload", (" (%s)" % vers[bench.PACKAGES[a]])
                       if a in bench.PACKAGES and bench.PACKAGES[a] in vers else "")
        for a in active) + ".")
    for note in notes:
        L.append("")
        L.append("Note: " + note)
    L.append("")
    L.append("Raw counts: callgrind.csv.")
    L.append("")
    with open(os.path.join(out_dir, "callgrind.md"), "w") as f:
        f.write("\n".join(L))
    print("wrote %s and callgrind.csv" % os.path.join(out_dir, "callgrind.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
