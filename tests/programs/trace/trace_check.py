#!/usr/bin/env python3
"""trace_check.py STRACE_FILE TRACE_FILE [COUNTS_FILE]

Checks heapguard's trace (HEAPGUARD_TRACE) against strace's record of the same run
(strace -f -o STRACE_FILE -e trace=brk,mmap,munmap,madvise,mremap,mprotect):

  * every traced kernel call appears in strace's output, with the same arguments and
    result, and the traced calls of each thread appear in the order strace saw them
    (strace also shows the loader's and libc's own calls: the trace must be an ordered
    subsequence, thread by thread);
  * every trace line has a reason, and none says "(no reason recorded)";
  * with COUNTS_FILE (lines "brk N", "mmap N", ... written by the program from
    hg_stats_get, i.e. hg_os_calls), the trace holds exactly that many calls of each
    kind, so no call the allocator counted went untraced.
Prints what it matched; exit status 1 on any mismatch."""
import re
import sys
from collections import defaultdict

SYSCALLS = ("brk", "mmap", "munmap", "madvise", "mremap", "mprotect")
TRACE_RE = re.compile(r"^heapguard\[(\d+)(?:/(\d+))?\] \d+\.\d{6} (  )?(\w+\(.*?\) = .*?)\s+# (.+)$")
# a call line: malloc(...), free(...), ... or a C++ operator, "operator new[](40) = 0x..."
CALL_RE = re.compile(r"^heapguard\[(\d+)(?:/(\d+))?\] \d+\.\d{6} "
                     r"(\w+|operator (?:new|delete)(?:\[\])?)\(.*\)( = .*)?$")


def norm(call):
    return re.sub(r"\s+", " ", call.strip())


def read_strace(path):
    """Per thread id: the list of completed calls, normalized, in order."""
    calls = defaultdict(list)
    pending = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        m = re.match(r"^(\d+)\s+(.*)$", line)
        tid, rest = (m.group(1), m.group(2)) if m else ("?", line)
        if rest.startswith(("+++", "---")):
            continue
        if rest.endswith("<unfinished ...>"):
            pending[tid] = rest[: -len("<unfinished ...>")].rstrip()
            continue
        r = re.match(r"^<\.\.\. (\w+) resumed>\s*(.*)$", rest)
        if r:
            rest = pending.pop(tid, r.group(1) + "(") + r.group(2)
        name = rest.split("(", 1)[0]
        if name in SYSCALLS:
            calls[tid].append(norm(rest))
    return calls


def main():
    strace_path, trace_path = sys.argv[1], sys.argv[2]
    counts_path = sys.argv[3] if len(sys.argv) > 3 else None
    bad = 0
    traced = defaultdict(list)
    kinds = defaultdict(int)
    for line in open(trace_path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line.startswith("heapguard["):
            continue
        m = TRACE_RE.match(line)
        if not m:
            if CALL_RE.match(line):
                continue   # a malloc/free/operator line (HEAPGUARD_TRACE_CALLS)
            print(f"FAIL: malformed trace line: {line}")
            bad += 1
            continue
        pid, tid, _, call, reason = m.groups()
        if "no reason recorded" in reason or not reason.strip():
            print(f"FAIL: no reason: {line}")
            bad += 1
        traced[tid or pid].append((norm(call), line))
        kinds[call.split("(", 1)[0]] += 1
    seen = read_strace(strace_path)
    total = 0
    for tid, items in traced.items():
        stream = seen.get(tid, [])
        pos = 0
        for call, line in items:
            try:
                pos = stream.index(call, pos) + 1
                total += 1
            except ValueError:
                where = "anywhere" if call not in stream else "after the previous traced call"
                print(f"FAIL: thread {tid}: not in strace's output {where}: {call}")
                print(f"      trace line: {line}")
                bad += 1
    if not traced:
        print("FAIL: the trace has no kernel-call line")
        bad += 1
    print(f"{total} traced kernel calls found in strace's output, in order, "
          f"in {len(traced)} thread(s): " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    if counts_path:
        for line in open(counts_path):
            name, n = line.split()
            if name in SYSCALLS and kinds.get(name, 0) != int(n):
                print(f"FAIL: hg_os_calls counted {n} {name} calls, the trace shows {kinds.get(name, 0)}")
                bad += 1
        print("counts: " + open(counts_path).read().replace("\n", " "))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
