#!/usr/bin/env python3
"""tools/vg-compare.py - heapguard check mode's logs against Valgrind memcheck's, process
by process (docs/real-programs.md, round 5).

  tools/vg-compare.py DIR [--frames N]     DIR holds hg.PID and vg.PID from one workload:
      build/heapguard check --show-leak-kinds=all --log-file=DIR/hg.%p PROG...
      valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=definite,indirect \
               --trace-children=yes --log-file=DIR/vg.%p PROG...
  (tools/vg-compare.sh runs a workload both ways and calls this.)

Processes are paired by command (Valgrind's "Command:" line; heapguard's logs have none,
so DIR/hg.strace, `strace -f -e trace=execve,clone,clone3,fork,vfork` of its run, tells
each pid's), in pid order among those of one command; without hg.strace, by pid order.  For each pair it prints the error reports by kind,
the LEAK SUMMARY side by side (with its "of which reachable via heuristic" lines), and the loss records that differ, keyed by kind and the
allocation stack's top frames (function names; a frame without one is "???" and its
object).  A fourth column adds "possibly lost" and "still reachable" up (heapguard
counted a block reached only through an interior pointer "still reachable" before it had
a "possibly lost" kind, and logs of that time are compared too).  Exit status 0; the
report is for a person.
"""
import collections
import os
import re
import subprocess
import sys

PFX = re.compile(r"^==(\d+)== ?(.*)$")
FRAME = re.compile(r"^\s+(at|by) (.*)$")
LOSS = re.compile(r"^(?:ERROR: memory-leak: )?([\d,]+) (?:\(([\d,]+) direct, [\d,]+ indirect\) )?"
                  r"bytes in ([\d,]+) blocks are (definitely lost|indirectly lost|possibly lost|still reachable)")
SUMMARY = re.compile(r"^\s*(definitely lost|indirectly lost|possibly lost|still reachable): ([\d,]+) bytes in ([\d,]+) blocks")
ERRSUM = re.compile(r"^ERROR SUMMARY: (\d+) errors")
# The summary's "of which reachable via heuristic" lines (round 7), kept as "via NAME".
HEURISTIC = re.compile(r"^\s*(stdstring|length64|newarray|multipleinheritance)\s*: ([\d,]+) bytes in ([\d,]+) blocks")
HEURISTICS = ("via stdstring", "via length64", "via newarray", "via multipleinheritance")
KINDS = ("definitely lost", "indirectly lost", "possibly lost", "still reachable")
BELOW_MAIN = {"(below main)", "__libc_start_call_main", "__libc_start_main_impl", "__libc_start_main"}


def num(s):
    return int(s.replace(",", ""))


DEMANGLED = {}


def demangle(names):
    """heapguard prints C++ names mangled (demangling allocates), Valgrind demangled."""
    todo = sorted({n for n in names if n.startswith("_Z") and n not in DEMANGLED})
    if todo:
        try:
            res = subprocess.run(["c++filt"], input="\n".join(todo), capture_output=True, text=True, check=True)
            DEMANGLED.update(zip(todo, res.stdout.split("\n")))
        except (OSError, subprocess.CalledProcessError):
            DEMANGLED.update((n, n) for n in todo)


def frame_name(text):
    """A frame's function name, or ??? and its object's base name; the spellings that
    differ between the tools made one (size_t, __strdup, .part.0, @GLIBC_2.2.5, __clone3)."""
    m = re.match(r"^(.*?) \((?:in )?(.*)\)$", text)
    name, where = (m.group(1), m.group(2)) if m else (text, "")
    if name == "???":
        return "???@" + os.path.basename(where.split(":")[0])
    if name in BELOW_MAIN:
        return "(below main)"
    name = re.sub(r"@.*$", "", name)
    name = re.sub(r"\.(part|isra|constprop|cold|localalias)(\.\d+)?", "", name)
    name = name.replace("size_t", "unsigned long")
    if name == "__clone3":
        return "clone"
    return name.lstrip("_") if name.startswith("__") and not name.startswith("__gnu") else name


def short_name(name):
    """A demangled C++ name without its scope, template arguments and parameters: Valgrind
    names an inlined constructor by its short name, and heapguard does not print inlined
    frames at all."""
    if "(" not in name or name.startswith("operator"):
        return name
    depth, out = 0, ""
    for ch in name[:name.index("(") if "<" not in name else len(name)]:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out += ch
    out = out.split("(")[0]
    return out.split("::")[-1].split()[-1] if out.strip() else name


