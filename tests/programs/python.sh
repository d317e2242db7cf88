#!/usr/bin/env bash
# python3 with PYTHONMALLOC=malloc (every object through malloc/free/realloc), running an
# allocation-heavy script three ways: single-threaded, with 4 threads (zlib/bz2/lzma/
# hashlib release the GIL, so malloc is called truly concurrently, and objects cross
# threads through queues), and with fork() from a multi-threaded process.  The script
# prints digests only, so its output must be the same with and without heapguard.
. "$(dirname "$0")/lib.sh"

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else need python3; PY=$(command -v python3); fi
say "python: $PY ($("$PY" --version 2>&1))"
assert_preload_works

export PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP

cat >"$T/alloc.py" <<'EOF'
import sys, os, gc, json, hashlib, random, struct, threading, queue, zlib, collections

def H(data):
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()[:24]

def J(obj):
    return H(json.dumps(obj, sort_keys=True, separators=(',', ':')))

ALPHA = 'abcdefghijklmnopqrstuvwxyz'

def words(rng, n, maxlen=12):
    return [''.join(rng.choice(ALPHA) for _ in range(rng.randint(1, maxlen))) for _ in range(n)]

def nested(rng, depth):
    kind = rng.randrange(2) if depth > 3 else rng.randrange(4) if depth > 0 else 3
    if kind == 0:
        return {''.join(rng.choice(ALPHA) for _ in range(rng.randint(1, 8))) + str(i): nested(rng, depth - 1)
                for i in range(rng.randint(1, 6))}
    if kind == 1:
        return [nested(rng, depth - 1) for _ in range(rng.randint(0, 6))]
    if kind == 2:
        return [rng.randint(-10**12, 10**12), rng.random() * 1000, None, True, 'x' * rng.randint(0, 300)]
    return ''.join(rng.choice(ALPHA + ' "\\\u00e9\u4e2d') for _ in range(rng.randint(0, 40)))

class Node:
    def __init__(self, key, val, nxt):
        self.key = key; self.val = val; self.next = nxt; self.extra = {'k': key}

