#!/usr/bin/env python3
"""Guard mode's cost, in two parts, each interleaved, medians of N runs.

1. Sampled guard mode (HEAPGUARD_SAMPLE_RATE, the default allocator guarding one
   allocation in N) against the default mode and glibc, at the benchmark's sizes: the
   design target is at most 1.05x the default mode's time.
2. Full guard mode (HEAPGUARD_MODE=guard) against Electric Fence (Debian's
   electric-fence, preloaded) and the default mode, on smaller runs of the same
   workloads (both cost several system calls per allocation).

Usage: python3 bench/guard_overhead.py [--runs N] [--smoke] [--no-efence] [--part 1|2]
           [--lib build/libheapguard.so] [--bin-dir build/bench] [--out DIR]
Writes bench/results/guard-overhead.md and .csv (smoke: bench/results/smoke/; --part
prints its tables and writes nothing unless --out is given, so that a partial run
cannot replace the results): wall time, CPU time (user + system: what to trust when
other processes share the machine; the load average is noted) and peak RSS, as ratios
to the default mode.

Guard mode runs as a user would run it (`heapguard guard`: 12-frame stacks at every
malloc and free, 64 MiB quarantine, leak scan at exit; reports to /dev/null and
HEAPGUARD_ERROR_EXITCODE=0, so that the programs' own leaks do not change the exit
status); Electric Fence with EF_ALLOW_MALLOC_0=1 (it aborts on malloc(0) otherwise).
Electric Fence is installed with apt-get when missing and run as root.
"""
import argparse
import csv
import datetime
import os
import shutil
import subprocess
import sys

