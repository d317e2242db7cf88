#!/usr/bin/env bash
# A trace file (or log) per process when a process changes user and execs, in the same
# pid, as runuser's and su's child does (round 6's postgres under `runuser`): the
# process, still root, makes its %p file (mode 0644), then execs the program as
# `nobody`, which cannot open that file again.  The trace then goes to stderr after a
# line saying so; that line must name the cause (the file is user 0's, the process runs
# as another user) and the way out, %u (the effective user id) in the name, which gives
# each user a file of its own: with "%p.%u.trace" both images' traces are in files
# (root's and nobody's), no line on stderr.  The same in check mode's log file (the
# same code opens both).  Needs root (skipped otherwise) and a user nobody.
. "$(dirname "$0")/lib.sh"
need gcc runuser
[ "$(id -u)" = 0 ] || { say "not root: cannot change user"; exit 77; }
NOBODY=$(id -u nobody 2>/dev/null) && NOGROUP=$(id -g nobody) || { say "no user nobody"; exit 77; }
no_heapguard_env
SRC=$HG_ROOT/tests/programs/trace_user
build become gcc -O1 -o "$T/become" "$SRC/become.c"
build after gcc -O1 -o "$T/after" "$SRC/after.c"
OUT=$T/out
mkdir -p "$OUT" && chmod 1777 "$OUT"
# nobody must reach the directory, the program and the library (a home directory
# closed to others holding the tree: not this test's to fix)
if ! runuser -u nobody -- sh -c 'test -w "$1" && test -x "$2" && test -r "$3"' sh "$OUT" "$T/after" "$HG_LIB_SO"; then
  say "user nobody cannot reach $OUT, $T/after or $HG_LIB_SO"; exit 77
fi
check() { HG_CHECKS=$((HG_CHECKS + 1)); }

# run NAME ENV... — become + after under the library with ENV; stdout, stderr in $T/NAME.*
run() {
  local name=$1; shift
  rm -rf "${OUT:?}"/*
  env "$@" LD_PRELOAD="$HG_LIB_SO" "$T/become" "$NOBODY" "$NOGROUP" "$T/after" >"$T/$name.out" 2>"$T/$name.err"
  echo $? >"$T/$name.status"
}
show() {   # what a failed check saw
  local name=$1
  say "  status $(cat "$T/$name.status"); stdout: $(cat "$T/$name.out")"
  sed 's/^/  stderr | /' "$T/$name.err" | head -5
  for f in "$OUT"/*; do [ -e "$f" ] && say "  $(stat -c '%U %a' "$f") $f: $(grep -c . "$f") lines"; done
}

# 1. %p alone: nobody's image cannot open root's file; the line says why and names %u.
check
run plain HEAPGUARD_TRACE="$OUT/%p.trace"
f=$(ls "$OUT"/*.trace 2>/dev/null | head -1)
want="the file is user 0's and this process runs as user $NOBODY .*%u in the name"
if [ "$(cat "$T/plain.out")" != allocated ] || [ -z "$f" ] ||
   ! grep -q "heapguard: cannot open the trace file $f (error 13: permission denied): $want" "$T/plain.err" ||
   ! grep -q 'munmap(' "$T/plain.err"; then
  fail "%p.trace, user changed before exec: wanted the trace on stderr after a line naming the cause and %u"
  show plain
else say "ok    %p.trace: the line names the owner, the user, and %u"; fi

# 2. %p.%u: a file per user, both images' lines in files, stderr quiet.
check
run peruser HEAPGUARD_TRACE="$OUT/%p.%u.trace"
pid=$(ls "$OUT" | sed -n 's/^\([0-9]*\)\.0\.trace$/\1/p')
root_file=$OUT/$pid.0.trace nobody_file=$OUT/$pid.$NOBODY.trace
if [ "$(cat "$T/peruser.out")" != allocated ] || [ -s "$T/peruser.err" ] || [ -z "$pid" ] ||
   ! grep -q "heapguard\[$pid\].*mmap(" "$root_file" || [ "$(stat -c %U "$nobody_file" 2>/dev/null)" != nobody ] ||
   ! grep -q "heapguard\[$pid\].*munmap(.*300" "$nobody_file" 2>/dev/null ||
   [ "$(ls "$OUT" | wc -l)" != 2 ]; then
  fail "%p.%u.trace: wanted root's and nobody's files for one pid, nothing on stderr"
  show peruser
else say "ok    %p.%u.trace: the pid's root part in $pid.0.trace, nobody's in $pid.$NOBODY.trace"; fi

# 2b. The CLI, with %u and no %p: it empties the run's file before the program starts,
# which is the name root's process opens (all.0.trace), not a file named "all.%u.trace".
check
build_cli
rm -rf "${OUT:?}"/*
"$HG" trace --output="$OUT/all.%u.trace" -- "$T/become" "$NOBODY" "$NOGROUP" "$T/after" >"$T/cli.out" 2>"$T/cli.err"
if [ "$(cat "$T/cli.out")" != allocated ] || [ -s "$T/cli.err" ] || [ "$(ls "$OUT" | sort | tr '\n' ' ')" != "all.0.trace all.$NOBODY.trace " ] ||
   ! grep -q 'munmap(.*300' "$OUT/all.$NOBODY.trace"; then
  fail "heapguard trace --output=all.%u.trace: wanted all.0.trace and all.$NOBODY.trace, nothing else"
  sed 's/^/  stderr | /' "$T/cli.err" | head -5; ls -l "$OUT" | sed 's/^/  | /'
else say "ok    heapguard trace --output=all.%u.trace: all.0.trace and all.$NOBODY.trace"; fi

# 3. Check mode's log file, opened by the same code at its first report (after's leak,
# at exit): one that root left (no %p) is not nobody's to open, said the same way;
# with %u, nobody's own.
check
rm -rf "${OUT:?}"/*
: >"$OUT/run.log"
env HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$OUT/run.log" LD_PRELOAD="$HG_LIB_SO" \
  "$T/become" "$NOBODY" "$NOGROUP" "$T/after" leak >"$T/log.out" 2>"$T/log.err"
if ! grep -q "heapguard: cannot open the log file $OUT/run.log (error 13: permission denied): $want" "$T/log.err" ||
   ! grep -q 'definitely lost in loss record' "$T/log.err"; then
  fail "check mode, run.log made by root: wanted the report on stderr after a line naming the cause"
  sed 's/^/  stderr | /' "$T/log.err" | head -5
else say "ok    check mode's log: the same line"; fi
check
rm -rf "${OUT:?}"/*
env HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$OUT/run.%u.log" LD_PRELOAD="$HG_LIB_SO" \
  "$T/become" "$NOBODY" "$NOGROUP" "$T/after" leak >"$T/log2.out" 2>"$T/log2.err"
if [ -s "$T/log2.err" ] || ! grep -q 'definitely lost in loss record' "$OUT/run.$NOBODY.log" 2>/dev/null; then
  fail "check mode, run.%u.log: wanted the report in run.$NOBODY.log, nothing on stderr"
  sed 's/^/  stderr | /' "$T/log2.err" | head -5; ls -l "$OUT" | sed 's/^/  | /'
else say "ok    check mode's log: run.%u.log is nobody's run.$NOBODY.log"; fi
finish