def main_section():
    rng = random.Random(20240501)
    # dicts of strings
    ws = words(rng, 60000 * SCALE)
    index = {}
    for i, w in enumerate(ws):
        index.setdefault(w, []).append(i)
    print('dict', len(index), J(sorted((k, len(v), v[-1]) for k, v in index.items())))
    inverted = {str(i): w * 3 for i, w in enumerate(ws)}
    for i in range(0, len(ws), 3):
        del inverted[str(i)]
    print('dict-del', len(inverted), H('|'.join(inverted[k] for k in sorted(inverted)[:30000])))
    # lists of tuples, sorted several ways
    tuples = [(rng.random(), rng.randint(0, 1 << 40), w, (i, str(i))) for i, w in enumerate(ws)]
    tuples.sort()
    a = H(repr(tuples[:1000]) + repr(tuples[-1000:]))
    tuples.sort(key=lambda t: (t[2], -t[1]))
    b = H(repr(tuples[::97]))
    srt = sorted(ws, key=len, reverse=True)
    print('sort', a, b, H('\n'.join(srt[:10000])))
    # json round trip of a nested structure
    for seed in range(3):
        doc = nested(random.Random(seed), 6)
        s = json.dumps(doc, sort_keys=True, indent=1 if seed == 1 else None)
        back = json.loads(s)
        assert back == doc, 'json round trip'
        print('json', seed, len(s), H(s), J(back))
    big_doc = {'rows': [{'id': i, 'name': ws[i], 'tags': ws[i:i + 5], 'score': i * 0.25} for i in range(20000 * SCALE)]}
    s = json.dumps(big_doc, sort_keys=True)
    print('json-big', len(s), H(s), len(json.loads(s)['rows']))
    # big string joins and growth
    parts = [str(i) * (i % 9) for i in range(100000 * SCALE)]
    joined = ','.join(parts)
    print('join', len(joined), H(joined))
    acc = ''
    for i in range(40000):
        acc += ws[i % len(ws)]            # in-place resize (realloc) while the refcount is 1
        if i % 9999 == 0:
            acc = acc.upper()
    print('concat', len(acc), H(acc))
    text = ' '.join(ws)
    print('split', len(text.split()), H(text.replace('a', 'AA').title()))
    # many small objects: a linked list, a tree of dicts, freed halfway and rebuilt
    head = None
    for i in range(80000 * SCALE):
        head = Node(i, str(i), head)
    total, n = 0, head
    while n is not None:
        total += n.key; n = n.next
    head = None
    gc.collect()
    objs = [(i, [i] * (i % 5), {'a': i}) for i in range(60000 * SCALE)]
    del objs[::2]
    objs.extend((i, 'r' * (i % 40)) for i in range(30000 * SCALE))
    print('objects', total, len(objs), J([repr(o) for o in objs[::1000]]))
    cnt = collections.Counter(w[:2] for w in ws)
    sets = set(ws[:len(ws) // 2]) ^ set(ws[len(ws) // 4:])
    print('counter', J(sorted(cnt.items())), len(sets), H(','.join(sorted(sets))))
    # bytes and bytearray growth
    ba = bytearray()
    for i in range(80000 * SCALE):
        ba += struct.pack('<I', (i * 2654435761) & 0xffffffff)
        if i % 7 == 0:
            ba.extend(b'x' * (i % 200))
    del ba[1000:50000]
    ba[::3] = bytes(len(ba[::3]))
    by = b''
    for i in range(6000):
        by += bytes([i & 255]) * (i % 50)
    print('bytes', len(ba), H(bytes(ba)), len(by), H(by))
    comp = zlib.compress(bytes(ba) + by, 6)
    assert zlib.decompress(comp) == bytes(ba) + by
    print('zlib', len(comp), H(comp))

def worker(tid, out):
    rng = random.Random(1000 + tid)
    import bz2, lzma
    res = []
    for rnd in range(3):
        ws = words(rng, 8000)
        d = {w + str(i): [i, w, w * 2] for i, w in enumerate(ws)}
        items = sorted(d.items(), key=lambda kv: (kv[1][1], kv[0]))
        blob = '\n'.join(k + '=' + v[2] for k, v in items).encode() * 3
        z = zlib.compress(blob, 6 + rnd % 4)          # GIL released: concurrent malloc
        b2 = bz2.compress(blob[:300000], 9 if rnd % 2 else 1)
        lz = lzma.compress(blob[:200000], preset=1)
        assert zlib.decompress(z) == blob
        assert bz2.decompress(b2) == blob[:300000]
        assert lzma.decompress(lz) == blob[:200000]
        res.append((len(d), len(blob), hashlib.sha256(blob).hexdigest()[:16], len(z), len(b2), len(lz)))
    out[tid] = res

def producer(pid, q, n):
    rng = random.Random(77 + pid)
    for i in range(n):
        q.put((pid, i, [''.join(rng.choice(ALPHA) for _ in range(rng.randint(1, 60))) for _ in range(50)]))
    q.put(None)

def consumer(q, results, lock):
    local = []
    while True:
        item = q.get()
        if item is None:
            break
        pid, i, strs = item
        local.append((pid, i, H(zlib.compress(''.join(strs).encode() * 20))))
    with lock:
        results.extend(local)

def threads_section():
    out = [None] * 4
    ts = [threading.Thread(target=worker, args=(t, out)) for t in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()
    for tid, res in enumerate(out):
        print('thread', tid, J(res))
    # objects made in one thread, freed in another
    q = queue.Queue(maxsize=64)
    results, lock = [], threading.Lock()
    ps = [threading.Thread(target=producer, args=(p, q, 800)) for p in range(2)]
    cs = [threading.Thread(target=consumer, args=(q, results, lock)) for _ in range(2)]
    for t in ps + cs: t.start()
    for t in ps: t.join()
    for t in cs: t.join()
    results.sort()
    print('queue', len(results), J(results))

def chew(stop):
    blob = bytes(range(256)) * 4000
    while not stop.is_set():
        zlib.decompress(zlib.compress(blob, 1))       # malloc/free with the GIL released

def task(n):
    rng = random.Random(n)
    ws = words(rng, 5000 + n * 100)
    d = collections.Counter(ws)
    return n, len(d), J(sorted(d.items())[:200])

def fork_section():
    import multiprocessing
    # fork() while other threads are inside malloc: the child must not inherit a held lock
    stop = threading.Event()
    chewers = [threading.Thread(target=chew, args=(stop,)) for _ in range(2)]
    for t in chewers: t.start()
    ok = hung = bad = 0
    for i in range(30):
        pid = os.fork()
        if pid == 0:
            try:
                x = [str(j) * 10 for j in range(20000)]
                y = zlib.compress(''.join(x).encode())
                code = 0 if len(zlib.decompress(y)) == sum(map(len, x)) else 3
            except BaseException:
                code = 4
            os._exit(code)
        import time
        deadline = time.monotonic() + 30
        while True:
            r, status = os.waitpid(pid, os.WNOHANG)
            if r:
                if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0: ok += 1
                else:
                    bad += 1
                    print('child', i, 'failed: status', status, file=sys.stderr)
                break
            if time.monotonic() > deadline:
                os.kill(pid, 9); os.waitpid(pid, 0); hung += 1
                print('child', i, 'hung (deadlock after fork?)', file=sys.stderr)
                break
            time.sleep(0.002)
    stop.set()
    for t in chewers: t.join()
    print('fork', ok, 'ok', hung, 'hung', bad, 'failed')
    # multiprocessing with the fork start method; maxtasksperchild re-forks workers while
    # the pool's handler threads run in the parent
    ctx = multiprocessing.get_context('fork')
    with ctx.Pool(2, maxtasksperchild=3) as pool:
        res = pool.map(task, range(18), chunksize=1)
    print('pool', J(res))

section = sys.argv[1]
SCALE = int(sys.argv[2]) if len(sys.argv) > 2 else 2
{'main': main_section, 'threads': threads_section, 'fork': fork_section}[section]()
print('done', section)
EOF

run_both python-main    "$PY" "$T/alloc.py" main
run_both python-threads "$PY" "$T/alloc.py" threads
run_both python-fork    "$PY" "$T/alloc.py" fork
# the default allocator (pymalloc for small objects, malloc for the rest) as well
PYTHONMALLOC=pymalloc run_both python-pymalloc "$PY" "$T/alloc.py" main 1
finish
