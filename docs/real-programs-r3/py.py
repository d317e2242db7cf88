import json, re, sys, os, multiprocessing as mp, concurrent.futures as cf, hashlib, random
N = int(sys.argv[1])
def work(i):
    r = random.Random(i)
    d = {"k%d" % j: [r.random(), "x" * r.randint(0, 200), {"n": j}] for j in range(N // 50)}
    s = json.dumps(d, sort_keys=True)
    back = json.loads(s)
    words = re.findall(r'"(k\d+)"', s)
    return hashlib.sha256((s + ",".join(sorted(words))).encode()).hexdigest()[:16], len(back)
def tjob(i):
    r = random.Random(1000 + i)
    text = " ".join("w%d" % r.randint(0, 5000) for _ in range(N))
    pat = re.compile(r'w(\d*7\d*)')
    ms = [int(m.group(1)) for m in pat.finditer(text)]
    return sum(ms), len(re.sub(r'w1\d+', 'X', text))
if __name__ == "__main__":
    mp.set_start_method("fork")
    with mp.Pool(2) as p:
        print(p.map(work, range(8)))
    with cf.ThreadPoolExecutor(4) as ex:
        print(list(ex.map(tjob, range(8))))
    big = [json.loads(json.dumps({"a": list(range(i % 100)), "s": "y" * (i % 1000)})) for i in range(N)]
    print(sum(len(b["a"]) + len(b["s"]) for b in big))
    # fork while threads are running, child uses the pool too
    with cf.ThreadPoolExecutor(2) as ex:
        fut = [ex.submit(tjob, i) for i in range(4)]
        q = mp.Process(target=work, args=(3,)); q.start(); q.join()
        print(q.exitcode, [f.result()[0] for f in fut])