def normalise(frames):
    """Frames as comparable names: Valgrind's inlined frames (same address as the frame
    after them) dropped, as heapguard has none; a frame repeating the one before it
    (Valgrind's "calloc < calloc" through the loader's calloc) dropped."""
    raw = [(re.match(r"^(0x[0-9A-Fa-f]+): ", t) or [None, None])[1] for _, t in frames]
    names = [re.sub(r"^0x[0-9A-Fa-f]+: ", "", t) for _, t in frames]
    demangle([re.match(r"^(\S+)", n).group(1) for n in names if n.startswith("_Z")])
    out = []
    for k, name in enumerate(names):
        if raw[k] and k + 1 < len(raw) and raw[k + 1] == raw[k]:
            continue
        first = name.split(" (")[0]
        if first in DEMANGLED:
            name = DEMANGLED[first] + name[len(first):]
        f = short_name(frame_name(name))
        if out and out[-1] == f and not f.startswith("???"):
            continue
        out.append(f)
    if out[:2] == ["memalign", "posix_memalign"]:   # Valgrind's posix_memalign calls its memalign
        out = out[1:]
    if len(out) > 1 and out[1].startswith("operator new"):
        out = out[1:]   # a program's own operator new (cc1's, static libstdc++): Valgrind replaces it
    if out[:1] == ["realloc"]:   # Valgrind's realloc(NULL, n) tail-calls its malloc: "malloc"
        out[0] = "malloc"
    return tuple(out)


def error_kind(title, tool):
    """The kind of an error report's first line, comparable across the tools."""
    if tool == "hg":
        m = re.match(r"^ERROR: ([a-z-]+):", title)
        return m.group(1) if m else None
    for prefix, kind in (("Invalid read", "invalid-read"), ("Invalid write", "invalid-write"),
                         ("Invalid free", "invalid-free"), ("Mismatched free", "mismatched-free"),
                         ("Conditional jump", "uninitialised"), ("Use of uninitialised", "uninitialised"),
                         ("Syscall param", "syscall-param"), ("Source and destination overlap", "overlap"),
                         ("Argument '", "fishy-argument"), ("Invalid alignment", "invalid-alignment"),
                         ("Process terminating", "fatal-signal")):
        if title.startswith(prefix):
            return kind
    return None


def parse(path, tool):
    """One log: command, error kinds, leak summary, loss records."""
    proc = {"command": None, "errors": collections.Counter(), "summary": {}, "records": [],
            "error_summary": None, "no_leaks": False}
    lines = []
    with open(path, errors="replace") as f:
        for raw in f:
            m = PFX.match(raw.rstrip("\n"))
            if m:
                lines.append(m.group(2))
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("Command: "):
            proc["command"] = line[len("Command: "):]
        if "All heap blocks were freed" in line:
            proc["no_leaks"] = True
        m = SUMMARY.match(line) or HEURISTIC.match(line)
        if m:
            proc["summary"][("via " if m.re is HEURISTIC else "") + m.group(1)] = (num(m.group(2)), num(m.group(3)))
        m = ERRSUM.match(line)
        if m:
            proc["error_summary"] = int(m.group(1))
        loss = LOSS.match(line)
        kind = None if loss else error_kind(line, tool)
        if loss or kind:
            frames = []
            j = i + 1
            while j < len(lines) and FRAME.match(lines[j]):
                frames.append(FRAME.match(lines[j]).groups())
                j += 1
            frames = normalise(frames)
            if loss and frames:
                direct = loss.group(2) or loss.group(1)
                proc["records"].append((loss.group(4), num(direct), num(loss.group(3)), tuple(frames)))
            elif kind and kind != "memory-leak" and frames:
                proc["errors"][kind] += 1
            i = j
            continue
        i += 1
    return proc


def command_key(exe, args):
    """What pairs a process of one run with one of the other: its program's base name and
    the beginning of its first two arguments."""
    return (os.path.basename(exe),) + tuple(re.sub(r"[^A-Za-z0-9]", "", a)[:16] for a in args[:2])


def valgrind_argv(command):
    """Valgrind's "Command:" line, whose spaces within an argument are escaped."""
    return [a.replace("\\ ", " ") for a in re.split(r"(?<!\\) ", command)]


def strace_commands(path):
    """pid -> command key from `strace -f -e trace=execve,clone,clone3,fork,vfork` of the
    heapguard run: a process that did not exec has its parent's at the fork."""
    commands, pending = {}, {}
    if not os.path.exists(path):
        return commands
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"^(\d+)\s+execve\(\"([^\"]*)\", \[(.*)\], (?:0x|NULL)", line)
            if m:
                pending[int(m.group(1))] = (m.group(2), [a.replace("\\n", "\n")
                                                              for a in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(3))])
            m = re.match(r"^(\d+)\s+(?:<\.\.\. )?execve.* = 0$", line)
            if m and int(m.group(1)) in pending:
                exe, argv = pending.pop(int(m.group(1)))
                commands[int(m.group(1))] = command_key(exe, argv[1:])
            m = re.match(r"^(\d+)\s+(?:<\.\.\. )?(?:clone3?|v?fork)\b.* = (\d+)$", line)
            if m and int(m.group(1)) in commands:
                commands.setdefault(int(m.group(2)), commands[int(m.group(1))])   # (it may have exec'd first)
    return commands


def load(directory, tool):
    """pid -> parsed log; and pid -> command key (Valgrind's own line, or hg.strace's)."""
    procs, keys = {}, {}
    commands = strace_commands(os.path.join(directory, "hg.strace")) if tool == "hg" else {}
    for name in os.listdir(directory):
        m = re.match(r"^%s\.(\d+)$" % tool, name)
        if m:
            pid = int(m.group(1))
            procs[pid] = parse(os.path.join(directory, name), tool)
            if tool == "vg" and procs[pid]["command"]:
                argv = valgrind_argv(procs[pid]["command"])
                keys[pid] = command_key(argv[0], argv[1:])
            else:
                keys[pid] = commands.get(pid, ("?",))
    return procs, keys


