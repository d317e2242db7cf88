#!/usr/bin/env bash
# GNU sort preloaded on a ~50 MB generated text file (LC_ALL=C): plain, numeric on a
# key, unique, and with two threads and a 10 MB buffer (temporary files and merges);
# outputs compared with glibc's by sha256.
. "$(dirname "$0")/lib.sh"
need sort awk sha256sum
say "$(sort --version | head -n 1)"
assert_preload_works

MB=${SORT_MB:-50}
# Lines: "word number word2 tail".  A third of the lines repeat from a small set (for
# -u), numbers are signed with decimals (for -n), words vary in length.  The LCG is
# Park-Miller, exact in awk's doubles.  mawk (Debian's default awk) is the faster one.
"$(command -v mawk || command -v awk)" -v mb="$MB" 'BEGIN {
  x = 12345
  split("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike", w, " ")
  total = 0; limit = mb * 1048576; n = 0
  while (total < limit) {
    x = (x * 16807) % 2147483647
    if (x % 3 == 0) {
      r = x % 20000
      line = sprintf("dup%05d %d %s repeated", r, (r * 7919) % 100003 - 50000, w[r % 13 + 1])
    } else {
      y = (x * 16807) % 2147483647
      s = substr("qwertyuiopasdfghjklzxcvbnmqwertyuiop", 1 + y % 26, 1 + x % 5)
      line = sprintf("%s%d %d.%02d %s %s", w[x % 13 + 1], y % 1000, (y % 2000001) - 1000000, x % 100, s, substr("ZYXWVUTSRQPONMLKJIHGFEDCBA0123456789", 1 + y % 30, 1 + x % 12))
      x = y
    }
    print line; total += length(line) + 1; n++
  }
}' >"$T/big.txt" || { echo "generating the input failed"; exit 1; }
say "input: $(wc -l <"$T/big.txt") lines, $(wc -c <"$T/big.txt") bytes, sha256 $(sha256sum <"$T/big.txt" | cut -c1-16)"

mkdir -p "$T/tmp.glibc" "$T/tmp.hg"
run_both sort-plain     sort "$T/big.txt"
run_both sort-numeric   sort -n -k2 "$T/big.txt"
run_both sort-unique    sort -u "$T/big.txt"
run_both sort-parallel  sort --parallel=2 -S 10M -T "$T/tmp.@V@" "$T/big.txt"
run_both sort-keys      sort -t ' ' -k3,3 -k1,1r -s --parallel=2 -S 4M -T "$T/tmp.@V@" "$T/big.txt"
# -c on the sorted outputs (reads them back line by line)
run_both sort-check     sort -c "$T/sort-plain.glibc.out"

# sort output is exact: the plain and parallel sorts must agree with each other too
if ! cmp -s "$T/sort-plain.glibc.out" "$T/sort-parallel.hg.out"; then
  fail "sort-parallel under heapguard differs from the plain glibc sort"
fi
for f in "$T"/sort-*.hg.out; do
  [ -s "$f" ] && say "  $(basename "$f"): $(wc -l <"$f") lines, sha256 $(sha256sum <"$f" | cut -c1-16)"
done
finish
