# MemoryError under ulimit -v: python must raise it, catch it, and go on
ulimit -v 400000
${PY:-python3} -c '
import sys
keep = []
try:
    while True: keep.append(bytearray(8 << 20))
except MemoryError:
    n = len(keep); keep = None
    print("MemoryError after", "many" if n > 10 else n, "chunks")
try:
    x = [0] * (10**9)
except MemoryError:
    print("MemoryError list")
try:
    s = "a" * (2 * 10**9)
except MemoryError:
    print("MemoryError str")
l = []
try:
    while True: l.append({"x": [1]*100})
except MemoryError:
    del l
    print("MemoryError small")
print(sum(range(10**6)))
'
echo st=$?
