#!/usr/bin/env bash
# Running out of address space (RLIMIT_AS, `ulimit -v`) in check mode: the library must
# fail cleanly and say true things.
#  1. A limit that lets the program start but not check mode load libunwind: the line
#     on stderr says libunwind cannot be loaded and why, not that it is "not found"
#     (which sent the user to install a package they have).  The limit is searched
#     for, from 8 MiB up: the first one at which a libunwind line appears.
. "$(dirname "$0")/lib.sh"
need gcc

cat >"$T/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  void *p = malloc(100);
  printf("%s\n", p ? "allocated" : "no memory");
  free(p);
  return 0;
}
C
gcc -O1 -o "$T/prog" "$T/prog.c" || { fail "cannot build prog.c"; finish; }

HG_CHECKS=$((HG_CHECKS + 1))
found=
for kib in $(seq 8192 1024 65536); do
  ( ulimit -v "$kib" && exec env HEAPGUARD_MODE=check LD_PRELOAD="$HG_LIB_SO" "$T/prog" ) \
    >"$T/out" 2>"$T/err"
  if grep -q libunwind "$T/err"; then found=$kib; break; fi
done
if [ -z "$found" ]; then
  say "no limit from 8 to 64 MiB stops libunwind alone from loading: nothing to check"
else
  say "ulimit -v $found: $(grep libunwind "$T/err")"
  grep -q 'not found' "$T/err" && fail "under ulimit -v $found, libunwind is said to be missing: $(grep libunwind "$T/err")"
  grep -q 'cannot load libunwind.so.8 (' "$T/err" || fail "under ulimit -v $found, no 'cannot load libunwind.so.8 (why)' line"
fi
finish
