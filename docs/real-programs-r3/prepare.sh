#!/usr/bin/env bash
# Inputs for round 3 (about 750 MB in $W: delete $W afterwards) and the small programs.
set -e
: "${W:=/tmp/hgr3}"; mkdir -p "$W/c"; S=$(cd "$(dirname "$0")" && pwd)
python3 "$S/gen.py" 2600 "$W/big.c"; python3 "$S/gen.py" 300 "$W/small.c"
awk 'BEGIN{x=12345; for(i=0;i<7200000;i++){x=(x*16807)%2147483647; printf "%010d %s %d\n", x, substr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 1+x%40, 40+x%40), i}}' >"$W/sortin.txt"
python3 - "$W/huge.txt" <<'PY'
import random, sys
r = random.Random(5)
with open(sys.argv[1], 'w') as f:
    for i in range(24):                      # 24 lines of 10 MB, 6 distinct
        n = r.randint(0, 5); f.write(chr(97 + n) * (10_000_000 + (n % 3)) + "\n")
    for i in range(1000):
        f.write("short%d\n" % r.randint(0, 50))
PY
gcc -O1 -g -fPIC -shared "$S/plug.c" -o "$W/c/libplug.so"
for p in termexit forkmt dl; do gcc -O1 -g -pthread "$S/$p.c" -o "$W/c/$p" -ldl; done
gcc -O1 -g "$S/../../tests/programs/sigreenter/storm.c" -o "$W/c/storm"
