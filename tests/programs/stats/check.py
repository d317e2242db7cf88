#!/usr/bin/env python3
"""check.py SCENARIO FILE [extra...] — checks the stats printed by patterns.c.

FILE holds one JSON object per line (HEAPGUARD_STATS=json): "snapshot" objects from
hg_stats_print() and the "final" one at exit, or a timeline (start, samples, final).
Prints 'ok ...' lines; exits 1 on the first failed check, saying what differed."""
import json, re, sys

FIELDS = ["t_ms", "requested", "in_use", "mapped", "meta", "rss", "free", "free_runs",
          "largest_free", "external_frag", "internal_waste", "mallocs", "frees", "kernel_calls"]
FINAL = ["classes", "spans", "threads"]

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

def eq(what, got, want):
    if got != want:
        fail(f"{what}: got {got}, want {want}")
    print(f"ok    {what} = {got}")

def le(what, got, bound):
    if not got <= bound:
        fail(f"{what}: got {got}, want at most {bound}")
    print(f"ok    {what} = {got} <= {bound}")

def load(path):
    objs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                fail(f"{path}:{n}: not JSON ({e}): {line[:200]!r}")
    if not objs:
        fail(f"{path} is empty")
    return objs

def consistent(o, where):
    """The identities docs/stats-format.md promises."""
    for k in FIELDS:
        if k not in o:
            fail(f"{where}: no field {k}")
        if not isinstance(o[k], (int, float)) or isinstance(o[k], bool):
            fail(f"{where}: {k} is not a number: {o[k]!r}")
    if o["mapped"] != o["heap"] + o["regions"] + o["large"] + o["guarded_mapped"]:
        fail(f"{where}: mapped != heap + regions + large + guarded_mapped")
    if o["free"] != o["free_run_bytes"] + o["free_slot_bytes"]:
        fail(f"{where}: free != runs + slots")
    if o["internal_waste"] != o["in_use"] - o["requested"]:
        fail(f"{where}: internal_waste != in_use - requested")
    if o["frees"] != o["mallocs"] - o["blocks"]:
        fail(f"{where}: frees != mallocs - blocks")
    if not 0 <= o["external_frag"] <= 1 or o["largest_free"] > o["free"]:
        fail(f"{where}: external_frag {o['external_frag']}, largest {o['largest_free']}, free {o['free']}")
    want = round(1 - o["largest_free"] / o["free"], 4) if o["free"] else 0
    if abs(o["external_frag"] - want) > 0.00011:
        fail(f"{where}: external_frag {o['external_frag']} != 1 - largest/free = {want}")
    if o["type"] in ("final", "snapshot"):
        for k in FINAL:
            if k not in o:
                fail(f"{where}: no {k}")
        large_in_use = o["kinds"]["large"]["in_use"] + o["kinds"]["guarded"]["in_use"]
        if o["heap"] + o["regions"] != (o["in_use"] - large_in_use) + o["free"] + o["span_tail"]:
            fail(f"{where}: heap + regions != small/medium in use + free + span tail")
        starts = [s["start"] for s in o["spans"]]
        if starts != sorted(starts):
            fail(f"{where}: spans not in address order")
        for s in o["spans"]:
            if s["kind"] not in ("small", "medium", "large", "free"):
                fail(f"{where}: span kind {s['kind']}")
        for a, b in zip(o["spans"], o["spans"][1:]):
            if a["start"] + a["bytes"] > b["start"]:
                fail(f"{where}: spans overlap at {a['start']:#x}")
        byk = {}
        for s in o["spans"]:
            byk[s["kind"]] = byk.get(s["kind"], 0) + s["bytes"]
        if byk.get("free", 0) != o["free_run_bytes"]:
            fail(f"{where}: free spans {byk.get('free', 0)} != free_run_bytes {o['free_run_bytes']}")
        if byk.get("large", 0) != o["large"]:
            fail(f"{where}: large spans != large")
        kinds = [o["kinds"][k] for k in ("medium", "large", "guarded")]
        if sum(c["live"] for c in o["classes"]) + sum(k["live"] for k in kinds) != o["blocks"]:
            fail(f"{where}: classes' live blocks do not add up")
        if sum(c["requested"] for c in o["classes"]) + sum(k["requested"] for k in kinds) != o["requested"]:
            fail(f"{where}: classes' requested bytes do not add up")

