#!/usr/bin/env python3
"""run.py — heapguard's benchmark runner.

Runs every workload of bench/ under each allocator (glibc = no preload, heapguard and the
Debian peers via LD_PRELOAD), interleaved (A B C D E A B C D E ...), N runs each; records
wall time, CPU time (user + sys) and peak RSS (VmHWM at the program's exit, or ru_maxrss
where the launcher may not trace; taken by the small launcher bench/measure.c so that the
runner's own RSS does not leak into it) per run; writes

  <out>/raw-<timestamp>.csv   every run (also copied to <out>/latest.csv)
  <out>/latest.md             the report: medians (min-max), ratios to glibc and to
                              mimalloc, geometric means, machine and command line
  <out>/latest.svg            time relative to glibc, grouped bars per workload
  <out>/latest-rss.svg        the same for peak RSS

Usage: python3 bench/run.py [--runs N] [--only W1,W2] [--alloc A1,A2] [--smoke]
                            [--lib PATH] [--bin-dir DIR] [--out DIR] [--timeout S] [--list]

Python 3 standard library only.  See bench/README.md.
"""
import argparse
import csv
import datetime
import hashlib
import json
import math
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
LIBDIR = "/usr/lib/x86_64-linux-gnu"

# name -> library to preload ("" = none).  Order = column order and run order.
ALLOCATORS = [
    ("glibc", ""),
    ("heapguard", os.path.join(ROOT, "build", "libheapguard.so")),
    ("jemalloc", LIBDIR + "/libjemalloc.so.2"),
    ("mimalloc", LIBDIR + "/libmimalloc.so.2"),
    ("tcmalloc", LIBDIR + "/libtcmalloc_minimal.so.4"),
]
PACKAGES = {"jemalloc": "libjemalloc2", "mimalloc": "libmimalloc2.0",
            "tcmalloc": "libtcmalloc-minimal4"}
COLORS = {"glibc": "#7f7f7f", "heapguard": "#d62728", "jemalloc": "#1f77b4",
          "mimalloc": "#2ca02c", "tcmalloc": "#ff7f0e"}


class Workload:
    """kind: 'c' (a bench/wl_*.c program), 'python', 'sqlite', 'redis'."""

    def __init__(self, name, kind, what, args=(), smoke_args=("--smoke",)):
        self.name, self.kind, self.what = name, kind, what
        self.args, self.smoke_args = list(args), list(smoke_args)


WORKLOADS = [
    Workload("churn", "c", "malloc+free of 32 B in one thread, 8 live (fast path)"),
    Workload("random", "c", "random sizes 8 B..4 KiB, log-distributed, window of 2000 live"),
    Workload("prodcons", "c", "producer allocates, consumer frees (cross-thread), bounded ring"),
    Workload("larson", "c", "Larson server: 4 threads, 8..1000 B, arrays handed over each round"),
    Workload("cache", "c", "false sharing: Hoard cache-scratch + cache-thrash, 2 threads"),
    Workload("realloc", "c", "strings grown by 1..32 B steps, vectors by doubling"),
    Workload("large", "c", "64 KiB..8 MiB blocks, window of 8, every page touched"),
    Workload("huge", "c", "5-25 MB blocks allocated, filled and freed in a loop"),
    Workload("threads", "c", "20000 short-lived threads, 4 at a time, each allocating"),
    Workload("memreturn", "c", "256 MiB allocated, 90% freed, keep running: RSS given back?"),
    Workload("fragment", "c", "seed's challenge (1000 x 1 KiB, free even, 500 KB), repeated"),
    Workload("python", "python", "python3 PYTHONMALLOC=malloc bench/py_alloc.py", [], ["--smoke"]),
    Workload("sqlite", "sqlite", "sqlite3 :memory: < bench/gen_sqlite.py script (100k rows)",
             ["100000"], ["3000"]),
    Workload("redis", "redis", "redis-server preloaded, redis-benchmark -n 15000 -P 4 (14 tests)",
             ["15000"], ["300"]),
]

REDIS_TESTS = "set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset"

# Numeric keys of a workload's RESULT line that go into the "reported by the workloads" table.
REPORTED_KEYS = ("rss_", "live_kb", "returned_pct", "big_in_holes", "rps_geomean", "scratch_secs",
                 "thrash_secs")


# ------------------------------------------------------------------------------------------
# machine description

def machine_info():
    info = {"nproc": str(os.cpu_count())}
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpu"] = model
    info["kernel"] = platform.release()
    try:
        info["glibc"] = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError):
        info["glibc"] = "?"
    try:
        with open("/proc/meminfo") as f:
            info["memory"] = "%.1f GiB" % (int(f.readline().split()[1]) / 1024 / 1024)
    except OSError:
        pass
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    info["os"] = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    info["python"] = platform.python_version()
    return info


