#!/usr/bin/env bash
# Report outputs that are FIFOs (HEAPGUARD_LOG_FILE, _TRACE, _STATS_FILE, _TIMELINE;
# the CLI's --log-file, --output, --timeline).  open(2) of a FIFO for writing waits for
# a reader: with none, the program hung before main, in its first malloc, without a
# word (every case below timed out).  Now the library waits a second for a reader
# (report.c: open_output), then says the FIFO has none and goes on (stderr, or no
# timeline).  A reader started a moment after the program gets the output; and
# `heapguard trace --output=FIFO` no longer opens the FIFO itself to empty it (which
# waited for the reader, then gave it its end of file before the program wrote).
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
finish
