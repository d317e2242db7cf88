#!/usr/bin/env bash
# %q{NAME} in report file names (src/options_text.c, as Valgrind's --log-file): replaced
# at each process's start by environment variable NAME's value, so that an MPI rank
# (OMPI_COMM_WORLD_RANK, PMI_RANK) or a CI job names its own file.  A shell runs the
# overflowing valgrind_options/leaky.c three times, with RANKX=9, with RANKX holding a
# '%p', and with RANKX unset; the shell itself has RANKX=7.  Checks:
#   * --log-file=DIR/log.%q{RANKX}.%p: the shell's log is log.7.PID, the programs'
#     log.9.PID (the overflow in it), log.a%pb.PID (the value's '%' stays a '%') and
#     log..PID (unset: empty);
#   * the same by the environment alone (HEAPGUARD_LOG_FILE);
#   * heapguard trace --output=DIR/t.%q{RANKX}.trace empties and writes t.7.trace, not a
#     file with the braces in its name;
#   * a %q without braces stays as it is.
. "$(dirname "$0")/lib.sh"
need gcc sh
no_heapguard_env
build_cli
build leaky gcc -O0 -g -o "$T/leaky" "$HG_ROOT/tests/programs/valgrind_options/leaky.c"
LOGS=$T/logs
script="RANKX=9 \"$T/leaky\" bugs; RANKX='a%pb' \"$T/leaky\" bugs; unset RANKX; \"$T/leaky\" bugs"

# names: the log names without their pids, sorted
names() { ls "$LOGS" | sed 's/\.[0-9]*$//' | sort | tr '\n' ' '; }
expect_logs() {
  local how=$1
  HG_CHECKS=$((HG_CHECKS + 1))
  local got overflow
  got=$(names)
  overflow=$(grep -l 'ERROR: heap-buffer-overflow' "$LOGS"/log.9.* 2>/dev/null | wc -l)
  if [ "$got" = "log. log.7 log.9 log.a%pb " ] && [ "$overflow" = 1 ]; then say "ok: $how: $got"
  else fail "$how: logs '$got' (wanted 'log. log.7 log.9 log.a%pb '), overflow in log.9: $overflow"; fi
}
rm -rf "$LOGS" && mkdir -p "$LOGS"
RANKX=7 "$HG" check --log-file="$LOGS/log.%q{RANKX}.%p" -- sh -c "$script" >"$T/out" 2>"$T/err"
expect_logs "check --log-file"
rm -rf "$LOGS" && mkdir -p "$LOGS"
env RANKX=7 LD_PRELOAD="$HG_LIB_SO" HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$LOGS/log.%q{RANKX}.%p" \
  sh -c "$script" >"$T/out" 2>"$T/err"
expect_logs "HEAPGUARD_LOG_FILE"

rm -rf "$LOGS" && mkdir -p "$LOGS" && echo stale >"$LOGS/t.7.trace"
RANKX=7 "$HG" trace --output="$LOGS/t.%q{RANKX}.trace" --trace-children=no -- "$T/leaky" >"$T/out" 2>"$T/err"; st=$?
HG_CHECKS=$((HG_CHECKS + 1))
if [ $st = 0 ] && [ "$(ls "$LOGS")" = t.7.trace ] && ! grep -q stale "$LOGS/t.7.trace" && grep -q 'mmap\|brk' "$LOGS/t.7.trace"
then say "ok: trace: t.7.trace emptied and written"
else fail "trace: status $st, files '$(ls "$LOGS" | tr '\n' ' ')'"; fi

rm -rf "$LOGS" && mkdir -p "$LOGS"
RANKX=7 "$HG" check --log-file="$LOGS/log.%q.x" -- "$T/leaky" bugs >"$T/out" 2>"$T/err"
HG_CHECKS=$((HG_CHECKS + 1))
if [ "$(ls "$LOGS")" = "log.%q.x" ]; then say "ok: %q without braces stays"
else fail "%q without braces: files '$(ls "$LOGS" | tr '\n' ' ')'"; fi
finish