def cls(o, size):
    for c in o["classes"]:
        if c["size"] == size:
            return c
    return {"size": size, "live": 0, "requested": 0, "in_use": 0, "waste": 0}

def main():
    scen, path = sys.argv[1], sys.argv[2]
    objs = load(path)
    for i, o in enumerate(objs):
        if o.get("type") in ("sample", "final", "snapshot"):
            consistent(o, f"{path} object {i + 1} ({o['type']})")
    print(f"ok    {len(objs)} JSON objects, each consistent")
    if scen == "timeline":
        return timeline(objs)
    if scen == "timeline_extra":
        return timeline_extra(objs)
    if objs[-1]["type"] != "final" or any(o["type"] != "snapshot" for o in objs[:-1]):
        fail("expected snapshots then one final object: " + ",".join(o["type"] for o in objs))
    s = [o for o in objs]
    d = lambda k, a, b: s[b][k] - s[a][k]
    if scen == "small":
        eq("requested after 1000 x malloc(24)", d("requested", 0, 1), 24000)
        eq("live blocks", d("blocks", 0, 1), 1000)
        eq("32-byte class: live", cls(s[1], 32)["live"] - cls(s[0], 32)["live"], 1000)
        eq("32-byte class: requested", cls(s[1], 32)["requested"] - cls(s[0], 32)["requested"], 24000)
        eq("32-byte class: waste", cls(s[1], 32)["waste"] - cls(s[0], 32)["waste"], 8000)
        eq("internal waste", d("internal_waste", 0, 1), 8000)
        eq("mallocs", d("mallocs", 0, 1), 1000)
        eq("frees", d("frees", 0, 1), 0)
        eq("frees after freeing them", d("frees", 1, 2), 1000)
        eq("requested after freeing them", d("requested", 0, 2), 0)
        eq("final = last snapshot (requested)", s[3]["requested"], s[2]["requested"])
    elif scen == "kinds":
        eq("medium block: requested", d("requested", 0, 1), 100000)
        eq("medium block: in use (25 pages)", d("in_use", 0, 1), 25 * 4096)
        eq("medium live", s[1]["kinds"]["medium"]["live"] - s[0]["kinds"]["medium"]["live"], 1)
        eq("large block: requested", d("requested", 1, 2), 300000)
        eq("large block: in use (74 pages)", d("in_use", 1, 2), 74 * 4096)
        eq("large block: mapped", d("large", 1, 2), 74 * 4096)
        eq("10 x malloc(0): requested", d("requested", 2, 3), 0)
        eq("10 x malloc(0): 16-byte class live", cls(s[3], 16)["live"] - cls(s[2], 16)["live"], 10)
        eq("10 x malloc(0): in use", d("in_use", 2, 3), 160)
        eq("calloc(10, 10): requested", d("requested", 3, 4), 100)
        eq("calloc(10, 10): in use (112-byte class)", d("in_use", 3, 4), 112)
        eq("posix_memalign(64, 40): requested", d("requested", 4, 5), 40)
        eq("posix_memalign(64, 40): in use (64-byte class)", d("in_use", 4, 5), 64)
        eq("malloc(100) then realloc to 60 in place: requested", d("requested", 5, 6), 60)
        eq("realloc in place: one block", d("mallocs", 5, 6), 1)
        eq("malloc(1000) then realloc to 5000: requested", d("requested", 6, 7), 5000)
        eq("realloc that moves: two blocks allocated", d("mallocs", 6, 7), 2)
        eq("realloc that moves: one freed", d("frees", 6, 7), 1)
        eq("medium realloc to 150000: requested", d("requested", 7, 8), 50000)
        eq("all freed: requested back", d("requested", 0, 9), 0)
        eq("all freed: blocks back", d("blocks", 0, 9), 0)
    elif scen == "waste":
        waste = d("internal_waste", 0, 1)
        in_use = d("in_use", 0, 1)
        le("waste of 5000 random blocks of 129..32767 bytes, per 10000 of in use",
           waste * 10000 // in_use, 10000 // 9)
        for c in s[1]["classes"]:
            if c["size"] > 128 and c["live"]:
                le(f"{c['size']}-byte class: waste per block", c["waste"] / c["live"], c["size"] / 9)
    elif scen == "frag":
        a, b, c = s[0], s[1], s[2]
        k0, k1 = cls(a, 1024), cls(b, 1024)
        eq("1000 x 1 KiB: live in the 1024-byte class", k0["live"], 1000)
        eq("even ones freed: live", k1["live"], 500)
        eq("even ones freed: free slot bytes grew by", b["free_slot_bytes"] - a["free_slot_bytes"], 500 * 1024)
        if not b["free_slot_bytes"] >= 500 * 1000:
            fail("the holes add up to less than 500 KB?")
        holes = [x for x in b["spans"] if x["kind"] == "small" and x["class_size"] == 1024]
        le("largest hole (a free 1 KiB slot) vs 500 KB", 1024, 500 * 1000 - 1)
        print(f"ok    the holes: {b['free_slot_bytes'] - a['free_slot_bytes']} free bytes in 500 slots of 1 KiB "
              f"across {len(holes)} spans; none holds 500 KB: it does not fit in them")
        eq("500 KB: a large block (own mapping) or medium, not in the holes",
           c["kinds"]["large"]["live"] + c["kinds"]["medium"]["live"] - b["kinds"]["large"]["live"] - b["kinds"]["medium"]["live"], 1)
        m = re.search(r"big (\d+) lo (\d+) hi (\d+)", open(sys.argv[3]).read())
        big, lo, hi = map(int, m.groups())
        inside = any(x["start"] <= big < x["start"] + x["bytes"] for x in holes)
        eq("500 KB block inside a 1 KiB span", inside, False)
    elif scen == "threads":
        eq("4 threads x 1000 x malloc(40): requested", d("requested", 0, 1), 160000)
        eq("48-byte class live", cls(s[1], 48)["live"] - cls(s[0], 48)["live"], 4000)
        heaps = [t for t in s[1]["threads"] if any(k["size"] == 48 for k in t["classes"])]
        if len(heaps) < 4:
            fail(f"{len(heaps)} heaps hold 48-byte spans, want 4 (one per thread)")
        print(f"ok    {len(heaps)} heaps hold 48-byte spans")
        eq("after remote frees of half: requested", d("requested", 0, 2), 80000)
        eq("after remote frees: frees", d("frees", 1, 2), 2000)
    elif scen == "info":
        o = s[0]
        text = open(sys.argv[3]).read()
        mi = dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+)", text.split("mallinfo2", 1)[1].splitlines()[0]))
        eq("mallinfo2 uordblks + hblkhd = in_use", mi["uordblks"] + mi["hblkhd"], o["in_use"])
        eq("mallinfo2 arena + hblkhd = mapped", mi["arena"] + mi["hblkhd"], o["mapped"])
        eq("mallinfo2 hblks = large blocks", mi["hblks"], o["kinds"]["large"]["live"])
        eq("mallinfo2 hblkhd = large mapped", mi["hblkhd"], o["kinds"]["large"]["in_use"])
        eq("mallinfo2 ordblks = free runs", mi["ordblks"], o["free_runs"])
        eq("mallinfo2 smblks = free slots", mi["smblks"], sum(c["free_slots"] for c in o["classes"]))
        eq("mallinfo2 fsmblks = free slot bytes", mi["fsmblks"], o["free_slot_bytes"])
        err = open(sys.argv[4]).read()
        tot = err.split("Total (incl. mmap):")[1]
        eq("malloc_stats total in use", int(re.search(r"in use bytes\s*=\s*(\d+)", tot).group(1)), o["in_use"])
        eq("malloc_stats total system", int(re.search(r"system bytes\s*=\s*(\d+)", tot).group(1)), o["mapped"])
        xml = open(sys.argv[5]).read()
        mm = re.findall(r'<total type="mmap" count="(\d+)" size="(\d+)"/>', xml)
        eq("malloc_info mmap count", int(mm[-1][0]), o["kinds"]["large"]["live"])
        eq("malloc_info mmap size", int(mm[-1][1]), o["kinds"]["large"]["in_use"])
        rest = re.findall(r'<total type="rest" count="(\d+)" size="(\d+)"/>', xml)
        eq("malloc_info rest count = free runs", int(rest[-1][0]), o["free_runs"])
        sysc = re.findall(r'<system type="current" size="(\d+)"/>', xml)
        eq("malloc_info heap's system = heap + regions", int(sysc[0]), o["heap"] + o["regions"])
        eq("malloc_info total system = mapped", int(sysc[-1]), o["mapped"])
    else:
        fail("unknown scenario " + scen)