import overhead

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
EFENCE = "/usr/lib/libefence.so.0.0"
PY_ENV = {"PYTHONMALLOC": "malloc", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def modes_sampled():
    return [("glibc", None, {}),
            ("default", "hg", {}),
            ("sampled-5000", "hg", {"HEAPGUARD_SAMPLE_RATE": "5000"}),
            ("sampled-1000", "hg", {"HEAPGUARD_SAMPLE_RATE": "1000"}),
            ("sampled-100", "hg", {"HEAPGUARD_SAMPLE_RATE": "100"})]


def modes_guard(efence):
    m = [("default", "hg", {}),
         ("guard", "hg", {"HEAPGUARD_MODE": "guard", "HEAPGUARD_LOG_FILE": "/dev/null",
                          "HEAPGUARD_ERROR_EXITCODE": "0"})]
    if efence:
        m.append(("efence", EFENCE, {"EF_ALLOW_MALLOC_0": "1"}))
    return m


def workloads(bin_dir, part, smoke):
    """(name, argv, extra environment, sqlite rows or None)."""
    py = sys.executable   # the interpreter itself, not a wrapper script (pyenv's is bash)
    w = lambda name: os.path.join(bin_dir, name)
    if part == 1:
        s = 20 if smoke else 1
        return [
            ("churn", [w("wl_churn"), "--ops", str(20000000 // s)], {}, None),
            ("random", [w("wl_random"), "--ops", str(5000000 // s)], {}, None),
            ("realloc", [w("wl_realloc")] + (["--smoke"] if smoke else []), {}, None),
            ("larson", [w("wl_larson")] + (["--smoke"] if smoke else []), {}, None),
            ("python", [py, os.path.join(BENCH, "py_alloc.py"), "0.02" if smoke else "0.3"], PY_ENV, None),
            ("sqlite", ["sqlite3", ":memory:"], {}, "2000" if smoke else "20000"),
        ]
    s = 10 if smoke else 1
    return [
        ("churn", [w("wl_churn"), "--ops", str(100000 // s)], {}, None),
        ("random", [w("wl_random"), "--ops", str(50000 // s)], {}, None),
        ("realloc", [w("wl_realloc"), "--smoke"], {}, None),
        ("python", [py, os.path.join(BENCH, "py_alloc.py"), "0.002" if smoke else "0.02"], PY_ENV, None),
        ("sqlite", ["sqlite3", ":memory:"], {}, "200" if smoke else "2000"),
    ]


def ensure_efence():
    """Electric Fence's library, installed if missing (as root); None if unavailable."""
    if os.path.exists(EFENCE):
        return EFENCE
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing electric-fence", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(["apt-get", "install", "-y", "-qq", "electric-fence"], env=env,
                          stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "electric-fence"], env=env,
                           stdout=subprocess.DEVNULL)
    if os.path.exists(EFENCE):
        return EFENCE
    print("Electric Fence skipped: %s not found (apt-get install -y electric-fence)" % EFENCE, flush=True)
    return None


def run(measure, scratch, argv, env, stdin_path, preload):
    """One run: (wall s, CPU s, peak RSS KiB, exit status)."""
    env = dict(env)
    env.pop("LD_PRELOAD", None)
    if preload:
        env["LD_PRELOAD"] = preload
    return overhead.measure_run(measure, os.path.join(scratch, "measure-guard.txt"), argv, env, stdin_path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--no-efence", action="store_true")
    ap.add_argument("--part", type=int, choices=(1, 2), default=None,
                    help="only part 1 (sampled guard mode) or 2 (guard mode, Electric Fence)")
    ap.add_argument("--lib", default=os.path.join(ROOT, "build", "libheapguard.so"))
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--out", default=None, help="directory for the results")
    args = ap.parse_args()
    lib = os.path.abspath(args.lib)
    bin_dir = os.path.abspath(args.bin_dir)
    measure = os.path.join(bin_dir, "measure")
    for f in (lib, measure):
        if not os.path.exists(f):
            print("missing %s (make, make bench-progs)" % f)
            return 1
    runs = args.runs or (1 if args.smoke else 5)
    out = args.out or os.path.join(BENCH, "results", "smoke" if args.smoke else "")
    # One part alone must not replace the committed report of both: it is printed, and
    # written only where --out says.
    write = not args.part or args.out
    os.makedirs(out, exist_ok=True)
    scratch = overhead.scratch_dir(bin_dir)
    efence = None if args.no_efence else ensure_efence()
    have_sqlite = shutil.which("sqlite3") is not None

    rows, report = [], []
    load_start = os.getloadavg()[0]
    for part, modes in ((1, modes_sampled()), (2, modes_guard(efence))):
        if args.part and part != args.part:
            continue
        res, status = {}, {}
        wls = [w for w in workloads(bin_dir, part, args.smoke) if w[0] != "sqlite" or have_sqlite]
        for name, argv, extra, rows_sql in wls:
            stdin_path = None
            if rows_sql:
                stdin_path = os.path.join(scratch, "guard-sqlite-%s.sql" % rows_sql)
                with open(stdin_path, "w") as f:
                    subprocess.run([sys.executable, os.path.join(BENCH, "gen_sqlite.py"), rows_sql],
                                   stdout=f, check=True)
            env = dict(os.environ)
            env.update(extra)
            for r in range(runs):
                for mname, preload, menv in modes:
                    e = dict(env)
                    e.update(menv)
                    wall, cpu, rss, code = run(measure, scratch, argv, e, stdin_path,
                                               lib if preload == "hg" else preload)
                    rows.append([part, name, mname, r + 1, "%.4f" % wall, rss, "%.4f" % cpu, code])
                    res.setdefault((name, mname), []).append((wall, cpu, rss))
                    status[(name, mname)] = status.get((name, mname)) or code
                    print("  part %d  %-8s %-13s run %d  wall %8.3f s  cpu %8.3f s  rss %8.1f MiB  "
                          "status %d" % (part, name, mname, r + 1, wall, cpu, rss / 1024, code), flush=True)
        med = overhead.medians(res)
        names = [w[0] for w in wls]
        mnames = [m[0] for m in modes]
        if part == 1:
            report += ["## Sampled guard mode against the default mode", "",
                       "One malloc in N (at random) placed in a guarded slot with its stacks "
                       "(`HEAPGUARD_SAMPLE_RATE=N`, `heapguard run --sample-rate=N`); the "
                       "benchmark's sizes.  Target: at most 1.05x the default mode's time.", ""]
        else:
            report += ["## Guard mode against Electric Fence", "",
                       "Every block against an inaccessible page (`heapguard guard`), and "
                       "Electric Fence 2.2 preloaded; smaller runs (every allocation costs "
                       "several system calls in both).  A failed run (Electric Fence exits "
                       "when the kernel refuses it a mapping) is shown with its status.", ""]
        for title, idx, unit in overhead.MEASURES:
            report += overhead.ratio_table("### %s (ratio to default)" % title, names, mnames, med,
                                           status, "default", idx, unit)
    if not write:
        print("\n".join(report))
        return 0
    with open(os.path.join(out, "guard-overhead.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["part", "workload", "mode", "run", "wall_s", "maxrss_kb", "cpu_s", "status"])
        w.writerows(rows)
    head = ["# Guard mode's cost", "",
            "Generated %s by `python3 bench/guard_overhead.py%s%s` (%d run(s) each, interleaved; "
            "medians; %d cores; load average %.1f at the start, %.1f at the end: on a busy "
            "machine, trust the CPU times)." % (
                datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), " --smoke" if args.smoke else "",
                " --part %d" % args.part if args.part else "", runs, os.cpu_count() or 0,
                load_start, os.getloadavg()[0]), ""]
    with open(os.path.join(out, "guard-overhead.md"), "w") as f:
        f.write("\n".join(head + report) + "\n")
    print("wrote %s" % os.path.join(out, "guard-overhead.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
