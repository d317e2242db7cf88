#!/usr/bin/env bash
# Check mode's leak scan in a process that cannot read /proc/self/maps (/proc not
# mounted, or hidden, as in some containers and sandboxes): the scan's roots (data,
# bss, stacks, TLS) are the mappings that file lists, so with none it found nothing
# reachable and reported every live block "definitely lost", status 99, with no word of
# why.  Now the leak check is skipped with one line saying so, as when it has no memory.
# Then the verify of redzones and poison (hg_check_heap(), and at exit), which reads
# the maps to leave alone the pages a program protected (be6d34e): without them it read
# a protected block's page and died by SIGSEGV with no line.  It now asks the kernel page
# by page (unreadable.c: probe_page), and still finds an overflow elsewhere, its stacks
# symbolised (the modules from the loader's list: symbolise.c).
# /proc is hidden by a tmpfs mounted over it in a user and mount namespace of the test's
# own (unshare -Urm): skipped where namespaces are not allowed.
. "$(dirname "$0")/lib.sh"
need gcc unshare

build keep.c gcc -O1 -o "$T/keep" "$HG_ROOT/tests/common/keep.c"
if ! unshare -Urm sh -c 'mount -t tmpfs none /proc && ! test -e /proc/self/maps' 2>/dev/null; then
  echo "cannot hide /proc in a user and mount namespace here (unshare -Urm, mount -t tmpfs)"
  exit 77
fi
HG_CHECKS=$((HG_CHECKS + 2))
unshare -Urm sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
  env HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/keep.log" LD_PRELOAD="$HG_LIB_SO" \
  timeout "$HG_CMD_TIMEOUT" "$T/keep" >"$T/keep.out" 2>&1
st=$?
say "without /proc: $(cat "$T/keep.out"); status $st; $(grep -m 1 'skipped\|definitely lost:' "$T/keep.log")"
if grep -Eq 'definitely lost: [1-9]' "$T/keep.log"; then
  fail "a reachable block reported lost: $(grep -m 1 'definitely lost:' "$T/keep.log")"
elif ! grep -q 'leak check skipped: .*/proc/self/maps' "$T/keep.log"; then
  fail "no line says the leak check was skipped for want of /proc/self/maps"
fi
[ "$st" = 0 ] || fail "exit status $(status_desc "$st"), expected 0 (no error found)"

cat >"$T/protect.c" <<'C'
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
size_t hg_check_heap(void);
#pragma weak hg_check_heap
void *volatile kept[2];
int main(int argc, char **argv) {
  char *none = memalign(4096, 100), *small = malloc(24);   /* none's redzone shares its page */
  if (!none || !small || mprotect(none, 4096, PROT_NONE)) return 1;
  kept[0] = none;
  kept[1] = small;
  char *volatile past = small + 24;   /* (hidden from gcc's overflow warning) */
  if (argc > 1) *past = 1;            /* an overflow: one byte past the block */
  size_t found = hg_check_heap ? hg_check_heap() : 0;
  printf("hg_check_heap: %zu\n", found);
  return 0;
}
C
build protect.c gcc -O0 -g -o "$T/protect" "$T/protect.c"
# mode, argument, expected status, expected "hg_check_heap: N" line, a log line wanted
while read -r mode arg want found line; do
  HG_CHECKS=$((HG_CHECKS + 2))
  name=protect_$mode${arg#-}
  set --
  [ "$arg" = - ] || set -- "$arg"
  unshare -Urm sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
    env HEAPGUARD_MODE=$mode HEAPGUARD_LOG_FILE="$T/$name.log" LD_PRELOAD="$HG_LIB_SO" \
    timeout "$HG_CMD_TIMEOUT" "$T/protect" "$@" >"$T/$name.out" 2>&1
  st=$?
  say "$name without /proc: $(cat "$T/$name.out"); status $st; $(grep -m 1 'ERROR\|SUMMARY' "$T/$name.log")"
  [ "$st" = "$want" ] || fail "$name: exit status $(status_desc "$st"), expected $want"
  grep -q "^hg_check_heap: $found\$" "$T/$name.out" && grep -Eq "$line" "$T/$name.log" ||
    fail "$name: wanted 'hg_check_heap: $found' and a line matching '$line'"
done <<'RUNS'
check - 0 0 ERROR SUMMARY: 0 errors
check overflow 99 1 ERROR: heap-buffer-overflow
guard - 0 0 ERROR SUMMARY: 0 errors
RUNS
# The overflow's stacks symbolised: libdw reads the modules from /proc/self/maps, and
# without it they were "??? (in .../protect)", no function, no line.
HG_CHECKS=$((HG_CHECKS + 1))
grep -Eq '^==[0-9]+==    by 0x[0-9a-f]+: main \(protect\.c:[0-9]+\)' "$T/protect_checkoverflow.log" ||
  fail "stacks not symbolised without /proc: $(grep -m 1 'by 0x' "$T/protect_checkoverflow.log")"

# Guard mode's mapping budget comes from /proc/sys/vm/max_map_count: without it the
# kernel's default (65530) is assumed, and the warning at the budget said "(65530)" as
# if read.  It now says the figure is assumed.
cat >"$T/many.c" <<'C'
#include <stdlib.h>
void *blocks[40000];
int main(void) {
  for (int i = 0; i < 40000; i++) blocks[i] = malloc(16);
  return 0;
}
C
build many.c gcc -O1 -fno-builtin -o "$T/many" "$T/many.c"
HG_CHECKS=$((HG_CHECKS + 1))
unshare -Urm sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
  env HEAPGUARD_MODE=guard HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/many.log" LD_PRELOAD="$HG_LIB_SO" \
  timeout "$HG_CMD_TIMEOUT" "$T/many" >"$T/many.out" 2>&1
say "guard mode's budget without /proc: $(grep -m 1 -o 'near the limit[^;]*' "$T/many.log")"
grep -q 'near the limit of vm.max_map_count (65530, assumed: /proc/sys/vm/max_map_count cannot be read)' \
  "$T/many.log" || fail "guard mode: the assumed limit is not said to be assumed"

# Stats mode's resident memory comes from /proc/self/statm: without it the table said
# "resident (RSS) 0", a figure, where it is unknown; and its program's name from
# /proc/self/exe: "heapguard stats for  (pid N)".
HG_CHECKS=$((HG_CHECKS + 1))
unshare -Urm sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
  env HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/stats.txt" LD_PRELOAD="$HG_LIB_SO" \
  timeout "$HG_CMD_TIMEOUT" "$T/keep" >"$T/stats.out" 2>&1
say "stats without /proc: $(grep -m 1 'resident' "$T/stats.txt")"
HG_CHECKS=$((HG_CHECKS + 1))
grep -Eq '^==[0-9]+== heapguard stats for [^ ]*/keep \(pid' "$T/stats.txt" ||
  fail "stats: the program is not named (from argv[0]): $(head -n 1 "$T/stats.txt")"
grep -Eq '^  resident \(RSS\) +unknown +/proc/self/statm cannot be read' "$T/stats.txt" ||
  fail "stats: resident memory not said to be unknown: $(grep -m 1 'resident' "$T/stats.txt")"
finish