def pairs(hg, hgkeys, vg, vgkeys):
    """The processes of the two runs paired by command key, in pid order within a key;
    without hg.strace, by pid order alone."""
    if all(k == ("?",) for k in hgkeys.values()):
        hgkeys = dict.fromkeys(hgkeys, ("?",))
        vgkeys = dict.fromkeys(vgkeys, ("?",))
    out = []
    for key in sorted(set(hgkeys.values()) | set(vgkeys.values())):
        hs = sorted(p for p in hg if hgkeys[p] == key)
        vs = sorted(p for p in vg if vgkeys[p] == key)
        for n in range(max(len(hs), len(vs))):
            out.append((hs[n] if n < len(hs) else None, vs[n] if n < len(vs) else None, key))
    return sorted(out, key=lambda t: (t[1] or t[0] or 0))


def records_by_key(proc, depth):
    table = collections.defaultdict(lambda: [0, 0])
    for kind, size, blocks, frames in proc["records"]:
        key = (kind, frames[:depth])
        table[key][0] += size
        table[key][1] += blocks
    return table


def fmt(pair):
    return "%d/%d" % tuple(pair) if pair else "-"


def compare(hg, vg, label, depth, out):
    out.append("== %s" % label)
    if hg is None or vg is None:
        out.append("   only in %s" % ("valgrind" if hg is None else "heapguard"))
        return 1
    differs = 0
    if hg["errors"] or vg["errors"]:
        line = "   errors: heapguard %s | valgrind %s" % (dict(hg["errors"]) or "none", dict(vg["errors"]) or "none")
        out.append(line)
        differs += sum(hg["errors"].values()) != sum(vg["errors"].values())
    out.append("   %-17s %14s %14s" % ("", "heapguard", "valgrind"))
    for kind in KINDS:
        h, v = hg["summary"].get(kind, (0, 0)), vg["summary"].get(kind, (0, 0))
        mark = "" if h == v else "   <>"
        out.append("   %-17s %14s %14s%s" % (kind, fmt(h), fmt(v), mark))
    for kind in HEURISTICS:
        h, v = hg["summary"].get(kind), vg["summary"].get(kind)
        if h or v:
            out.append("   %-17s %14s %14s%s" % (kind.replace("multipleinheritance", "multipleinh."), fmt(h), fmt(v),
                                               "" if h == v else "   <>"))
    hr = [sum(hg["summary"].get(k, (0, 0))[i] for k in KINDS[2:]) for i in (0, 1)]
    vr = [sum(vg["summary"].get(k, (0, 0))[i] for k in KINDS[2:]) for i in (0, 1)]
    out.append("   %-17s %14s %14s%s" % ("possibly+reach.", fmt(hr), fmt(vr), "" if hr == vr else "   <>"))
    ht, vt = records_by_key(hg, depth), records_by_key(vg, depth)
    for key in sorted(set(ht) | set(vt), key=lambda k: (KINDS.index(k[0]), k[1])):
        h, v = ht.get(key), vt.get(key)
        if h != v:
            if key[0] != "still reachable" and key[0] != "possibly lost":
                differs += 1
            out.append("   %s %s: heapguard %s, valgrind %s" % (key[0], " < ".join(key[1]), fmt(h), fmt(v)))
    return differs


def main():
    args = sys.argv[1:]
    depth = 4
    if "--frames" in args:
        k = args.index("--frames")
        depth = int(args[k + 1])
        del args[k:k + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    hgs, hgkeys = load(args[0], "hg")
    vgs, vgkeys = load(args[0], "vg")
    out = ["processes: heapguard %d, valgrind %d" % (len(hgs), len(vgs))]
    lost = 0
    for hpid, vpid, key in pairs(hgs, hgkeys, vgs, vgkeys):
        label = "hg.%s vg.%s %s" % (hpid or "-", vpid or "-", " ".join(key)[:100])
        lost += compare(hgs.get(hpid), vgs.get(vpid), label, depth, out)
    for tool, procs in (("heapguard", hgs), ("valgrind", vgs)):
        tot = {k: [sum(p["summary"].get(k, (0, 0))[i] for p in procs.values()) for i in (0, 1)]
               for k in KINDS + HEURISTICS}
        errs = collections.Counter()
        for p in procs.values():
            errs.update(p["errors"])
        via = ", ".join("%s %s" % (k, fmt(tot[k])) for k in HEURISTICS if tot[k][1])
        out.append("totals %s: %s%s; errors %s" % (tool, ", ".join("%s %s" % (k.split()[0], fmt(tot[k])) for k in KINDS),
                                                   " (%s)" % via if via else "", dict(errs) or "none"))
    out.append("lost-or-error records that differ: %d" % lost)
    print("\n".join(out))


if __name__ == "__main__":
    main()