def timeline(objs):
    types = [o.get("type") for o in objs]
    eq("first record", types[0], "start")
    eq("last record", types[-1], "final")
    if any(t != "sample" for t in types[1:-1]):
        fail("records between start and final are not all samples")
    st = objs[0]
    for k in ("version", "pid", "program", "page_size", "interval_ms"):
        if k not in st:
            fail(f"start record has no {k}")
    n = len(objs) - 2
    if n < int(sys.argv[3]):
        fail(f"{n} samples, want at least {sys.argv[3]}")
    print(f"ok    {n} samples")
    t = [o["t_ms"] for o in objs[1:]]
    if any(b <= a for a, b in zip(t, t[1:])):
        fail("t_ms does not increase: " + str(t[:40]))
    print(f"ok    t_ms increases: {t[0]} .. {t[-1]}")
    # extra samples (after the allocator grew or shrank its memory) come between the
    # regular ones; the interval holds between regular samples
    t = [o["t_ms"] for o in objs[1:-1] if not o.get("extra")] + [objs[-1]["t_ms"]]
    gaps = [b - a for a, b in zip(t[:-1], t[1:-1])]
    if gaps and min(gaps) < st["interval_ms"] - 4.5:   # the coarse clock ticks every 4 ms
        fail(f"samples closer than the interval: {min(gaps)} ms")
    print(f"ok    samples at least ~{st['interval_ms']} ms apart (smallest gap {min(gaps) if gaps else 0:.3f} ms)")
    if int(sys.argv[3]) >= 3 and len(set(o["requested"] for o in objs[1:])) < 3:
        fail("the samples do not follow the program's heap")
    print("ok    samples follow the heap (requested varies)")
    peak_rss(objs)

