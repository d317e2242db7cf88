#!/usr/bin/env bash
# A program whose stderr is a non-blocking pipe (O_NONBLOCK, as event loops such as
# node's set it) that is full when heapguard writes to it: the writes failed with
# EAGAIN and the report was dropped, whole or from the line that met the full pipe
# (check mode: no leak report, no summary, but status 99; the stats table; the trace
# from that line; the default mode's line naming a double free before SIGABRT).  Now
# a write that would block waits for the pipe to take more (report.c: hg_write_all),
# as on a blocking stderr.  stderr_nonblock/full.c fills the pipe, then makes its
# report; the reader here starts a second later (a machine so slow that the pipe is
# drained before the report is written would pass without testing anything).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build full.c gcc -O0 -g -Wall -Wextra -Werror -o "$T/full" "$HG_ROOT/tests/programs/stderr_nonblock/full.c"
assert_preload_works

# expect NAME STATUS REGEX ENV... [-- ARGS]: full.c preloaded with ENV, its stderr a
# pipe read from a second later; the status must be STATUS and the stderr (the fill's
# lines left out) must have a line matching REGEX
expect() {
  local name=$1 want=$2 re=$3; shift 3
  local -a envs=() args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; args=("$@"); }
  HG_CHECKS=$((HG_CHECKS + 1))
  # (the status goes to a file: the pipe is non-blocking for the shell too)
  { timeout -k 5 60 env "${envs[@]}" LD_PRELOAD="$HG_LIB_SO" "$T/full" "${args[@]}" 2>&1 >/dev/null
    echo $? >"$T/$name.status"; } 2>/dev/null | { sleep 1; grep -v '^\.*$'; } >"$T/$name.err"
  local st; st=$(cat "$T/$name.status")
  if [ "$st" != "$want" ] || ! grep -Eq "$re" "$T/$name.err"; then
    fail "$name: wanted status $want and a line matching '$re' on stderr; got status $st"
    sed 's/^/  | /' "$T/$name.err" | head -n 8
  else say "ok    $name: status $st, the report whole"; fi
}
expect check 99 '== ERROR SUMMARY: 1 errors' HEAPGUARD_MODE=check
expect check-leak 99 'definitely lost: 40 bytes in 1 blocks' HEAPGUARD_MODE=check
expect guard 99 '== ERROR SUMMARY: 1 errors' HEAPGUARD_MODE=guard
expect stats 0 '^  requested \(live blocks\) +40 ' HEAPGUARD_STATS=text
expect trace 0 'brk\(0x[0-9a-f]+\) = ' HEAPGUARD_TRACE=stderr
expect double-free 134 '^heapguard: double free of 0x[0-9a-f]+ \(48-byte block\)' -- twice
finish
