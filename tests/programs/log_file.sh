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
# And a log file that refuses writes: /dev/full, or a file size limit (RLIMIT_FSIZE, as
# a full disk would: EFBIG once the file reaches it).
. "$(dirname "$0")/lib.sh"
need gcc sh bash
gcc -O0 -g -o "$T/df" "$HG_ROOT/tests/programs/log_file/df.c" || { fail "cannot build df"; finish; }
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
EFBIG=27

# The log: the message names the file opened (%p expanded), not the pattern.
HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/lim.log.*
limited 0 HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/lim.log.%p" -- "$T/df"
f=$(made "$T"/lim.log.*)
if [ $st -ne 99 ] || [ -z "$f" ] ||
   [ "$(count "cannot write the log file $f (error $EFBIG): writing to stderr instead" "$T/lim.err")" -ne 1 ] ||
   [ "$(count 'ERROR: double-free' "$T/lim.err")" -ne 1 ]; then
  fail "log file at its size limit: wanted status 99 and one warning naming ${f:-the file} (status $st)"; show "$T/lim.err"
else say "ok: a log file at its size limit: the warning names $(basename "$f"), not the %p pattern"; fi

finish
