"""py_alloc.py — workload 10a: an allocation-heavy Python program.

Run with PYTHONMALLOC=malloc so that every Python object goes through malloc/free (by
default CPython serves objects <= 512 B from its own pymalloc arenas, and the allocator
under test would only see the arenas).  The script does what typical Python code does, with
fixed seeds so the work is the same every run:
  - builds a tree of small objects (class instances with __dict__, lists, tuples) and drops it;
  - word counting with dicts and str operations over generated text;
  - JSON encode/decode round trips of nested structures;
  - sorting lists of tuples and strings, set operations, list comprehensions;
  - string building: join, formatting, slicing; bytes and bytearray growth.
Usage: python3 py_alloc.py [scale]   (scale 1.0 = default; --smoke = 0.02)
Prints one RESULT line (check is a hash of the results, the same under every allocator).
"""
import json
import random
import sys
import time
import zlib


class Node:
    def __init__(self, key, depth):
        self.key = key
        self.children = []
        self.payload = {"k": key, "d": depth, "name": "node-%d" % key}


def build_tree(rng, n):
    root = Node(0, 0)
    nodes = [root]
    for i in range(1, n):
        parent = nodes[rng.randrange(len(nodes))]
        child = Node(i, parent.payload["d"] + 1)
        parent.children.append(child)
        nodes.append(child)
    return root


def walk(node):
    total, stack = 0, [node]
    while stack:
        n = stack.pop()
        total += n.payload["d"] + len(n.payload["name"])
        stack.extend(n.children)
    return total


WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau"]


def text(rng, n):
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(n))


def word_count(s):
    counts = {}
    for w in s.split():
        counts[w] = counts.get(w, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]


def json_roundtrip(rng, n):
    doc = [{"id": i, "tags": [rng.choice(WORDS) for _ in range(rng.randrange(1, 6))],
            "pos": (rng.random(), rng.random()), "meta": {"s": "x" * rng.randrange(1, 200)}}
           for i in range(n)]
    s = json.dumps(doc)
    back = json.loads(s)
    return len(s) + sum(len(d["tags"]) for d in back)


def sorting(rng, n):
    rows = [(rng.randrange(1000), "%08x" % rng.getrandbits(32), rng.random()) for _ in range(n)]
    rows.sort()
    keys = sorted({r[1][:4] for r in rows})
    a = {r[0] for r in rows[: n // 2]}
    b = {r[0] for r in rows[n // 2:]}
    return len(keys) + len(a & b) + len(a | b) + rows[n // 3][0]


def strings(rng, n):
    parts = []
    buf = bytearray()
    for i in range(n):
        s = "%s:%d:%s" % (rng.choice(WORDS), i, "-" * (i % 37))
        parts.append(s.upper()[1:])
        buf += s.encode()
    joined = "|".join(parts)
    return len(joined) + zlib.crc32(bytes(buf)) % 1000


def main():
    scale = 1.0
    for arg in sys.argv[1:]:
        scale = 0.02 if arg == "--smoke" else float(arg)
    rng = random.Random(12345)
    t0 = time.time()
    h = 0
    for rnd in range(max(1, int(5 * scale))):
        tree = build_tree(rng, 30000)
        h = zlib.crc32(str(walk(tree)).encode(), h)
        del tree
        h = zlib.crc32(repr(word_count(text(rng, 40000))).encode(), h)
        h = zlib.crc32(str(json_roundtrip(rng, 4000)).encode(), h)
        h = zlib.crc32(str(sorting(rng, 30000)).encode(), h)
        h = zlib.crc32(str(strings(rng, 30000)).encode(), h)
    print("RESULT wl=python check=%x scale=%g secs=%.3f" % (h, scale, time.time() - t0))


if __name__ == "__main__":
    main()