def package_versions():
    pkgs = list(PACKAGES.values()) + ["redis-server", "sqlite3", "python3"]
    out = {}
    try:
        res = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\n"] + pkgs,
                             capture_output=True, text=True)
        for line in res.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2:
                out[parts[0]] = parts[1]
    except OSError:
        pass
    return out


def git_describe():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "include"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (src/ modified)" if dirty else "")
    except OSError:
        return "?"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# ------------------------------------------------------------------------------------------
# building the C workloads (bench.mk normally does it; this keeps run.py usable alone)

def ensure_binaries(bin_dir, names):
    """Build bin_dir/<name> from bench/<name>.c when missing or older than its source."""
    os.makedirs(bin_dir, exist_ok=True)
    cc = os.environ.get("CC", "gcc")
    for name in names:
        src = os.path.join(BENCH, "%s.c" % name)
        dst = os.path.join(bin_dir, name)
        hdr = os.path.join(BENCH, "wl_common.h")
        if os.path.exists(dst) and os.path.getmtime(dst) >= max(os.path.getmtime(src),
                                                                  os.path.getmtime(hdr)):
            continue
        cmd = [cc, "-O2", "-pthread", "-Wall", "-Wextra", "-o", dst, src]
        print("  build", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)


# ------------------------------------------------------------------------------------------
# running one process and measuring it

class Run:
    def __init__(self):
        self.wall = self.cpu = self.user = self.sys = float("nan")
        self.maxrss = -1
        self.rss_source = ""
        self.status = "ok"
        self.check = ""
        self.result = {}
        self.stderr = ""


def parse_result(text):
    """The RESULT line's key=value pairs."""
    out = {}
    for line in text.splitlines():
        if line.startswith("RESULT "):
            for tok in line.split()[1:]:
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    out[k] = v
    return out


MEASURE = None  # path of the measure launcher (bench/measure.c), set in main()


