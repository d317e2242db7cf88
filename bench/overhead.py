"""What bench/check_overhead.py and bench/guard_overhead.py share: one measured run of a
program, the medians of a set of runs, and the Markdown table of ratios to a base mode.

A run's figures are a tuple indexed by WALL, CPU and RSS; `med` maps (workload, mode)
to the medians of those, and `status` maps (workload, mode) to the first nonzero exit
status seen (0 when every run succeeded).
"""
import os
import statistics
import subprocess

WALL, CPU, RSS = 0, 1, 2

# (title, index, unit) of the three tables every overhead report has.  CPU time (user +
# system, of the program and its children) as well as wall time: on a machine shared
# with other work, wall time also counts the waits for a core (a multi-threaded
# program's most), CPU time does not.
MEASURES = (("Wall time", WALL, "s"), ("CPU time (user + sys)", CPU, "s"), ("Peak RSS", RSS, "MiB"))


def measure_run(measure, result, argv, env, stdin_path=None):
    """Run argv under bench/measure (built from bench/measure.c), which forks and waits
    for the program, so that the peak RSS is the program's own and not the address space
    of this Python process, which a child forked from here would carry into the figure.
    `result` is the scratch file measure writes.  Returns (wall s, CPU s, peak RSS KiB,
    exit status: 128 + N for a program killed by signal N)."""
    stdin = open(stdin_path) if stdin_path else subprocess.DEVNULL
    try:
        subprocess.run([measure, result] + list(argv), env=env, stdin=stdin,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        if stdin_path:
            stdin.close()
    with open(result) as f:
        wall, user, sys_s, rss, how, code = f.read().split()[:6]
    return (float(wall), float(user) + float(sys_s), int(rss),
            int(code) if how == "exit" else 128 + int(code))


def medians(res):
    """{key: [run tuple, ...]} -> {key: tuple of the medians, column by column}."""
    return {k: tuple(statistics.median(r[i] for r in runs) for i in range(len(runs[0])))
            for k, runs in res.items() if runs}


def geomean(xs):
    xs = [x for x in xs if x > 0]
    if not xs:
        return 0.0
    p = 1.0
    for x in xs:
        p *= x
    return p ** (1.0 / len(xs))


def ratio_table(heading, names, modes, med, status, base, idx, unit, digits=2):
    """Markdown lines: one row per workload, one column per mode, each cell the median
    and its ratio to the base mode's; a mode that did not run a workload shows "-", one
    whose run failed shows its status.  The last row is each mode's geometric mean over
    the workloads both it and the base ran successfully, marked "(k of n)" when that is
    not all of them."""
    L = [heading, "", "| workload | " + " | ".join(modes) + " |", "|---" * (len(modes) + 1) + "|"]

    def ok(n, m):
        return (n, m) in med and not status.get((n, m)) and not status.get((n, base)) \
            and med[(n, base)][idx] > 0

    for n in names:
        b = med[(n, base)][idx] if (n, base) in med else 0
        cells = []
        for m in modes:
            if status.get((n, m)):
                cells.append("failed (status %d)" % status[(n, m)])
            elif (n, m) not in med:
                cells.append("-")
            else:
                v = med[(n, m)][idx]
                shown = v if unit == "s" else v / 1024
                cells.append("%.3g %s (%.*fx)" % (shown, unit, digits, v / b if b else 0))
        L.append("| %s | %s |" % (n, " | ".join(cells)))
    geo = []
    for m in modes:
        used = [n for n in names if ok(n, m)]
        g = geomean([med[(n, m)][idx] / med[(n, base)][idx] for n in used])
        geo.append(("%.2fx" % g if used else "-") +
                   ("" if len(used) in (0, len(names)) else " (%d of %d)" % (len(used), len(names))))
    L += ["| geometric mean | %s |" % " | ".join(geo), ""]
    return L


def scratch_dir(bin_dir):
    """The scratch directory beside the built workloads (build/bench-scratch)."""
    d = os.path.join(os.path.dirname(os.path.abspath(bin_dir)), "bench-scratch")
    os.makedirs(d, exist_ok=True)
    return d
