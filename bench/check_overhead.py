#!/usr/bin/env python3
"""Check mode's cost: the same workloads under glibc, heapguard (default mode),
heapguard check mode, AddressSanitizer and Valgrind's memcheck, interleaved, medians of
N runs.

Usage: python3 bench/check_overhead.py [--runs N] [--smoke] [--no-valgrind] [--no-asan]
           [--lib build/libheapguard.so] [--bin-dir build/bench]
           [--only churn,random] [--out DIR] [--quarantine 4MiB,16MiB,...]
Writes bench/results/check-overhead.md and .csv (smoke: bench/results/smoke/; --only
writes nothing unless --out is given, so a partial run cannot replace the results).

--quarantine SIZES measures the quarantine's trade instead: glibc and check mode at each
size (HEAPGUARD_QUARANTINE), interleaved, into check-quarantine.md and .csv.  The
quarantine is check mode's detection window (a write after free is caught if the block
is still waiting when it happens, or when it leaves); its size is also most of check
mode's cost on allocation-heavy loops, whose freed blocks leave it cold.

Check mode is run as a user would (`HEAPGUARD_MODE=check`, defaults: 12-frame stacks
on every malloc and free, 16-byte redzones, 64 MiB quarantine, leak scan at exit);
memcheck with --leak-check=full.  AddressSanitizer needs the program recompiled, so it
is measured on the workloads built from bench/ only: each built again with
`gcc -O2 -fsanitize=address -fno-omit-frame-pointer` (into BIN-DIR/asan/) and run with
ASan's defaults (its leak check included); python3 and sqlite3 get "-".  Workload
sizes are smaller than bench/run.py's so that memcheck finishes in minutes.
"""
import argparse
import csv
import datetime
import os
import subprocess
import sys

import overhead

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
LIB = os.path.join(ROOT, "build", "libheapguard.so")
BIN = os.path.join(ROOT, "build", "bench")

PYTHON = sys.executable if os.path.basename(sys.executable).startswith("python3") else "python3"

MODES = ["glibc", "heapguard", "check", "asan", "memcheck"]


