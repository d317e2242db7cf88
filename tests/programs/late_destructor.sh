#!/usr/bin/env bash
# Destructors of the program's shared libraries that run after heapguard's own.
# exit() runs every object's destructors in the loader's order, which puts the
# library's before those of each object that does not depend on it: in a preloaded
# process, every library of the program's.  Check and guard mode did their exit-time
# work in their destructor, so a heap error in a later destructor (an overflow found
# at its free, a double free) was printed after the "ERROR SUMMARY: 0 errors" line
# and the process exited 0; a block such a destructor lost was never scanned, and one
# it freed was counted live (stats mode's table too).  Now the work runs after every
# destructor (init.c: hg_exit_defer).  late_destructor/lib.c's destructor frees its
# 100-byte block; with LATE_BUGS=1 it overflows it, frees it twice and loses 33 bytes
# first.  Checks, the host preloaded:
#   * check and guard mode, LATE_BUGS=1: the three errors are counted in the summary,
#     which comes after the destructor's line, and the status is 99;
#   * check mode, clean: 0 errors, status 0, the freed block not "still reachable";
#   * stats mode: the table shows no live block (the destructor freed the only one).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
D=$HG_ROOT/tests/programs/late_destructor
build liblate.so gcc -O0 -g -fPIC -shared -Wall -Wextra -Werror -o "$T/liblate.so" "$D/lib.c"
build host gcc -O0 -g -Wall -Wextra -Werror -o "$T/host" "$D/host.c" -L"$T" -llate -Wl,-rpath,"$T"
assert_preload_works

# run NAME ENV...: the host preloaded with ENV; stdout and the log (stderr) merged in
# $T/NAME.out, in order; sets st
run() {
  local name=$1; shift
  { timeout -k 5 60 env "$@" LD_PRELOAD="$HG_LIB_SO" "$T/host" >"$T/$name.out" 2>&1; } 2>/dev/null
  st=$?
}
for mode in check guard; do
  HG_CHECKS=$((HG_CHECKS + 1))
  run "$mode" HEAPGUARD_MODE=$mode LATE_BUGS=1
  summary=$(grep -n 'ERROR SUMMARY' "$T/$mode.out" | head -n 1)
  done_at=$(grep -n '^destructor done' "$T/$mode.out" | cut -d: -f1)
  if ! grep -q '^main done' "$T/$mode.out" || [ -z "$done_at" ]; then
    fail "$mode mode: the host or the destructor did not run (status $(status_desc $st))"
    sed 's/^/  | /' "$T/$mode.out" | tail -n 10
  elif [ "$st" -ne 99 ] || [ -z "$summary" ] ||
       ! grep -q 'ERROR SUMMARY: 3 errors from 3 contexts' "$T/$mode.out" ||
       ! grep -q 'definitely lost: 33 bytes in 1 blocks' "$T/$mode.out" || [ "${summary%%:*}" -lt "$done_at" ]; then
    fail "$mode mode: wanted the destructor's overflow, double free and 33-byte leak in the summary, after it ran, and status 99; got status $(status_desc $st)"
    grep -v ' by \| at ' "$T/$mode.out" | sed 's/^/  | /' | tail -n 14
  else say "ok    $mode mode: the late destructor's three errors are in the summary, status 99"; fi
done

HG_CHECKS=$((HG_CHECKS + 1))
run clean HEAPGUARD_MODE=check
if [ "$st" -ne 0 ] || ! grep -q 'ERROR SUMMARY: 0 errors' "$T/clean.out" ||
   ! grep -q 'still reachable: 0 bytes in 0 blocks' "$T/clean.out"; then
  fail "check mode, clean: wanted status 0, no error, nothing still reachable (the destructor freed its block); got status $(status_desc $st)"
  grep -v ' by \| at ' "$T/clean.out" | sed 's/^/  | /' | tail -n 8
else say "ok    check mode, clean: the block the late destructor freed is not counted"; fi

HG_CHECKS=$((HG_CHECKS + 1))
run stats HEAPGUARD_STATS=text
if [ "$st" -ne 0 ] || ! grep -Eq '^  requested \(live blocks\) +0 ' "$T/stats.out"; then
  fail "stats mode: wanted no live block at exit; got status $(status_desc $st)"
  grep 'live blocks' "$T/stats.out" | sed 's/^/  | /'
else say "ok    stats mode: the table is made after the late destructor"; fi
finish
