#!/usr/bin/env bash
# Check mode's verify at exit in fork children (check_fork_uaf/uaf.c), which leaves
# alone the pages a child still shares with its parent (src/forkpages.h):
#   * a child that writes into a block it inherited, freed, reports it (exit 99);
#   * a child whose parent wrote into a block after the fork keeps the intact copy
#     (exit 0); the parent reports it;
#   * a child whose parent wrote into a block before the fork leaves it to the parent
#     (exit 0; before, every child reported it again);
#   * a child that writes into a block, then forks a grandchild that shares the page
#     until the child has exited, reports it (a process that forked skips nothing).
# Each process writes its own log; blocks are told apart by address.
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build uaf.c gcc -O1 -g -Wall -Wextra -Werror -o "$T/uaf" "$HG_ROOT/tests/programs/check_fork_uaf/uaf.c"
mkdir -p "$T/logs"
timeout -k 5 120 env HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/logs/%p.log" LD_PRELOAD="$HG_LIB_SO" \
  "$T/uaf" >"$T/out" 2>"$T/err"
st=$?
field() { sed -n "s/^$1 \([^ ]*\).*/\1/p" "$T/out"; }
block() { field "block $1"; }
# The blocks (by address) that process $1 reported, sorted, on one line.
reported() {
  sed -n 's/.*Address \(0x[0-9a-f]*\) is .* free.d$/\1/p' "$T/logs/$1.log" 2>/dev/null | sort | tr '\n' ' '
}
want() {   # want WHO PID STATUS BLOCK...
  local who=$1 pid=$2 status=$3 b expect=
  shift 3
  for b in "$@"; do expect+="$(block "$b")"$'\n'; done
  expect=$(printf '%s' "$expect" | sed '/^$/d' | sort | tr '\n' ' ')
  HG_CHECKS=$((HG_CHECKS + 1))
  local got_status
  got_status=$(sed -n "s/^$who.* pid $pid status \([0-9]*\)$/\1/p" "$T/out")
  [ -z "$got_status" ] && [ "$who" = parent ] && got_status=$st
  if [ "$got_status" != "$status" ] || [ "$(reported "$pid")" != "$expect" ]; then
    fail "$who (pid $pid): wanted status $status and blocks [$expect], got status $got_status and [$(reported "$pid")]"
    sed 's/^/  | /' "$T/logs/$pid.log" 2>/dev/null | head -n 20
  fi
}
if [ "$(grep -c '^child [1-4] pid [0-9]* status' "$T/out")" -ne 4 ]; then
  fail "uaf did not run its 4 children (status $(status_desc "$st"))"
  sed 's/^/  | /' "$T/out" "$T/err" | head -n 20
  finish
fi
cpid() { sed -n "s/^child $1 pid \([0-9]*\) .*/\1/p" "$T/out"; }
want child "$(cpid 1)" 99 1
want child "$(cpid 2)" 0
want child "$(cpid 3)" 0
want child "$(cpid 4)" 99 2 3 4
want parent "$(field 'parent pid')" 99 2 3
[ "$HG_FAILS" -eq 0 ] && say "ok: fork children report their own writes after free, not their parent's"
finish
