#!/usr/bin/env bash
# Check and guard mode in a program at its limit of open files (fd_limit/full.c lowers
# its soft RLIMIT_NOFILE to 3, so every open fails with EMFILE: a descriptor leak, or
# a sandbox's `ulimit -n`).  The library had no descriptor for its own reads: the
# leak check was skipped ("/proc/self/maps cannot be read", without why) and the
# reports' frames were bare "???" (libdw could not open the program's files).  Now the
# soft limit is lifted, within the hard one, for the time of a report or of that open,
# and put back (internal.h: hg_files_raise).  Checks:
#   * soft limit 3: the overflow's stack names overflow() and main() with file:line,
#     the 40-byte leak is found, status 99, and the program sees its limit unchanged;
#   * hard limit 3 too (nothing can be lifted): the skip line says error 24 (EMFILE).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build full.c gcc -O0 -g -Wall -Wextra -Werror -o "$T/full" "$HG_ROOT/tests/programs/fd_limit/full.c"
assert_preload_works

for mode in check guard; do
  HG_CHECKS=$((HG_CHECKS + 1))
  { timeout -k 5 60 env HEAPGUARD_MODE=$mode LD_PRELOAD="$HG_LIB_SO" "$T/full" >"$T/$mode.out" 2>"$T/$mode.err"; } 2>/dev/null
  st=$?
  if [ $st -ne 99 ] || ! grep -q 'by 0x[0-9a-f]*: overflow (full\.c:[0-9]*)' "$T/$mode.err" ||
     ! grep -q 'by 0x[0-9a-f]*: main (full\.c:[0-9]*)' "$T/$mode.err" ||
     ! grep -q 'definitely lost: 40 bytes in 1 blocks' "$T/$mode.err"; then
    fail "$mode mode, soft limit 3: wanted status 99, the overflow's stack symbolised, the 40-byte leak; got status $(status_desc $st)"
    sed 's/^/  | /' "$T/$mode.err" "$T/$mode.out" | head -n 16
  else say "ok    $mode mode at the soft limit: stacks symbolised, the leak found, the limit put back"; fi
done

HG_CHECKS=$((HG_CHECKS + 1))
{ timeout -k 5 60 env HEAPGUARD_MODE=check LD_PRELOAD="$HG_LIB_SO" "$T/full" hard >"$T/hard.out" 2>"$T/hard.err"; } 2>/dev/null
st=$?
if [ $st -ne 99 ] || ! grep -q 'leak check skipped: /proc/self/maps cannot be read (error 24)' "$T/hard.err"; then
  fail "check mode, hard limit 3: wanted status 99 and the skip line with error 24; got status $(status_desc $st)"
  sed 's/^/  | /' "$T/hard.err" | head -n 12
else say "ok    check mode at the hard limit: the skip line says error 24"; fi
finish