def peak_rss(objs):
    """The final record's peak_rss (the kernel's VmHWM) is at least every RSS sampled."""
    fin = objs[-1]
    if "peak_rss" not in fin:
        fail("final record has no peak_rss")
    most = max(o["rss"] for o in objs[1:])
    if fin["peak_rss"] < most:
        fail(f"peak_rss {fin['peak_rss']} below a sampled rss {most}")
    print(f"ok    peak_rss {fin['peak_rss']} >= every sampled rss (max {most})")

def timeline_extra(objs):
    """An interval longer than the run: one regular sample (the first allocation's),
    then only extra samples, taken after the heap grew, at most 16 of them."""
    samples = objs[1:-1]
    regular = [o for o in samples if not o.get("extra")]
    extra = [o for o in samples if o.get("extra")]
    eq("regular samples with an interval longer than the run", len(regular), 1)
    if not 1 <= len(extra) <= 16:
        fail(f"{len(extra)} extra samples, want 1..16 (the heap grew several times)")
    print(f"ok    {len(extra)} extra samples after the heap grew")
    if len(set(o["mapped"] for o in extra)) < 2:
        fail("the extra samples do not follow the heap's growth (mapped never changes)")
    print("ok    extra samples follow the heap's growth (mapped varies)")
    peak_rss(objs)

main()
