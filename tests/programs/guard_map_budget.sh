#!/usr/bin/env bash
# Guard mode at its mapping budget (guard.c: an eighth of vm.max_map_count kept for the
# program, two mappings a live block): past about limit/2 live blocks new ones get
# redzones instead of guard pages, after one warning.  The warning said what happened
# and not what to do about it; it now ends with the command that raises the limit, as
# the README says.  Skipped where the limit is too large to reach quickly.
. "$(dirname "$0")/lib.sh"
need gcc

limit=$(cat /proc/sys/vm/max_map_count 2>/dev/null)
if [ -z "$limit" ] || [ "$limit" -gt 262144 ]; then
  echo "vm.max_map_count '${limit:-unreadable}': too large to fill here"
  exit 77
fi
cat >"$T/many.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 0;
  void **p = calloc((size_t)n, sizeof *p);
  if (!p) return 1;
  for (long i = 0; i < n; i++)
    if (!(p[i] = malloc(16))) return 2;
  for (long i = 0; i < n; i++) free(p[i]);
  free(p);
  puts("done");
  return 0;
}
C
build many.c gcc -O1 -o "$T/many" "$T/many.c"
HG_CHECKS=$((HG_CHECKS + 2))
HEAPGUARD_MODE=guard HEAPGUARD_LOG_FILE="$T/many.log" LD_PRELOAD="$HG_LIB_SO" \
  timeout "$HG_CMD_TIMEOUT" "$T/many" $((limit / 2 + 1000)) >"$T/many.out" 2>&1
st=$?
say "$((limit / 2 + 1000)) blocks: $(cat "$T/many.out"), status $st; $(grep -m 1 WARNING "$T/many.log")"
[ "$st" = 0 ] || fail "exit status $(status_desc "$st"), expected 0"
grep -q 'WARNING: guard mode: [0-9]* guarded blocks are near the limit of vm.max_map_count' "$T/many.log" ||
  fail "no warning at the mapping budget"
grep -q 'WARNING: guard mode: .*sysctl -w vm.max_map_count=[0-9]' "$T/many.log" ||
  fail "the warning does not say how to raise the limit (sysctl -w vm.max_map_count=...)"
finish
