#!/usr/bin/env bash
# Check and guard mode's report descriptor in a program that closes every descriptor
# it did not open (close_range(3, ~0U): daemons, closefrom) and then opens files of its
# own: one of them got the number of the library's copy of stderr (or of its log file),
# and the reports were written into the program's file: its data corrupted, the reports
# lost.  Now each report line checks that the descriptor is still the file it opened
# (diag.c: output_is_ours) and opens the output again if not.  closed_fds/reuse.c opens
# 600 descriptors on a data file, overflows a block and leaks one: the data file must
# stay empty, and the reports (the overflow's, the leak's, the summary) reach stderr,
# or the log file when one is named; status 99.  The same for stats mode's table
# (stderr, or its file), which went there too.  And the trace, at the end.
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build reuse.c gcc -O0 -g -Wall -Wextra -Werror -o "$T/reuse" "$HG_ROOT/tests/programs/closed_fds/reuse.c"
assert_preload_works

# expect NAME REPORT ENV...: reuse.c preloaded with ENV; the reports must be in the
# file REPORT (its stderr, $T/NAME.err, or a log file), and the data file empty
expect() {
  local name=$1 report=$2; shift 2
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/$name.data"
  { timeout -k 5 60 env "$@" LD_PRELOAD="$HG_LIB_SO" "$T/reuse" "$T/$name.data" >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  local st=$?
  if [ -s "$T/$name.data" ]; then
    fail "$name: heapguard wrote into the program's data file ($(wc -c <"$T/$name.data") bytes): $(head -n 1 "$T/$name.data")"
  elif [ $st -ne 99 ] || ! grep -q 'ERROR: heap-buffer-overflow' "$report" ||
       ! grep -q 'definitely lost: 40 bytes in 1 blocks' "$report" || ! grep -q 'ERROR SUMMARY: 2 errors' "$report"; then
    fail "$name: wanted status 99 and the overflow, the leak and the summary in $(basename "$report"); got status $(status_desc $st)"
    sed 's/^/  | /' "$report" | grep -v ' by \| at ' | head -n 8
  else say "ok    $name: $(cat "$T/$name.out"); the reports in $(basename "$report"), the data file untouched"; fi
}
expect check "$T/check.err" HEAPGUARD_MODE=check
expect guard "$T/guard.err" HEAPGUARD_MODE=guard
expect check-log "$T/check.log" HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/check.log"

# stats mode: the table at exit (stats_out.c: output_checked), on stderr or in its file
for how in text json; do
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/stats-$how.data" "$T/stats-$how.file"
  file=(); [ $how = json ] && file=(HEAPGUARD_STATS_FILE="$T/stats-$how.file")
  { timeout -k 5 60 env HEAPGUARD_STATS=$how "${file[@]}" LD_PRELOAD="$HG_LIB_SO" "$T/reuse" "$T/stats-$how.data" \
      >"$T/stats-$how.out" 2>"$T/stats-$how.err"; } 2>/dev/null
  st=$?
  out=$T/stats-$how.err; [ $how = json ] && out=$T/stats-$how.file
  if [ -s "$T/stats-$how.data" ]; then
    fail "stats $how: heapguard wrote into the program's data file: $(head -c 100 "$T/stats-$how.data")"
  elif [ $st -ne 0 ] || ! grep -q 'heapguard stats for\|"type":"final"' "$out"; then
    fail "stats $how: wanted status 0 and the table in $(basename "$out"); got status $(status_desc $st)"
  else say "ok    stats $how: the table in $(basename "$out"), the data file untouched"; fi
done

# The trace (trace.c: out_reopen, out_checked): its descriptors closed by close_range,
# the trace went on nowhere (fixed at the write's EBADF), and once the program opened
# files of its own on those numbers (its 500th open; its first ones under `ulimit -n`
# below 500, where the copies stay low) into the program's file.  Now every write
# checks that its descriptor is still the trace's file.  closed_fds/trace.c frees three
# 40 MiB blocks after the close and the opens: three munmap lines of those sizes, in
# the trace file or on stderr, and the program's file untouched.  The timeline
# (timeline.c: tl_checked) too: its samples and final record went into the program's
# file; they must be in the timeline, ending with the final record.
build trace.c gcc -O0 -g -Wall -Wextra -Werror -o "$T/trace" "$HG_ROOT/tests/programs/closed_fds/trace.c"
for how in file stderr file-low stderr-low timeline; do
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/trace-$how.data" "$T/trace-$how.file"
  out=$T/trace-$how.err setting=HEAPGUARD_TRACE=1 files=600 limit=4096
  case $how in file*) out=$T/trace-$how.file setting=HEAPGUARD_TRACE=$out ;;
               timeline) out=$T/trace-$how.file setting=HEAPGUARD_TIMELINE=$out ;; esac
  case $how in *-low) files=8 limit=256 ;; esac
  { (ulimit -n $limit; exec timeout -k 5 60 env "$setting" LD_PRELOAD="$HG_LIB_SO" "$T/trace" "$T/trace-$how.data" $files \
      >"$T/trace-$how.out" 2>"$T/trace-$how.err"); } 2>/dev/null
  st=$?
  n=$(grep -Ec 'munmap\(0x[0-9a-f]*, 419[0-9]{5}\)' "$out" 2>/dev/null)
  [ $how = timeline ] && { tail -n 1 "$out" | grep -q '"type":"final"' && n=3 || n=0; }
  if [ -s "$T/trace-$how.data" ]; then
    fail "$how: heapguard wrote into the program's file: $(head -c 100 "$T/trace-$how.data")"
  elif [ $st -ne 0 ] || [ "${n:-0}" -ne 3 ]; then
    fail "$how: wanted status 0 and the three 40 MiB munmap lines (or the final record) after the close; got status $(status_desc $st), ${n:-0} lines"
    tail -n 4 "$out" | cut -c1-160 | sed 's/^/  | /'
  else say "ok    $how: the lines after close_range in $(basename "$out"), the program's file untouched"; fi
done
finish
