#!/usr/bin/env python3
"""tests/fuzz/cli_argv.py — random command lines for the heapguard CLI.

Runs BUILD/heapguard RUNS times (default 20000) with argv drawn from its commands,
options (known, misspelt, with good, bad and extreme values, joined with '=' or
split), '--' and programs with a known exit status, in a scratch directory.  Each
run must end with status 0..2 or a program's own (see allowed), never by a signal
(the CLI itself must not crash), and a status of 2 (usage error), 126 or 127 (the
program cannot be run) must say why on stderr.  Prints
the failures (the argv as a shell line) and exits 1 if there were any.

usage: cli_argv.py BUILD_DIR [RUNS] [SEED]
"""
import os
import random
import shlex
import subprocess
import sys
import tempfile

build = os.path.abspath(sys.argv[1])
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
cli = os.path.join(build, "heapguard")

COMMANDS = ["run", "check", "guard", "trace", "stats", "report", "help", "--version",
            "--help", "-h", "", "chek", "-", "--", "RUN"]
OPTIONS = ["--calls", "--error-exitcode", "--guard-align", "--guard-side", "--help",
           "--interval", "--json", "--leak-check", "--log-file", "--option", "--output",
           "--protect-min", "--quarantine", "--redzone", "--sample-align", "--sample-max",
           "--sample-quarantine", "--sample-rate", "--signal", "--stack-depth",
           "--timeline", "-o", "-h", "--", "-", "--=", "---", "--log", "--sample",
           "--no-such-option", "-x", "--calls=1"]
VALUES = ["0", "1", "2", "-1", "16", "255", "256", "4096", "4097", "64K", "64KiB", "2MiB",
          "1G", "100B", "1kb", "18446744073709551615", "18446744073709551616",
          "99999999999999999999999", "1e3", "0x10", "", " ", "=", "%p", "%%", "%p%p%",
          "out.%p.log", "x" * 5000, "USR1", "SIGUSR2", "KILL", "SEGV", "65", "64", "off",
          "after", "before", "no", "summary", "full", "YES", "json", "text", "\u00e9",
          "-5", "+5", "1.5", "3", "8", "17", "/dev/full", "/nonexistent/dir/file",
          "tl.jsonl", "-"]   # no word that names a program running forever (yes)
PROGRAMS = [["/bin/true"], ["/bin/false"], ["/bin/sh", "-c", "exit 7"],
            ["/nonexistent-program"], ["./"], ["sh", "-c", "exit 3"], ["true", "x"]]

def random_argv():
    argv = [cli]
    if rng.random() < 0.9:
        argv.append(rng.choice(COMMANDS))
    for _ in range(rng.randrange(0, 5)):
        opt = rng.choice(OPTIONS)
        r = rng.random()
        if r < 0.45:
            argv.append(opt + "=" + rng.choice(VALUES))
        elif r < 0.7:
            argv += [opt, rng.choice(VALUES)]
        elif r < 0.8:
            argv.append(rng.choice(VALUES))
        else:
            argv.append(opt)
    if rng.random() < 0.6:
        if rng.random() < 0.7:
            argv.append("--")
        prog = rng.choice(PROGRAMS)
        argv += prog
        return argv, prog
    return argv, None

def allowed(status, argv):
    """0..2 (the CLI's own), the programs' statuses (1, 3, 7), 126 and 127 (a word taken
    for the program cannot be run or found), 99 (check mode's error exit code) or the
    --error-exitcode the line sets."""
    if status in (0, 1, 2, 3, 7, 99, 126, 127):
        return True
    return any(a.startswith("--error-exitcode") for a in argv)

def main():
    failures = 0
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("HEAPGUARD_") or k == "LD_PRELOAD":
            del env[k]
    with tempfile.TemporaryDirectory(prefix="hg-cli-fuzz-") as tmp:
        with open(os.path.join(tmp, "tl.jsonl"), "w") as f:
            f.write('{"type":"start","version":"0","pid":1,"program":"x","page_size":4096,'
                    '"interval_ms":10,"t_ms":0}\n')
        for i in range(runs):
            argv, _ = random_argv()
            try:
                p = subprocess.run(argv, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
            except subprocess.TimeoutExpired:
                print("TIMEOUT:", shlex.join(argv[1:])[:300])
                failures += 1
                continue
            st = p.returncode
            bad = None
            if st < 0:
                bad = "killed by signal %d" % -st
            elif not allowed(st, argv):
                bad = "status %d" % st
            elif st in (2, 126, 127) and not p.stderr.strip():
                bad = "status %d with nothing on stderr" % st
            if bad:
                failures += 1
                if failures <= 20:
                    print("FAIL (%s): heapguard %s" % (bad, shlex.join(argv[1:])[:300]))
                    print("   stderr:", p.stderr.decode(errors="replace").strip()[-300:])
            # keep the scratch directory small
            if i % 500 == 0:
                for name in os.listdir(tmp):
                    if name != "tl.jsonl":
                        path = os.path.join(tmp, name)
                        if os.path.isfile(path):
                            os.unlink(path)
    print("%d runs, %d failures" % (runs, failures))
    return 1 if failures else 0

sys.exit(main())