def workloads(smoke):
    """(name, argv, extra environment, sqlite input) for each workload; a workload whose
    program is bench/<argv[0]'s name>.c can be built with AddressSanitizer."""
    s = 10 if smoke else 1
    sql_rows = "2000" if smoke else "20000"
    return [
        ("churn", [os.path.join(BIN, "wl_churn"), "--ops", str(1000000 // s)], {}, None),
        ("random", [os.path.join(BIN, "wl_random"), "--ops", str(400000 // s)], {}, None),
        ("realloc", [os.path.join(BIN, "wl_realloc"), "--smoke"], {}, None),
        # The interpreter running this script, as bench/run.py does: a "python3" found on
        # PATH may be a wrapper script (pyenv's shims are bash scripts running pyenv),
        # whose shells would be measured, leak reports and all, with the program.
        ("python", [PYTHON, os.path.join(BENCH, "py_alloc.py"), "0.02" if smoke else "0.1"],
         {"PYTHONMALLOC": "malloc", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}, None),
        ("sqlite", ["sqlite3", ":memory:"], {}, ("sqlite", sql_rows)),
    ]


def asan_binary(argv):
    """The AddressSanitizer build of a bench/ workload (made if missing or older than its
    source), or None: not one of bench/'s programs, or gcc cannot build it."""
    src = os.path.join(BENCH, os.path.basename(argv[0]) + ".c")
    if not os.path.dirname(argv[0]) == BIN or not os.path.exists(src):
        return None
    out = os.path.join(BIN, "asan", os.path.basename(argv[0]))
    deps = [src, os.path.join(BENCH, "wl_common.h")]
    if not os.path.exists(out) or os.path.getmtime(out) < max(map(os.path.getmtime, deps)):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        r = subprocess.run(["gcc", "-O2", "-pthread", "-fsanitize=address", "-fno-omit-frame-pointer",
                            "-o", out, src], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            print("  asan: cannot build %s: %s" % (src, r.stderr.strip().splitlines()[-1:]), flush=True)
            return None
    return out


def run(argv, env, stdin_path, mode):
    """One run: (wall s, CPU s, peak RSS KiB, exit status)."""
    env = dict(env)
    env.pop("LD_PRELOAD", None)
    if mode == "asan":
        argv = [asan_binary(argv)] + argv[1:]
        # LeakSanitizer stops the program's threads with ptrace at exit, which fails in
        # a traced process: the launcher leaves it untraced (peak RSS from ru_maxrss).
        env["MEASURE_NO_TRACE"] = "1"
    if mode in ("heapguard", "check") or mode.startswith("check@"):
        env["LD_PRELOAD"] = LIB
    if mode == "check" or mode.startswith("check@"):
        env["HEAPGUARD_MODE"] = "check"
        if mode.startswith("check@"):
            env["HEAPGUARD_QUARANTINE"] = mode[len("check@"):]
        env["HEAPGUARD_LOG_FILE"] = "/dev/null"
        env["HEAPGUARD_ERROR_EXITCODE"] = "0"
    if mode == "memcheck":
        argv = ["valgrind", "--quiet", "--leak-check=full", "--log-file=/dev/null"] + argv
    return overhead.measure_run(os.path.join(BIN, "measure"),
                                os.path.join(overhead.scratch_dir(BIN), "measure.txt"),
                                argv, env, stdin_path)


def main():
    global LIB, BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--no-valgrind", action="store_true")
    ap.add_argument("--no-asan", action="store_true")
    ap.add_argument("--lib", default=LIB, help="the heapguard library (default %(default)s)")
    ap.add_argument("--bin-dir", default=BIN, help="the built workloads (default %(default)s)")
    ap.add_argument("--only", default=None, help="comma-separated workloads to run")
    ap.add_argument("--out", default=None, help="directory for the results")
    ap.add_argument("--quarantine", default=None,
                    help="comma-separated quarantine sizes: glibc against check mode at each")
    args = ap.parse_args()
    LIB, BIN = os.path.abspath(args.lib), os.path.abspath(args.bin_dir)
    only = set(args.only.split(",")) if args.only else None
    runs = args.runs or (1 if args.smoke else 3)
    modes = [m for m in MODES if not (m == "memcheck" and args.no_valgrind) and not (m == "asan" and args.no_asan)]
    stem = "check-overhead"
    if args.quarantine:
        modes = ["glibc"] + ["check@" + q.strip() for q in args.quarantine.split(",") if q.strip()]
        stem = "check-quarantine"
    out = args.out or os.path.join(BENCH, "results", "smoke" if args.smoke else "")
    write = not only or args.out
    os.makedirs(out, exist_ok=True)
    scratch = overhead.scratch_dir(BIN)
    rows, res, status = [], {}, {}
    chosen = [w for w in workloads(args.smoke) if not only or w[0] in only]
    for name, argv, extra, gen in chosen:
        stdin_path = None
        if gen:
            stdin_path = os.path.join(scratch, "check-sqlite-%s.sql" % gen[1])
            with open(stdin_path, "w") as f:
                subprocess.run([sys.executable, os.path.join(BENCH, "gen_sqlite.py"), gen[1]], stdout=f, check=True)
        env = dict(os.environ)
        env.update(extra)
        for r in range(runs):
            for m in modes:
                if m == "asan" and not asan_binary(argv):
                    continue
                wall, cpu, rss, code = run(argv, env, stdin_path, m)
                rows.append([name, m, r + 1, "%.4f" % wall, "%.4f" % cpu, rss, code])
                res.setdefault((name, m), []).append((wall, cpu, rss))
                status[(name, m)] = status.get((name, m)) or code
                print("  %-8s %-9s run %d  wall %8.3f s  cpu %8.3f s  rss %8.1f MiB  status %d" % (
                    name, m, r + 1, wall, cpu, rss / 1024, code), flush=True)
    failed = any(status.values())
    if not write:
        return 1 if failed else 0
    with open(os.path.join(out, stem + ".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "mode", "run", "wall_s", "cpu_s", "maxrss_kb", "status"])
        w.writerows(rows)
    names = [n for n, *_ in chosen]
    med = overhead.medians(res)
    title = "Check mode's cost by quarantine size" if args.quarantine else "Check mode's cost"
    how = ("check@SIZE: check mode (`HEAPGUARD_MODE=check`) with `HEAPGUARD_QUARANTINE=SIZE`, its "
           "other options at their defaults (the quarantine's is 64MiB).  Peak RSS: VmHWM at exit "
           "(bench/measure.c)." if args.quarantine else
           "Check mode: `HEAPGUARD_MODE=check` with its defaults; asan: the workload "
           "built with `gcc -O2 -fsanitize=address -fno-omit-frame-pointer`, ASan's defaults "
           "(bench/ programs only: python3 and sqlite3 would need rebuilding; its geometric mean "
           "is over the workloads it ran); memcheck: `valgrind --leak-check=full`.  Peak RSS: "
           "VmHWM at exit (bench/measure.c), but ru_maxrss for asan (LeakSanitizer cannot run "
           "in a traced process).")
    L = ["# " + title, "",
         "Generated %s by `python3 bench/check_overhead.py%s` (%d run(s) each, interleaved; medians).  %s"
         % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            (" --smoke" if args.smoke else "") + (" --quarantine " + args.quarantine if args.quarantine else ""),
            runs, how), ""]
    for title, idx, unit in overhead.MEASURES:
        L += overhead.ratio_table("## %s (ratio to glibc)" % title, names, modes, med, status,
                                  "glibc", idx, unit, digits=1)
    with open(os.path.join(out, stem + ".md"), "w") as f:
        f.write("\n".join(L) + "\n")
    print("wrote %s" % os.path.join(out, stem + ".md"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