def spawn_measured(argv, env, stdin_path=None, timeout=None):
    """Start argv under the measure launcher; returns a handle for finish_measured."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    fd, res_path = tempfile.mkstemp(prefix="hg-measure-")
    os.close(fd)
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    proc = subprocess.Popen([MEASURE, res_path] + argv, env=env, stdin=stdin, stdout=out,
                            stderr=err, start_new_session=True)
    timer = None
    if timeout:
        def kill():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
    return proc, res_path, out, err, timer, stdin


def finish_measured(proc, res_path, out, err, timer, stdin, run):
    rc = proc.wait()
    if timer:
        timer.cancel()
    if stdin is not subprocess.DEVNULL:
        stdin.close()
    try:
        with open(res_path) as f:
            fields = f.read().split()
        os.unlink(res_path)
        run.wall, run.user, run.sys = float(fields[0]), float(fields[1]), float(fields[2])
        run.cpu = run.user + run.sys
        run.maxrss = int(fields[3])
        run.rss_source = fields[6] if len(fields) > 6 else "rusage"
        if fields[4] == "signal":
            run.status = "signal %s" % fields[5]
        elif fields[5] != "0":
            run.status = "exit %s" % fields[5]
    except (OSError, IndexError, ValueError):
        run.status = "killed (timeout?)" if rc < 0 else "launcher exit %d" % rc
    out.seek(0)
    err.seek(0)
    stdout = out.read().decode(errors="replace")
    run.stderr = err.read().decode(errors="replace")
    out.close()
    err.close()
    return stdout


def run_process(argv, env, stdin_path=None, timeout=None):
    run = Run()
    handles = spawn_measured(argv, env, stdin_path, timeout)
    stdout = finish_measured(*handles, run)
    run.result = parse_result(stdout)
    run.check = run.result.get("check", "")
    return run, stdout


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_command(port, cmd, timeout=2.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(cmd.encode() + b"\r\n")
        try:
            return s.recv(4096).decode(errors="replace")
        except OSError:
            return ""


def run_redis(wl_args, env, timeout):
    """Start redis-server (preloaded), drive it with redis-benchmark, shut it down.
    wall = the benchmark's duration; CPU and peak RSS = the server's (wait4)."""
    n = wl_args[0] if wl_args else "15000"
    run = Run()
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="hg-redis-")
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", workdir, "--logfile", "", "--daemonize", "no",
            "--protected-mode", "yes"]
    handles = spawn_measured(argv, env, None, timeout)
    proc = handles[0]
    try:
        deadline = time.time() + 10
        while True:
            try:
                if "PONG" in redis_command(port, "PING"):
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                run.status = "server did not start"
                break
            time.sleep(0.02)
        bench_out = ""
        if run.status == "ok":
            bargv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-n", str(n),
                     "-c", "16", "-r", "100000", "-d", "100", "-P", "4", "-t", REDIS_TESTS,
                     "--csv"]
            benv = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
            t0 = time.perf_counter()
            res = subprocess.run(bargv, env=benv, capture_output=True, text=True,
                                 timeout=timeout)
            bench_wall = time.perf_counter() - t0
            bench_out = res.stdout
            if res.returncode != 0:
                run.status = "redis-benchmark exit %d" % res.returncode
        try:
            redis_command(port, "SHUTDOWN NOSAVE")
        except OSError:
            pass
    except Exception:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        raise
    finally:
        server_run = Run()
        stdout = finish_measured(*handles, server_run)
        shutil.rmtree(workdir, ignore_errors=True)
    if run.status == "ok" and server_run.status != "ok" and server_run.status != "exit 0":
        run.status = "server " + server_run.status
    run.stderr = server_run.stderr + stdout[-2000:]
    if run.status == "ok":
        run.wall = bench_wall
        run.user, run.sys, run.cpu = server_run.user, server_run.sys, server_run.cpu
        run.maxrss = server_run.maxrss
        run.rss_source = server_run.rss_source
        rps = []
        for line in bench_out.splitlines():
            parts = [p.strip('"') for p in line.split('","')]
            if len(parts) >= 2:
                try:
                    rps.append(float(parts[1]))
                except ValueError:
                    pass
        if rps:
            run.result["rps_geomean"] = "%.0f" % math.exp(sum(map(math.log, rps)) / len(rps))
            run.result["tests"] = str(len(rps))
        run.check = str(len(rps))
    return run


def command_for(wl, smoke, bin_dir, scratch):
    """(argv, extra env, stdin path) for a workload."""
    args = wl.smoke_args if smoke else wl.args
    if wl.kind == "c":
        return [os.path.join(bin_dir, "wl_" + wl.name)] + args, {}, None
    if wl.kind == "python":
        return ([sys.executable if os.path.basename(sys.executable).startswith("python3")
                 else "python3", os.path.join(BENCH, "py_alloc.py")] + args,
                {"PYTHONMALLOC": "malloc", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"},
                None)
    if wl.kind == "sqlite":
        script = os.path.join(scratch, "sqlite-%s.sql" % args[0])
        if not os.path.exists(script):
            with open(script, "w") as f:
                subprocess.run([sys.executable, os.path.join(BENCH, "gen_sqlite.py")] + args,
                               stdout=f, check=True)
        return ["sqlite3", ":memory:"], {}, script
    raise ValueError(wl.kind)


def libc_path_of(program):
    """The libc a program loads (to preload it: see the redis note)."""
    try:
        out = subprocess.run(["ldd", shutil.which(program)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "libc.so.6" in line and "=>" in line:
                return line.split("=>")[1].split()[0]
    except (OSError, TypeError):
        pass
    return ""


def links_jemalloc(program):
    try:
        out = subprocess.run(["ldd", shutil.which(program)], capture_output=True, text=True).stdout
        return "libjemalloc" in out
    except (OSError, TypeError):
        return False


# ------------------------------------------------------------------------------------------
# statistics and the report

def median(xs):
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return float("nan")
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def geomean(xs):
    xs = [x for x in xs if x and x > 0 and not math.isnan(x)]
    if not xs:
        return float("nan")
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


MEASURES = [
    ("wall", "Wall time", "s"),
    ("cpu", "CPU time (user + sys)", "s"),
    ("maxrss", "Peak RSS", "MiB"),
]


def value_of(run, measure):
    if measure == "maxrss":
        return run.maxrss / 1024.0 if run.maxrss >= 0 else float("nan")
    return getattr(run, measure)


def fmt_val(v, unit):
    if v is None or math.isnan(v):
        return "—"
    if unit == "MiB":
        return "%.1f" % v if v < 100 else "%.0f" % v
    return "%.3f" % v if v < 10 else "%.2f" % v


def fmt_ratio(r):
    if r is None or math.isnan(r):
        return "—"
    return "%.2f×" % r


def summarize(results, workloads, allocs):
    """stats[measure][wl][alloc] = (median, min, max, n)."""
    stats = {}
    for m, _, _ in MEASURES:
        stats[m] = {}
        for wl in workloads:
            stats[m][wl] = {}
            for a in allocs:
                vals = [value_of(r, m) for r in results.get((wl, a), []) if r.status == "ok"]
                vals = [v for v in vals if not math.isnan(v)]
                if vals:
                    stats[m][wl][a] = (median(vals), min(vals), max(vals), len(vals))
    return stats


def ratio_table(stats_m, workloads, allocs, base):
    """ratios[wl][alloc] = median(alloc) / median(base); plus geomean per alloc."""
    ratios, gm = {}, {}
    for wl in workloads:
        ratios[wl] = {}
        b = stats_m[wl].get(base)
        for a in allocs:
            v = stats_m[wl].get(a)
            if b and v and b[0] > 0:
                ratios[wl][a] = v[0] / b[0]
    for a in allocs:
        gm[a] = geomean([ratios[wl].get(a, float("nan")) for wl in workloads])
    return ratios, gm


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    return "\n".join(out)


def write_report(path, ctx, results, workloads, allocs, stats):
    L = []
    L.append("# heapguard benchmark report")
    L.append("")
    L.append("Generated %s by `bench/run.py`%s." % (ctx["date"], " (**smoke run: tiny sizes, "
                                                     "not a measurement**)" if ctx["smoke"] else ""))
    L.append("")
    L.append("Command line: `%s`" % ctx["cmdline"])
    L.append("")
    mi = ctx["machine"]
    L.append("Machine: %s CPUs (`nproc`), %s, %s; kernel %s; %s; %s; Python %s." % (
        mi.get("nproc"), mi.get("cpu"), mi.get("memory", "?"), mi.get("kernel"),
        mi.get("glibc"), mi.get("os", "?"), mi.get("python")))
    L.append("Load average before / after: %s / %s. Total time of the run: %.0f s." % (
        ctx["load_before"], ctx["load_after"], ctx["elapsed"]))
    L.append("")
    L.append("Allocators (preloaded with `LD_PRELOAD`; glibc = nothing preloaded): ")
    for a in allocs:
        lib = ctx["libs"][a]
        ver = ctx["versions"].get(PACKAGES.get(a, ""), "")
        if a == "heapguard":
            ver = "git %s, sha256 %s…, run from a copy made at the start" % (ctx["git"], ctx["lib_sha"])
        L.append("- **%s**: %s%s" % (a, "`%s`" % lib if lib else "glibc's malloc (no preload)",
                                     " (%s)" % ver if ver else ""))
    for note in ctx["notes"]:
        L.append("- note: " + note)
    L.append("")
    L.append("Each workload ran %d time(s) per allocator, allocators interleaved "
             "(A B C D E A B C D E …). Values are medians, with [min–max] over the runs; "
             "ratios are of medians; the geometric mean is over the workloads where both "
             "allocators have a result. Lower is better everywhere." % ctx["runs"])
    L.append("")

    # summary
    L.append("## Summary: geometric means of ratios")
    L.append("")
    header = ["allocator"]
    rows_spec = []
    for m, title, _ in MEASURES:
        for base in ("glibc", "mimalloc"):
            if base in allocs:
                header.append("%s vs %s" % ({"wall": "time", "cpu": "CPU", "maxrss": "peak RSS"}[m], base))
                rows_spec.append((m, base))
    rows = []
    for a in allocs:
        row = ["**%s**" % a if a == "heapguard" else a]
        for m, base in rows_spec:
            _, gm = ratio_table(stats[m], workloads, allocs, base)
            row.append(fmt_ratio(gm.get(a)))
        rows.append(row)
    L.append(md_table(header, rows))
    L.append("")
    L.append("![time relative to glibc](latest.svg)")
    L.append("")

    # failures and check mismatches
    problems = []
    for wl in workloads:
        checks = {}
        for a in allocs:
            for r in results.get((wl, a), []):
                if r.status != "ok":
                    tail = " ".join(r.stderr.strip().splitlines()[-3:])[:300]
                    problems.append("%s / %s: **%s** %s" % (wl, a, r.status, tail))
                elif r.check:
                    checks.setdefault(r.check, set()).add(a)
        if len(checks) > 1:
            problems.append("%s: results differ between allocators (check values: %s)" % (
                wl, "; ".join("%s: %s" % (c, ",".join(sorted(s))) for c, s in checks.items())))
    if problems:
        L.append("## Failures and anomalies")
        L.append("")
        for p in problems:
            L.append("- " + p)
        L.append("")

    for m, title, unit in MEASURES:
        L.append("## %s (%s)" % (title, unit))
        L.append("")
        rows = []
        for wl in workloads:
            row = [wl]
            for a in allocs:
                v = stats[m][wl].get(a)
                row.append("%s [%s–%s]" % (fmt_val(v[0], unit), fmt_val(v[1], unit),
                                           fmt_val(v[2], unit)) if v else "—")
            rows.append(row)
        L.append(md_table(["workload"] + allocs, rows))
        L.append("")
        for base in ("glibc", "mimalloc"):
            if base not in allocs:
                continue
            ratios, gm = ratio_table(stats[m], workloads, allocs, base)
            others = [a for a in allocs if a != base]
            rows = [[wl] + [fmt_ratio(ratios[wl].get(a)) for a in others] for wl in workloads]
            rows.append(["**geometric mean**"] + ["**%s**" % fmt_ratio(gm.get(a)) for a in others])
            L.append("%s relative to %s:" % (title, base))
            L.append("")
            L.append(md_table(["workload"] + others, rows))
            L.append("")

    # figures reported by the workloads themselves
    keys_by_wl = {}
    for wl in workloads:
        for a in allocs:
            for r in results.get((wl, a), []):
                for k in r.result:
                    if k.startswith(REPORTED_KEYS):
                        keys_by_wl.setdefault(wl, [])
                        if k not in keys_by_wl[wl]:
                            keys_by_wl[wl].append(k)
    if keys_by_wl:
        L.append("## Figures reported by the workloads (medians)")
        L.append("")
        L.append("rss_* are the workload's own RSS readings in KiB (/proc/self/statm) at the "
                 "points described in bench/README.md; returned_pct is the share of freed "
                 "memory given back to the system while the program keeps running; "
                 "rps_geomean is redis-benchmark's requests per second (geometric mean over "
                 "its tests; higher is better).")
        L.append("")
        rows = []
        for wl, keys in keys_by_wl.items():
            for k in keys:
                row = [wl, k]
                for a in allocs:
                    vals = []
                    for r in results.get((wl, a), []):
                        try:
                            vals.append(float(r.result[k]))
                        except (KeyError, ValueError):
                            pass
                    row.append(("%g" % median(vals)) if vals else "—")
                rows.append(row)
        L.append(md_table(["workload", "figure"] + allocs, rows))
        L.append("")

    L.append("## Workloads")
    L.append("")
    for wl in WORKLOADS:
        if wl.name in workloads:
            L.append("- **%s**: %s" % (wl.name, wl.what))
    L.append("")
    L.append("Raw data: `%s` (one row per run)." % ctx["raw_name"])
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))


# ------------------------------------------------------------------------------------------
# SVG chart

def svg_chart(path, title, subtitle, workloads, allocs, ratios, gm, base="glibc",
              worse="slower", better="faster"):
    """Grouped bars of ratio to base per workload (log scale), plus the geometric mean."""
    shown = [a for a in allocs if a != base]
    groups = list(workloads) + ["geomean"]
    vals = []
    for g in groups:
        for a in shown:
            v = gm.get(a) if g == "geomean" else ratios.get(g, {}).get(a)
            if v and not math.isnan(v) and v > 0:
                vals.append(v)
    lo = min(vals + [1.0]) if vals else 0.5
    hi = max(vals + [1.0]) if vals else 2.0
    lo_e = math.floor(math.log2(lo))
    hi_e = math.ceil(math.log2(hi))
    if lo_e == hi_e:
        hi_e += 1
    lo_e = min(lo_e, -1)
    hi_e = max(hi_e, 1)

    W, H = 1200, 560
    left, right, top, bottom = 70, 20, 95, 120
    pw, ph = W - left - right, H - top - bottom

    def y_of(v):
        return top + ph * (hi_e - math.log2(v)) / (hi_e - lo_e)

    out = []
    out.append('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
               'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">' % (W, H, W, H))
    out.append('<rect width="100%" height="100%" fill="white"/>')
    out.append('<text x="%d" y="26" font-size="19" font-weight="bold">%s</text>' % (left, esc(title)))
    out.append('<text x="%d" y="47" font-size="12.5" fill="#444">%s</text>' % (left, esc(subtitle)))
    # legend
    lx = left
    for a in shown:
        out.append('<rect x="%d" y="60" width="14" height="14" fill="%s"/>' % (lx, COLORS.get(a, "#999")))
        out.append('<text x="%d" y="72" font-size="13"%s>%s</text>' % (
            lx + 19, ' font-weight="bold"' if a == "heapguard" else "", esc(a)))
        lx += 40 + 9 * len(a)
    out.append('<text x="%d" y="72" font-size="12" fill="#444">bars above the line: %s than %s; '
               'below: %s</text>' % (lx + 10, worse, base, better))
    # grid
    for e in range(lo_e, hi_e + 1):
        v = 2.0 ** e
        y = y_of(v)
        label = ("%g" % v) if v >= 1 else "1/%d" % round(1 / v)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="%s"/>' % (
            left, y, W - right, y, "#333" if e == 0 else "#ddd", "1.5" if e == 0 else "1"))
        out.append('<text x="%d" y="%.1f" font-size="12" text-anchor="end">%s×</text>' % (
            left - 6, y + 4, label))
    out.append('<text x="16" y="%d" font-size="12" transform="rotate(-90 16 %d)" text-anchor="middle">'
               'ratio to %s (log scale)</text>' % (top + ph // 2, top + ph // 2, base))
    # the geometric mean's group is 1.5 times as wide, so its labels do not collide
    gw = pw / (len(groups) + 0.5)
    bw = min(22.0, (gw - 10) / max(1, len(shown)))
    y1 = y_of(1.0)
    for gi, g in enumerate(groups):
        gx = left + gi * gw
        if g == "geomean":
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#f3f3f3"/>' % (
                gx + 2, top, 1.5 * gw - 4, ph))
            gx += 0.25 * gw
        x0 = gx + (gw - bw * len(shown)) / 2
        for ai, a in enumerate(shown):
            v = gm.get(a) if g == "geomean" else ratios.get(g, {}).get(a)
            x = x0 + ai * bw
            if v is None or math.isnan(v) or v <= 0:
                out.append('<text x="%.1f" y="%.1f" font-size="9" text-anchor="middle" fill="#999">'
                           'n/a</text>' % (x + bw / 2, y1 - 3))
                continue
            y = y_of(v)
            top_y, h = min(y, y1), abs(y - y1)
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"%s>'
                       '<title>%s %s: %.2f× %s</title></rect>' % (
                           x + 1, top_y, bw - 2, max(h, 1), COLORS.get(a, "#999"),
                           ' stroke="black" stroke-width="1"' if a == "heapguard" else "",
                           esc(g), esc(a), v, base))
            if a == "heapguard" or g == "geomean":
                ty = (y - 4) if v >= 1 else (y + 11)
                if g == "geomean" and a != "heapguard":  # staggered, so neighbours do not overlap
                    ty += (-10 if v >= 1 else 10) * (ai % 2)
                out.append('<text x="%.1f" y="%.1f" font-size="%s" text-anchor="middle"%s>%s</text>' % (
                    x + bw / 2, ty, "11" if g == "geomean" else "9.5",
                    ' font-weight="bold"' if a == "heapguard" else "",
                    ("%.2f" % v) if v < 10 else ("%.0f" % v)))
        out.append('<text x="%.1f" y="%d" font-size="12.5" text-anchor="end" '
                   'transform="rotate(-35 %.1f %d)"%s>%s</text>' % (
                       gx + gw / 2 + 4, top + ph + 16, gx + gw / 2 + 4, top + ph + 16,
                       ' font-weight="bold"' if g == "geomean" else "",
                       "geometric mean" if g == "geomean" else esc(g)))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ------------------------------------------------------------------------------------------

def finish_report(out_dir, ctx, results, workloads, active):
    stats = summarize(results, workloads, active)
    write_report(os.path.join(out_dir, "latest.md"), ctx, results, workloads, active, stats)
    subtitle = "median of %d run(s) per allocator; %s; %s CPUs; %s" % (
        ctx["runs"], ctx["machine"]["cpu"], ctx["machine"]["nproc"], ctx["date"])
    if "glibc" in active and len(active) > 1:
        for m, fname, title, worse, better in (
                ("wall", "latest.svg", "heapguard benchmark: wall time relative to glibc (lower is better)", "slower", "faster"),
                ("maxrss", "latest-rss.svg", "heapguard benchmark: peak RSS relative to glibc (lower is better)", "more memory", "less")):
            ratios, gm = ratio_table(stats[m], workloads, active, "glibc")
            svg_chart(os.path.join(out_dir, fname), title, subtitle, workloads, active, ratios, gm,
                      worse=worse, better=better)
    print("\nwrote %s, latest.csv, latest.md%s in %s (%.0f s)" % (
        ctx["raw_name"], ", latest.svg" if "glibc" in active else "", out_dir, ctx["elapsed"]))
    for m, title, _ in MEASURES:
        for base in ("glibc", "mimalloc"):
            if base in active:
                _, gm = ratio_table(stats[m], workloads, active, base)
                print("  geomean %-22s vs %-8s: %s" % (title, base, "  ".join(
                    "%s %s" % (a, fmt_ratio(gm[a])) for a in active if a != base)))


def report_from_csv(args):
    """Rebuild latest.md/.svg from a raw CSV (and its .json context when present)."""
    results, workloads, active = {}, [], []
    with open(args.from_csv, newline="") as f:
        for row in csv.DictReader(f):
            r = Run()
            r.wall, r.cpu = float(row["wall_s"]), float(row["cpu_s"])
            r.user, r.sys = float(row["user_s"]), float(row["sys_s"])
            r.maxrss, r.status, r.check = int(row["maxrss_kb"]), row["status"], row["check"]
            r.result = dict(kv.split("=", 1) for kv in row["reported"].split() if "=" in kv)
            results.setdefault((row["workload"], row["allocator"]), []).append(r)
            if row["workload"] not in workloads:
                workloads.append(row["workload"])
            if row["allocator"] not in active:
                active.append(row["allocator"])
    ctx_path = args.from_csv[:-4] + ".json"
    if not os.path.exists(ctx_path):
        ctx_path = os.path.join(os.path.dirname(args.from_csv), "context.json")
    if os.path.exists(ctx_path):
        with open(ctx_path) as f:
            ctx = json.load(f)
    else:
        ctx = {"date": "?", "smoke": False, "cmdline": "?", "machine": machine_info(),
               "versions": package_versions(), "git": "?", "libs": dict(ALLOCATORS),
               "notes": [], "raw_name": os.path.basename(args.from_csv), "lib_sha": "?",
               "load_before": "?", "load_after": "?", "elapsed": float("nan")}
    ctx["runs"] = max(len(v) for v in results.values())
    ctx["notes"] = list(ctx.get("notes", [])) + [
        "report regenerated from %s by `%s`" % (os.path.basename(args.from_csv),
                                                " ".join(shlex.quote(x) for x in sys.argv))]
    os.makedirs(args.out, exist_ok=True)
    finish_report(args.out, ctx, results, workloads, active)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=None, help="runs per workload and allocator (default 5; 1 with --smoke)")
    ap.add_argument("--only", default="", help="comma-separated workloads to run")
    ap.add_argument("--alloc", default="", help="comma-separated allocators (glibc,heapguard,jemalloc,mimalloc,tcmalloc)")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, 1 run: checks the suite works (results in <out>/smoke)")
    ap.add_argument("--lib", default=None, help="heapguard library (default $ROOT/build/libheapguard.so)")
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "bench"), help="where the wl_* programs are (built if missing)")
    ap.add_argument("--out", default=os.path.join(BENCH, "results"), help="results directory")
    ap.add_argument("--timeout", type=float, default=None, help="seconds before a run is killed (default 180; 30 with --smoke)")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    ap.add_argument("--from-csv", metavar="RAW_CSV", help="write the report (latest.md/.svg in --out) "
                    "from a raw CSV of an earlier run instead of running anything")
    args = ap.parse_args()

    if args.list:
        for wl in WORKLOADS:
            print("%-10s %s" % (wl.name, wl.what))
        return 0
    if args.from_csv:
        return report_from_csv(args)
    runs = args.runs if args.runs else (1 if args.smoke else 5)
    timeout = args.timeout or (30 if args.smoke else 180)
    out_dir = os.path.join(args.out, "smoke") if args.smoke else args.out
    os.makedirs(out_dir, exist_ok=True)

    allocs = dict(ALLOCATORS)
    if args.lib:
        allocs["heapguard"] = os.path.abspath(args.lib)
    names = [a for a, _ in ALLOCATORS]
    if args.alloc:
        want = [x.strip() for x in args.alloc.split(",") if x.strip()]
        bad = [x for x in want if x not in allocs]
        if bad:
            ap.error("unknown allocator(s): %s" % ", ".join(bad))
        names = [a for a in names if a in want]
    notes = []
    active = []
    for a in names:
        lib = allocs[a]
        if lib and not os.path.exists(lib):
            hint = ("run `make`" if a == "heapguard" else
                    "apt-get install -y %s" % PACKAGES.get(a, "?"))
            notes.append("%s skipped: %s not found (%s)" % (a, lib, hint))
            print("skipping %s: %s not found (%s)" % (a, lib, hint), flush=True)
            continue
        active.append(a)

    wls = WORKLOADS
    if args.only:
        want = [x.strip() for x in args.only.split(",") if x.strip()]
        bad = [x for x in want if x not in [w.name for w in WORKLOADS]]
        if bad:
            ap.error("unknown workload(s): %s (see --list)" % ", ".join(bad))
        wls = [w for w in WORKLOADS if w.name in want]
    runnable = []
    for wl in wls:
        need = {"python": "python3", "sqlite": "sqlite3", "redis": "redis-server"}.get(wl.kind)
        if need and not shutil.which(need):
            notes.append("%s skipped: %s is not installed (apt-get install -y %s)" % (
                wl.name, need, need))
            print("skipping %s: %s not installed" % (wl.name, need), flush=True)
            continue
        if wl.kind == "redis" and not shutil.which("redis-benchmark"):
            notes.append("redis skipped: redis-benchmark is not installed")
            continue
        runnable.append(wl)

    hg_env = sorted(k for k in os.environ if k.startswith("HEAPGUARD_"))
    if hg_env:
        notes.append("environment passed to every run: " +
                     ", ".join("%s=%s" % (k, os.environ[k]) for k in hg_env))
    if os.environ.get("LD_PRELOAD"):
        notes.append("the caller's LD_PRELOAD (%s) was removed" % os.environ["LD_PRELOAD"])

    ensure_binaries(args.bin_dir, ["measure"] + ["wl_" + w.name for w in runnable if w.kind == "c"])
    scratch = tempfile.mkdtemp(prefix="hg-bench-")
    # Run a private copy of heapguard: a rebuild during the run (make in another shell)
    # must not mix two versions of the library in one set of results.
    lib_sha = ""
    run_libs = dict(allocs)
    if "heapguard" in active:
        with open(allocs["heapguard"], "rb") as lf:
            lib_sha = hashlib.sha256(lf.read()).hexdigest()[:16]
        run_libs["heapguard"] = os.path.join(scratch, "libheapguard.so")
        shutil.copyfile(allocs["heapguard"], run_libs["heapguard"])
    global MEASURE
    MEASURE = os.path.join(args.bin_dir, "measure")

    redis_glibc_preload = ""
    if any(w.kind == "redis" for w in runnable) and links_jemalloc("redis-server"):
        redis_glibc_preload = libc_path_of("redis-server")
        notes.append("redis-server (Debian) links libjemalloc: its 'glibc' runs preload %s so "
                     "that malloc binds to glibc; for the others the preloaded allocator takes "
                     "malloc/free/realloc/calloc/malloc_usable_size and jemalloc keeps only "
                     "mallctl/nallocx (statistics)" % (redis_glibc_preload or "libc.so.6"))

    base_env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    cmdline = " ".join(shlex.quote(x) for x in [os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw_name = "raw-%s.csv" % stamp
    raw_path = os.path.join(out_dir, raw_name)
    t_start = time.time()
    load_before = loadavg()
    print("heapguard bench: %d workload(s) x %d allocator(s) x %d run(s) -> %s" % (
        len(runnable), len(active), runs, out_dir), flush=True)

    results = {}
    fields = ["timestamp", "workload", "allocator", "run", "wall_s", "cpu_s", "user_s", "sys_s",
              "maxrss_kb", "status", "check", "reported"]
    with open(raw_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for wl in runnable:
            if wl.kind != "redis":
                argv, extra_env, stdin_path = command_for(wl, args.smoke, args.bin_dir, scratch)
            for r in range(runs):
                for a in active:
                    env = dict(base_env)
                    lib = run_libs[a]
                    if wl.kind == "redis" and a == "glibc" and redis_glibc_preload:
                        lib = redis_glibc_preload
                    if lib:
                        env["LD_PRELOAD"] = lib
                    if wl.kind == "redis":
                        run = run_redis(wl.smoke_args if args.smoke else wl.args, env, timeout)
                    else:
                        env.update(extra_env)
                        run, stdout = run_process(argv, env, stdin_path, timeout)
                        if wl.kind == "sqlite" and run.status == "ok":
                            run.check = hashlib.md5(stdout.encode()).hexdigest()[:12]
                    results.setdefault((wl.name, a), []).append(run)
                    w.writerow([datetime.datetime.now().isoformat(timespec="seconds"), wl.name, a,
                                r + 1, "%.4f" % run.wall, "%.4f" % run.cpu, "%.4f" % run.user,
                                "%.4f" % run.sys, run.maxrss, run.status, run.check,
                                " ".join("%s=%s" % kv for kv in run.result.items()
                                         if kv[0] not in ("wl", "check"))])
                    f.flush()
                    print("  %-10s %-10s run %d/%d  %s  wall %7.3f s  cpu %7.3f s  rss %8.1f MiB" % (
                        wl.name, a, r + 1, runs, "ok  " if run.status == "ok" else run.status,
                        run.wall, run.cpu, run.maxrss / 1024), flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copyfile(raw_path, os.path.join(out_dir, "latest.csv"))

    sources = [r.rss_source for rs in results.values() for r in rs if r.status == "ok"]
    if sources and all(s == "hwm" for s in sources):
        notes.append("peak RSS: VmHWM read when each program exits (bench/measure.c traces "
                     "it for that), exact where ru_maxrss is the kernel's per-CPU estimate")
    else:
        notes.append("peak RSS: ru_maxrss (the kernel's per-CPU estimate, off by up to a few "
                     "hundred KiB) in %d of %d runs: the launcher could not trace them" % (
                         sum(1 for s in sources if s != "hwm"), len(sources)))
    workloads = [w.name for w in runnable]
    ctx = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "smoke": args.smoke, "cmdline": cmdline, "machine": machine_info(),
        "versions": package_versions(), "git": git_describe(), "libs": allocs,
        "notes": notes, "runs": runs, "raw_name": raw_name, "lib_sha": lib_sha,
        "load_before": load_before, "load_after": loadavg(), "elapsed": time.time() - t_start,
    }
    with open(os.path.join(out_dir, "context.json"), "w") as f:
        json.dump(ctx, f, indent=1)
    shutil.copyfile(os.path.join(out_dir, "context.json"),
                    os.path.join(out_dir, raw_name.replace(".csv", ".json")))
    finish_report(out_dir, ctx, results, workloads, active)
    failed = sum(1 for rs in results.values() for r in rs if r.status != "ok")
    if failed:
        print("%d run(s) failed: see the report" % failed)
    return 1 if failed and args.smoke else 0


if __name__ == "__main__":
    sys.exit(main())
