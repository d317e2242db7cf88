#!/usr/bin/env bash
# A report output named as one of the program's own streams (/dev/stdout, /dev/stderr,
# /proc/self/fd/N, or the file a stream is redirected to) is not emptied as a leftover
# of an earlier run (report.c: program_stream).  `HEAPGUARD_TRACE=/dev/stdout prog >>
# out.txt` emptied out.txt, which held what earlier runs had appended: data lost.  The
# trace to /dev/stdout, check mode's log to /dev/stderr, the stats to the file stdout
# is appended to, each after a file written a second before: its first line must stay.
# A leftover file that is no stream of the program's is still emptied (documented).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
small_prog prog
assert_preload_works

old() { printf 'a line an earlier run wrote\n' >"$1"; touch -d '-5 seconds' "$1"; }
kept() {   # kept NAME FILE: its first line is still the earlier run's, and heapguard wrote after it
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$(head -n 1 "$2")" != 'a line an earlier run wrote' ]; then
    fail "$1: the earlier content of $(basename "$2") was lost: $(head -c 100 "$2")"
  elif ! grep -q "$3" "$2"; then
    fail "$1: heapguard's output is not in $(basename "$2") after it: $(tail -n 2 "$2")"
  else say "ok    $1: $(basename "$2") kept its earlier line, heapguard's output after it"; fi
}
old "$T/out1"; HEAPGUARD_TRACE=/dev/stdout LD_PRELOAD="$HG_LIB_SO" "$T/prog" >>"$T/out1" 2>/dev/null
kept trace-stdout "$T/out1" 'brk('
old "$T/out2"; HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE=/dev/stderr LD_PRELOAD="$HG_LIB_SO" "$T/prog" >/dev/null 2>>"$T/out2"
kept log-stderr "$T/out2" 'ERROR SUMMARY'
old "$T/out3"; HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/out3" LD_PRELOAD="$HG_LIB_SO" "$T/prog" >>"$T/out3" 2>/dev/null
kept stats-same-file "$T/out3" 'heapguard stats for'
old "$T/out4"; HEAPGUARD_TRACE=/proc/self/fd/2 LD_PRELOAD="$HG_LIB_SO" "$T/prog" >/dev/null 2>>"$T/out4"
kept trace-proc-fd "$T/out4" 'brk('
# and a leftover that is none of its streams is emptied, as documented
HG_CHECKS=$((HG_CHECKS + 1))
old "$T/left"; HEAPGUARD_TRACE="$T/left" LD_PRELOAD="$HG_LIB_SO" "$T/prog" >/dev/null 2>&1
if grep -q 'an earlier run' "$T/left"; then fail "leftover: a trace file left by an earlier run was not emptied"
else say "ok    leftover: a trace file left by an earlier run is emptied first"; fi
finish
