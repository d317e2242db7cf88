#!/usr/bin/env bash
# Check mode's leak scan in a process that cannot read /proc/self/maps (/proc not
# mounted, or hidden, as in some containers and sandboxes): the scan's roots (data,
# bss, stacks, TLS) are the mappings that file lists, so with none it found nothing
# reachable and reported every live block "definitely lost", status 99, with no word of
# why.  Now the leak check is skipped with one line saying so, as when it has no memory.
# /proc is hidden by a tmpfs mounted over it in a user and mount namespace of the test's
# own (unshare -Urm): skipped where namespaces are not allowed.
. "$(dirname "$0")/lib.sh"
need gcc unshare

cat >"$T/keep.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
void *volatile kept;
int main(void) {
  kept = malloc(100);   /* reachable from the data segment: not a leak */
  puts(kept ? "allocated" : "no memory");
  return 0;
}
C
gcc -O1 -o "$T/keep" "$T/keep.c" || { fail "cannot build keep.c"; finish; }
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
finish
