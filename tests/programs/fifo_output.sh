#!/usr/bin/env bash
# Report outputs that are FIFOs (HEAPGUARD_LOG_FILE, _TRACE, _STATS_FILE, _TIMELINE;
# the CLI's --log-file, --output, --timeline).  open(2) of a FIFO for writing waits for
# a reader: with none, the program hung before main, in its first malloc, without a
# word (every case below timed out).  Now the library waits a second for a reader
# (report.c: open_output), then says the FIFO has none and goes on (stderr, or no
# timeline).  A reader started a moment after the program gets the output; and
# `heapguard trace --output=FIFO` no longer opens the FIFO itself to empty it (which
# waited for the reader, then gave it its end of file before the program wrote).  And
# a reader that goes away no longer kills the program with SIGPIPE (below).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
small_prog prog
build_cli
assert_preload_works
mkfifo "$T/fifo" || { fail "cannot make a FIFO"; finish; }
HG_CMD_TIMEOUT=30   # (status_desc's "timed out after": a hang is what is tested)

# no reader: NAME ENV...; the program must run, and one line say why the FIFO is not used
for setting in "log HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE" "trace HEAPGUARD_TRACE" \
               "stats HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE" "timeline HEAPGUARD_STATS=text HEAPGUARD_TIMELINE"; do
  set -- $setting
  what=$1; shift
  var=${!#}; envs=("${@:1:$#-1}")
  HG_CHECKS=$((HG_CHECKS + 1))
  { timeout -k 5 $HG_CMD_TIMEOUT env "${envs[@]}" "$var=$T/fifo" LD_PRELOAD="$HG_LIB_SO" "$T/prog" >"$T/$what.out" 2>"$T/$what.err"; } 2>/dev/null
  st=$?
  if [ $st -ne 0 ] || ! grep -q allocated "$T/$what.out"; then
    fail "$what to a FIFO with no reader: status $(status_desc $st) (124: it hung), stdout: $(head -c 80 "$T/$what.out")"
  elif ! grep -q "cannot open the $what file $T/fifo: a FIFO that no process opened for reading" "$T/$what.err"; then
    fail "$what to a FIFO with no reader: no line saying so: $(head -n 2 "$T/$what.err")"
  else say "ok    $what to a FIFO with no reader: the program ran; $(grep -o 'a FIFO that.*' "$T/$what.err")"; fi
done

# a reader that comes a moment later gets the output: the library's trace, check
# mode's log (its summary), and the CLI's trace --output
late() {   # late NAME WANT CMD...: CMD with a reader of the FIFO started 0.3 s after it
  local name=$1 want=$2; shift 2
  HG_CHECKS=$((HG_CHECKS + 1))
  (sleep 0.3; exec timeout -k 5 $HG_CMD_TIMEOUT cat "$T/fifo" >"$T/$name.read") &
  local reader=$!
  { timeout -k 5 $HG_CMD_TIMEOUT "$@" >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  local st=$?
  wait $reader
  if [ $st -ne 0 ] || ! grep -q "$want" "$T/$name.read"; then
    fail "$name: status $(status_desc $st), and the reader got $(wc -l <"$T/$name.read") lines, not '$want'"
    head -n 3 "$T/$name.err" | sed 's/^/  | /'
  else say "ok    $name: the reader started after the program got its output ($(wc -l <"$T/$name.read") lines)"; fi
}
late trace-late 'brk(' env HEAPGUARD_TRACE="$T/fifo" LD_PRELOAD="$HG_LIB_SO" "$T/prog"
late log-late 'ERROR SUMMARY' env HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/fifo" LD_PRELOAD="$HG_LIB_SO" "$T/prog"
late cli-trace-late 'brk(' "$HG" trace --output="$T/fifo" -- "$T/prog"

# A reader that goes away (it read what it wanted: `head`) before the program's next
# line: the write raised SIGPIPE, which killed the program (status 141) for heapguard's
# output.  Now the write's EPIPE is the file refusing a line (report.c:
# hg_is_pipe_output): the trace stops, the reports and the stats go to stderr, each
# after one line.  gone.c mallocs, sleeps 0.8 s (the reader has gone by then), then
# maps and frees a 1 MiB block (two trace lines, a timeline sample) and exits (check
# mode's summary, the stats table).
cat >"$T/gone.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static char *volatile keep;
int main(void) {
  keep = malloc(100);
  usleep(800 * 1000);
  free(keep);
  keep = malloc(1 << 20);
  keep[0] = 1;
  free(keep);
  puts("done");
  return 0;
}
C
build gone.c gcc -O0 -o "$T/gone" "$T/gone.c"
for setting in "log:stderr instead HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE" "trace:stops here HEAPGUARD_TRACE" \
               "stats:stderr instead HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE" \
               "timeline:stops here HEAPGUARD_STATS=text HEAPGUARD_TIMELINE_MS=1 HEAPGUARD_TIMELINE"; do
  what=${setting%%:*}; rest=${setting#*:}; then=${rest%% HEAPGUARD*}
  set -- ${rest#"$then "}
  var=${!#}; envs=("${@:1:$#-1}")
  HG_CHECKS=$((HG_CHECKS + 1))
  (exec 3<"$T/fifo"; sleep 0.3) &
  reader=$!
  { timeout -k 5 $HG_CMD_TIMEOUT env "${envs[@]}" "$var=$T/fifo" LD_PRELOAD="$HG_LIB_SO" "$T/gone" >"$T/gone-$what.out" 2>"$T/gone-$what.err"; } 2>/dev/null
  st=$?
  wait $reader
  if [ $st -ne 0 ] || [ "$(cat "$T/gone-$what.out")" != done ]; then
    fail "$what to a FIFO whose reader went: status $(status_desc $st) (141: SIGPIPE), stdout: $(head -c 80 "$T/gone-$what.out")"
  elif ! grep -q "cannot write the $what file $T/fifo (error 32: broken pipe (its reader has gone)): .*$then" "$T/gone-$what.err"; then
    fail "$what to a FIFO whose reader went: no line saying so: $(head -n 2 "$T/gone-$what.err")"
  else say "ok    $what to a FIFO whose reader went: the program ran on; $(grep -o '(error 32.*' "$T/gone-$what.err")"; fi
done
finish
