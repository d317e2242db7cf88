#!/usr/bin/env bash
# Check and guard mode under a tiny main stack (`ulimit -s 16`: 16 KiB, of which the
# kernel's random offset of the stack's start takes up to 8).  The exit work (verify,
# leak scan, libunwind's walk to exit's caller, libdw's line tables for the report)
# needs 8 to 12 KiB and more: every run that reached the end of main died at exit.  It
# runs on the thread's side stack now (wipe.c: hg_side_exit_call).  small_stack/leak.c
# loses nine blocks and writes "main" before exit() (or _exit()): 20 runs of each mode
# and way; a run that wrote "main" must end with the leak report (252 bytes in 9
# blocks definitely lost) and its error exit code, 99.  A run without "main" died in the loader, before
# any of heapguard's code (README: a preload, any library, needs about 2 KiB more
# stack): counted, not a failure, but at least 5 of 20 must reach main.  The runs get
# an environment of their own two settings (env -i): the environment's strings are on
# that stack too, and with the suite's about half the runs died in the loader.
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build leak.c gcc -O0 -g -Wall -Wextra -Werror -o "$T/leak" "$HG_ROOT/tests/programs/small_stack/leak.c"
assert_preload_works
for mode in check guard; do
  for how in exit _exit; do
    HG_CHECKS=$((HG_CHECKS + 1))
    reached=0 loader=0 bad=0
    for i in $(seq 1 20); do
      { (ulimit -s 16; exec timeout -k 5 60 env -i HEAPGUARD_MODE=$mode LD_PRELOAD="$HG_LIB_SO" "$T/leak" $how \
          >"$T/run.out" 2>"$T/run.err"); } 2>/dev/null
      st=$?
      if ! grep -q '^main$' "$T/run.out"; then loader=$((loader + 1)); continue; fi
      reached=$((reached + 1))
      if [ $st -ne 99 ] || ! grep -q 'definitely lost: 252 bytes in 9 blocks' "$T/run.err"; then
        bad=$((bad + 1))
        [ $bad = 1 ] && { cp "$T/run.err" "$T/$mode$how.bad.err"; first=$(status_desc $st); }
      fi
    done
    if [ $bad -gt 0 ]; then
      fail "$mode, $how: $bad of $reached runs that reached the end of main failed after it (the first: status $first, no leak report?)"
      sed 's/^/  | /' "$T/$mode$how.bad.err" | head -n 6
    elif [ $reached -lt 5 ]; then
      fail "$mode, $how: only $reached of 20 runs reached main ($loader died in the loader)"
    else say "ok    $mode, $how: $reached of 20 runs reached main, each with its leak report and status 99 ($loader died in the loader)"; fi
  done
done
finish
