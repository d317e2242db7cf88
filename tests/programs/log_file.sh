#!/usr/bin/env bash
# Report files of multi-process programs (HEAPGUARD_LOG_FILE, HEAPGUARD_TRACE).  Each
# process opens its file at start; opening it emptied lost what the run had written
# before: a per-process file (%p) keeps its name across exec, so the new image erased the
# old one's reports, and a shared name kept only the last process's.  Now files are
# appended to, and emptied only when left by an earlier run (hg_report_open).  Checks:
#   * %p and exec: the double free reported before the exec is still in the file, with
#     the new image's summary after it;
#   * a shared name, two processes of a shell: both reports in the file;
#   * the same run again: the file holds this run's two reports, not four;
#   * trace, %p and exec: the pre-exec image's munmap line is still in the trace.
# And report files that refuse writes: /dev/full from the start, or a file size limit
# (RLIMIT_FSIZE, as a full disk would: EFBIG once the file reaches it) in the middle of
# the run.  The log and the stats go on on stderr after one line saying so; the trace and
# the timeline stop after one such line.  Before, all four lost their lines silently.
. "$(dirname "$0")/lib.sh"
need gcc sh bash
build df gcc -O0 -g -o "$T/df" "$HG_ROOT/tests/programs/log_file/df.c"
build many gcc -O1 -g -o "$T/many" "$HG_ROOT/tests/programs/log_file/many.c"
TRUE=$(type -P true)   # the program, not the shell builtin
count() { grep -c "$1" "$2" 2>/dev/null || true; }
show() { sed 's/^/  | /' "$@" | head -n 40; }
run_check() { env -u HEAPGUARD_LOG_FILE HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no LD_PRELOAD="$HG_LIB_SO" "$@"; }

HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/exec.*
run_check HEAPGUARD_LOG_FILE="$T/exec.%p" "$T/df" "$TRUE" >/dev/null 2>&1
files=("$T"/exec.*)
if [ ${#files[@]} -ne 1 ] || [ "$(count 'ERROR: double-free' "${files[0]}")" -ne 1 ] ||
   [ "$(count 'ERROR SUMMARY' "${files[0]}")" -ne 1 ]; then
  fail "%p and exec: wanted one file with the double free and the new image's summary"; show "${files[@]}"
else say "ok: %p and exec: the report from before the exec is kept"; fi

HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T/shared.log"
for run in 1 2; do
  run_check HEAPGUARD_LOG_FILE="$T/shared.log" sh -c '"$1"; "$1"; true' sh "$T/df" >/dev/null 2>&1
  n=$(count 'ERROR: double-free' "$T/shared.log")
  if [ "$n" -ne 2 ]; then
    fail "shared log, run $run: wanted the two processes' double frees, found $n"; show "$T/shared.log"; break
  fi
  [ $run = 1 ] && touch -d '-2 seconds' "$T/shared.log"   # as left by a run that ended before
done
[ "$n" -eq 2 ] && say "ok: a shared log holds every process's reports, and only this run's"

HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/trace.*
env -u HEAPGUARD_MODE HEAPGUARD_TRACE="$T/trace.%p" LD_PRELOAD="$HG_LIB_SO" "$T/df" --no-bug "$TRUE" >/dev/null 2>&1
files=("$T"/trace.*)
if [ ${#files[@]} -ne 1 ] || ! grep -q 'munmap(' "${files[0]}"; then
  fail "trace, %p and exec: the pre-exec image's munmap is gone"; show "${files[@]}"
else say "ok: trace, %p and exec: the pre-exec image's lines are kept"; fi
# A log file that refuses writes (/dev/full: ENOSPC): the reports are not lost, they go
# to stderr after one line saying so (before, nothing was written anywhere and only the
# exit status told of the error).  An unopenable log says stderr is used instead.
HG_CHECKS=$((HG_CHECKS + 1))
if [ -w /dev/full ]; then
  run_check HEAPGUARD_LOG_FILE=/dev/full "$T/df" >/dev/null 2>"$T/full.err"; st=$?
  if [ $st -ne 99 ] || [ "$(count 'cannot write the log file /dev/full' "$T/full.err")" -ne 1 ] ||
     [ "$(count 'ERROR: double-free' "$T/full.err")" -ne 1 ] || [ "$(count 'ERROR SUMMARY' "$T/full.err")" -lt 1 ]; then
    fail "log file /dev/full: wanted status 99, one warning and the report on stderr (status $st)"; show "$T/full.err"
  else say "ok: a log file that refuses writes: the report goes to stderr, with a warning"; fi
else say "skip: /dev/full not writable"; fi

# The same in a program that has closed its stderr (coreutils do before exit): the
# warning and the reports reach the stderr it had at start (before, both were lost).
HG_CHECKS=$((HG_CHECKS + 1))
if [ -w /dev/full ]; then
  run_check HEAPGUARD_LOG_FILE=/dev/full "$T/df" --close-stderr >/dev/null 2>"$T/fullc.err"; st=$?
  if [ $st -ne 99 ] || [ "$(count 'cannot write the log file /dev/full' "$T/fullc.err")" -ne 1 ] ||
     [ "$(count 'ERROR: double-free' "$T/fullc.err")" -ne 1 ] || [ "$(count 'ERROR SUMMARY' "$T/fullc.err")" -lt 1 ]; then
    fail "log file /dev/full, stderr closed: wanted status 99, the warning and the report on stderr (status $st)"
    show "$T/fullc.err"
  else say "ok: a log file that refuses writes, stderr closed: the report goes to the original stderr"; fi
else say "skip: /dev/full not writable"; fi

HG_CHECKS=$((HG_CHECKS + 1))
run_check HEAPGUARD_LOG_FILE="$T/no/such/dir/log" "$T/df" >/dev/null 2>"$T/nodir.err"; st=$?
if [ $st -ne 99 ] || ! grep -q "cannot open the log file .*writing to stderr instead" "$T/nodir.err" ||
   [ "$(count 'ERROR: double-free' "$T/nodir.err")" -ne 1 ]; then
  fail "unopenable log file: wanted status 99, the message and the report on stderr (status $st)"; show "$T/nodir.err"
else say "ok: an unopenable log file: the report goes to stderr, as the message says"; fi

# ---- files that refuse writes --------------------------------------------------------
# limited KIB ENV... -- PROG ARGS: PROG preloaded with ENV, files limited to KIB KiB
# (SIGXFSZ ignored: writes past the limit fail with EFBIG); its stderr, through a pipe
# (the limit is on files), into $T/lim.err; its status in $st.  exec keeps the pid, the
# one %p stands for.
limited() {
  local kib=$1; shift
  local -a envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  { bash -c 'trap "" XFSZ; ulimit -f "$0"; exec "$@"' "$kib" \
      env -u HEAPGUARD_MODE -u HEAPGUARD_LOG_FILE -u HEAPGUARD_TRACE -u HEAPGUARD_STATS \
      -u HEAPGUARD_STATS_FILE -u HEAPGUARD_TIMELINE "${envs[@]}" LD_PRELOAD="$HG_LIB_SO" "$@" \
      2>&1 >/dev/null; echo "status $?" >"$T/lim.st"; } | cat >"$T/lim.err"
  st=$(sed 's/status //' "$T/lim.st")
}
# the one file a %p pattern made ("" if not exactly one)
made() { local f=("$@"); [ ${#f[@]} -eq 1 ] && [ -e "${f[0]}" ] && echo "${f[0]}"; }
EFBIG=27 ENOSPC=28

# The log: the message names the file opened (%p expanded), not the pattern.
HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/lim.log.*
limited 0 HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/lim.log.%p" -- "$T/df"
f=$(made "$T"/lim.log.*)
if [ $st -ne 99 ] || [ -z "$f" ] ||
   [ "$(count "cannot write the log file $f (error $EFBIG: file too large): writing to stderr instead" "$T/lim.err")" -ne 1 ] ||
   [ "$(count 'ERROR: double-free' "$T/lim.err")" -ne 1 ]; then
  fail "log file at its size limit: wanted status 99 and one warning naming ${f:-the file} (status $st)"; show "$T/lim.err"
else say "ok: a log file at its size limit: the warning names $(basename "$f"), not the %p pattern"; fi

# The trace: one line says the file failed, then nothing more (no trace on stderr).
HG_CHECKS=$((HG_CHECKS + 1))
limited 1024 HEAPGUARD_TRACE=/dev/full -- "$T/df" --no-bug
if [ $st -ne 0 ] || [ "$(grep -c . "$T/lim.err")" -ne 1 ] ||
   [ "$(count "cannot write the trace file /dev/full (error $ENOSPC: no space left on device): the trace stops here" "$T/lim.err")" -ne 1 ]; then
  fail "trace to /dev/full: wanted status 0 and exactly one line on stderr (status $st)"; show "$T/lim.err"
else say "ok: a trace to /dev/full: one line on stderr, no trace there"; fi

HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/lim.tr.*
limited 8 HEAPGUARD_TRACE="$T/lim.tr.%p" HEAPGUARD_TRACE_CALLS=1 -- "$T/many"
f=$(made "$T"/lim.tr.*)
if [ $st -ne 0 ] || [ -z "$f" ] || [ "$(grep -c . "$T/lim.err")" -ne 1 ] ||
   [ "$(count "cannot write the trace file $f (error $EFBIG: file too large): the trace stops here" "$T/lim.err")" -ne 1 ] ||
   [ "$(count 'malloc(1048576)' "$f")" -lt 10 ]; then
  fail "trace filling up mid-run: wanted status 0, the trace's start in the file, one line on stderr (status $st)"
  show "$T/lim.err"
else say "ok: a trace file that fills up mid-run: its start kept, one line on stderr"; fi

# The stats: one line, then the table whole on stderr (text and JSON).
HG_CHECKS=$((HG_CHECKS + 1))
limited 1024 HEAPGUARD_STATS=json HEAPGUARD_STATS_FILE=/dev/full -- "$T/df" --no-bug
if [ $st -ne 0 ] || [ "$(grep -c . "$T/lim.err")" -ne 2 ] ||
   [ "$(count "cannot write the stats file /dev/full (error $ENOSPC: no space left on device): writing the stats to stderr instead" "$T/lim.err")" -ne 1 ] ||
   ! tail -n 1 "$T/lim.err" | grep -q '^{"type":"final",.*}$'; then
  fail "JSON stats to /dev/full: wanted one warning, then the JSON object on stderr (status $st)"; show "$T/lim.err" | cut -c1-150
else say "ok: JSON stats to /dev/full: one warning, the object on stderr"; fi

HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/lim.st.*
limited 1 HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/lim.st.%p" -- "$T/many" 5
f=$(made "$T"/lim.st.*)
if [ $st -ne 0 ] || [ -z "$f" ] || [ "$(wc -c <"$f")" -ne 1024 ] ||
   [ "$(count "cannot write the stats file $f (error $EFBIG: file too large): writing the stats to stderr instead" "$T/lim.err")" -ne 1 ] ||
   [ "$(count 'heapguard stats for' "$T/lim.err")" -ne 1 ] || [ "$(count 'Per-thread caches' "$T/lim.err")" -ne 1 ]; then
  fail "text stats filling their file: wanted one warning, then the whole table on stderr (status $st)"; show "$T/lim.err"
else say "ok: a stats file that fills up: one warning, the whole table on stderr"; fi

# The timeline: one line, then no more records (and no final one).
HG_CHECKS=$((HG_CHECKS + 1))
limited 1024 HEAPGUARD_TIMELINE=/dev/full -- "$T/df" --no-bug
if [ $st -ne 0 ] || [ "$(grep -c . "$T/lim.err")" -ne 1 ] ||
   [ "$(count "cannot write the timeline file /dev/full (error $ENOSPC: no space left on device): the timeline stops here, without its final record" "$T/lim.err")" -ne 1 ]; then
  fail "timeline to /dev/full: wanted status 0 and exactly one line on stderr (status $st)"; show "$T/lim.err"
else say "ok: a timeline to /dev/full: one line on stderr"; fi

HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/lim.tl.*
limited 4 HEAPGUARD_TIMELINE="$T/lim.tl.%p" HEAPGUARD_TIMELINE_MS=1 -- "$T/many"
f=$(made "$T"/lim.tl.*)
if [ $st -ne 0 ] || [ -z "$f" ] || [ "$(grep -c . "$T/lim.err")" -ne 1 ] ||
   [ "$(count "cannot write the timeline file $f (error $EFBIG: file too large): the timeline stops here, without its final record" "$T/lim.err")" -ne 1 ] ||
   [ "$(count '"type":"sample"' "$f")" -lt 2 ] || [ "$(count '"type":"final"' "$f")" -ne 0 ]; then
  fail "timeline filling up mid-run: wanted its samples in the file, no final record, one line on stderr (status $st)"
  show "$T/lim.err"
else say "ok: a timeline file that fills up mid-run: its samples kept, one line on stderr"; fi
finish
