#!/usr/bin/env bash
# `heapguard trace` and HEAPGUARD_TRACE: the allocator's kernel calls, with reasons.
#   * against strace, for the same run: every traced call is in strace's record with
#     the same arguments and result, thread by thread in the same order, and the trace
#     holds exactly as many calls of each kind as the allocator counted (hg_os_calls);
#     single-threaded (a workload making every kind of call), threaded, forked, and
#     with HEAPGUARD_TRACE_CALLS (tests/programs/trace/trace_check.py does the match);
#   * the seed's examples: heap_intro's 100-byte block grows the heap with brk,
#     big_alloc's 256 KiB block gets a mmap and a munmap at free, mallopt and
#     HEAPGUARD_MMAP_THRESHOLD change that;
#   * HEAPGUARD_TRACE_CALLS: the exact sequence of calls of a known program;
#   * output: a file per process with %p, a program that closes fd 2, whole lines
#     from threads, check mode winning over call tracing;
#   * the CLI: heapguard trace [--calls] [--output=FILE], its bad options (status 2),
#     and the man page.
. "$(dirname "$0")/lib.sh"
need gcc strace python3
: "${HG_BUILD:=$HG_ROOT/build}"
LIB=$HG_LIB_SO
[ -f "$LIB" ] || { say "FAIL: $LIB does not exist (run make first)"; exit 1; }
no_heapguard_env
SRC=$HG_ROOT/tests/programs/trace
CHECK="python3 $SRC/trace_check.py"
STRACE_SET=trace=brk,mmap,munmap,madvise,mremap,mprotect
check() { HG_CHECKS=$((HG_CHECKS + 1)); }
ok() { say "ok    $*"; }

# strace itself must work here (ptrace may be forbidden in a container)
if ! strace -f -o "$T/probe.strace" -e trace=brk true >/dev/null 2>&1; then
  say "strace cannot trace here (ptrace not permitted?)"; exit 77
fi

# -fno-builtin: gcc must not remove or merge the allocations the tests count on
for p in workload calls threads fork close_stderr threshold; do
  gcc -O1 -g -fno-builtin -pthread -I"$HG_ROOT/include" -o "$T/$p" "$SRC/$p.c" -ldl >"$T/$p.build" 2>&1 ||
    { say "FAIL: cannot build $p:"; sed 's/^/  | /' "$T/$p.build"; exit 1; }
done
for p in heap_intro big_alloc; do
  gcc -O0 -g -fno-builtin -o "$T/$p" "$HG_ROOT/examples/$p.c" >"$T/$p.build" 2>&1 ||
    { say "FAIL: cannot build examples/$p.c"; exit 1; }
done

# versus NAME [env...] -- PROG [args]: run under strace with HEAPGUARD_TRACE=$T/NAME.trace,
# check the match (and the counts, if the program wrote them to stdout)
versus() {
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  rm -f "$T/$name".trace*
  check
  strace -f -o "$T/$name.strace" -e "$STRACE_SET" \
    env "${envs[@]}" HEAPGUARD_TRACE="$T/$name.trace" LD_PRELOAD="$LIB" "$@" >"$T/$name.out" 2>"$T/$name.err"
  local st=$? counts=()
  if [ $st -ne 0 ]; then fail "$name: status $st under strace"; sed 's/^/  | /' "$T/$name.err" | head; return; fi
  grep -q '^brk ' "$T/$name.out" && counts=("$T/$name.out")
  cat "$T/$name".trace* >"$T/$name.all" 2>/dev/null
  if $CHECK "$T/$name.strace" "$T/$name.all" "${counts[@]}" >"$T/$name.check" 2>&1; then
    ok "$name: $(tail -n 2 "$T/$name.check" | tr '\n' ' ')"
  else
    fail "$name: the trace does not match strace:"; sed 's/^/  | /' "$T/$name.check" | head -n 20
  fi
}

versus workload HEAPGUARD_DECAY_MS=0 -- "$T/workload"
versus workload_nobrk HEAPGUARD_DECAY_MS=0 HEAPGUARD_BRK=0 -- "$T/workload"
versus workload_calls HEAPGUARD_DECAY_MS=0 HEAPGUARD_TRACE_CALLS=1 -- "$T/workload"
versus threads -- "$T/threads"
versus threads_calls HEAPGUARD_TRACE_CALLS=1 -- "$T/threads"
versus heap_intro -- "$T/heap_intro"
# %p: the child writes its own file; both files together match strace -f
versus fork_files -- env HEAPGUARD_TRACE="$T/fork_files.trace.%p" "$T/fork"

# every kind of call shows up in the workload, each with its reason
check
missing=""
for re in 'brk\(NULL\) = 0x[0-9a-f]+ +# libc reads the program break' \
          'brk\(0x[0-9a-f]+\) = 0x[0-9a-f]+ +# grow heap by [0-9.]+ [KM]iB for a 100-byte block' \
          'mmap\(NULL, 262144, .*# metadata: 256 KiB for the allocator.s records' \
          'mmap\(NULL, 1048576, .*# metadata: page map leaf' \
          'madvise\(0x[0-9a-f]+, 1048576, MADV_NOHUGEPAGE\) = 0 +# metadata: keep the page map leaf in small pages' \
          'mmap\(NULL, 524288, .*# map a 512 KiB block above the mmap threshold \(raised above 256 KiB by an earlier free\)' \
          'munmap\(0x[0-9a-f]+, 262144\) = 0 +# free of a 256 KiB block: its mapping goes back' \
          'mremap\(0x[0-9a-f]+, 524288, 1048576, MREMAP_MAYMOVE\) = 0x[0-9a-f]+ +# realloc of a 512 KiB block to 1 MiB' \
          '# map a 300 KiB block aligned to 2 MiB' \
          'munmap\(.*# trim the block.s mapping to a 2 MiB boundary' \
          'madvise\(0x[0-9a-f]+, [0-9]+, MADV_DONTNEED\) = 0 +# return [0-9.]+ [KM]iB of free pages' \
          'brk\(0x[0-9a-f]+\) = 0x[0-9a-f]+ +# shrink heap: [0-9.]+ [KM]iB free at its top' \
          'brk\(0x[0-9a-f]+\) = 0x[0-9a-f]+ +# malloc_trim: shrink heap by'; do
  grep -Eq "$re" "$T/workload.all" || missing+=$'\n'"  $re"
done
grep -Eq '# map a 4 MiB region for small and medium blocks for a 100-byte block \(HEAPGUARD_BRK=0' "$T/workload_nobrk.all" ||
  missing+=$'\n'"  (HEAPGUARD_BRK=0: a region mapped for the heap)"
if [ -n "$missing" ]; then fail "workload trace: no line matches:$missing"; sed 's/^/  | /' "$T/workload.all" | cut -c1-200 | head -n 40
else ok "workload: every kind of kernel call, each with its reason"; fi

# ---- the seed's examples ----------------------------------------------------------------
# trace_of NAME [env...] -- PROG: the trace (stderr) of PROG in $T/NAME.tr
trace_of() {
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  env "${envs[@]}" HEAPGUARD_TRACE=stderr LD_PRELOAD="$LIB" "$@" >"$T/$name.stdout" 2>"$T/$name.tr"
}
expect_line() { # NAME REGEX WHAT
  check
  if grep -Eq "$2" "$T/$1.tr"; then ok "$1: $3"
  else fail "$1: $3: no line matches $2"; sed 's/^/  | /' "$T/$1.tr" | cut -c1-200 | head -n 20; fi
}
expect_no_line() { # NAME REGEX WHAT
  check
  if ! grep -Eq "$2" "$T/$1.tr"; then ok "$1: $3"
  else fail "$1: $3: a line matches $2"; grep -E "$2" "$T/$1.tr" | sed 's/^/  | /' | head; fi
}
trace_of heap_intro -- "$T/heap_intro"
expect_line heap_intro '^heapguard\[[0-9]+\] [0-9]+\.[0-9]{6} brk\(0x[0-9a-f]+\) = 0x[0-9a-f]+ +# grow heap by [0-9]+ KiB for a 100-byte block \([0-9]+ KiB needed \+ the 1 MiB growth step\)$' \
  "malloc(100) grows the heap with brk"
expect_no_line heap_intro 'map a' "no mapping for the 100-byte block"
trace_of big_alloc -- "$T/big_alloc"
expect_line big_alloc 'mmap\(NULL, 262144, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x[0-9a-f]+ +# map a 256 KiB block above the 128 KiB mmap threshold$' \
  "the 256 KiB block gets a mapping of its own"
expect_line big_alloc 'munmap\(0x[0-9a-f]+, 262144\) = 0 +# free of a 256 KiB block: its mapping goes back to the kernel; blocks of its size now come from the heap \(the mmap threshold rises above 256 KiB\)$' \
  "free unmaps it, and the dynamic threshold rises"
trace_of big_alloc_1m HEAPGUARD_MMAP_THRESHOLD=1M -- "$T/big_alloc"
expect_no_line big_alloc_1m 'map a 256 KiB' "HEAPGUARD_MMAP_THRESHOLD=1M: no mapping for the 256 KiB block"
trace_of threshold -- "$T/threshold"
expect_line threshold 'grow heap by [0-9]+ KiB for a 256 KiB block' "mallopt(M_MMAP_THRESHOLD, 1M): the 256 KiB block comes from the heap"
expect_line threshold 'mmap\(NULL, 2097152, .*# map a 2 MiB block above the 1 MiB mmap threshold' "... and a 2 MiB block still gets a mapping"
expect_no_line threshold 'no reason recorded' "every line has a reason"

# ---- calls ---------------------------------------------------------------------------------
check
env HEAPGUARD_TRACE_CALLS=1 LD_PRELOAD="$LIB" "$T/calls" >"$T/calls.out" 2>"$T/calls.tr"
read -r a b a2 r c d e f < <(sed 's/[a-z0-9]*=//g' "$T/calls.out")
cat >"$T/calls.want" <<EOF
malloc(100) = $a
calloc(10, 8) = $b
realloc($a, 1000) = $a2
posix_memalign([$c], 64, 100) = $r
aligned_alloc(4096, 5000) = $d
malloc(300000) = $e
memalign(64, 10) = $f
free($e)
free($d)
free($c)
free($b)
free($a2)
free($f)
free(0x0)
EOF
# the call lines (not the indented kernel calls under them), prefix and time removed
sed -n 's/^heapguard\[[0-9]*\] [0-9]*\.[0-9]\{6\} \([a-z_]*(.*\)$/\1/p' "$T/calls.tr" >"$T/calls.got"
if [ -s "$T/calls.out" ] && cmp -s "$T/calls.want" "$T/calls.got"; then ok "calls: the exact sequence of 14 calls, with results (free(NULL) too)"
else fail "calls: the traced calls differ (wanted, got):"; diff "$T/calls.want" "$T/calls.got" | sed 's/^/  | /' | head -n 30; fi
check
if grep -Eq '^heapguard\[[0-9]+\] [0-9.]+   mmap\(NULL, 303104, .*# map a 300000-byte block above the 128 KiB mmap threshold$' "$T/calls.tr" &&
   [ "$(grep -A1 'malloc(300000)' "$T/calls.tr" | tail -n 1 | grep -c '^heapguard\[[0-9]*\] [0-9.]*   mmap(NULL, 303104')" = 1 ]; then
  ok "calls: the kernel calls a call caused follow it, indented"
else fail "calls: malloc(300000) is not followed by its mmap"; sed 's/^/  | /' "$T/calls.tr" | cut -c1-160; fi

# threads: every line whole (one write each); 4 threads x 50 rounds x 2 mallocs and frees
# (and the free(NULL) calls glibc makes as a thread ends, traced too but not counted)
check
env HEAPGUARD_TRACE=stderr HEAPGUARD_TRACE_CALLS=1 LD_PRELOAD="$LIB" "$T/threads" 2>"$T/threads.tr"
bad=$(grep -Evc '^heapguard\[[0-9]+(/[0-9]+)?\] [0-9]+\.[0-9]{6} (  )?[a-z_]+\(.*\)( = .*)?$' "$T/threads.tr")
nm=$(grep -Ec '^heapguard\[[0-9]+/[0-9]+\] [0-9.]+ malloc\(' "$T/threads.tr")
nf=$(grep -E '^heapguard\[[0-9]+/[0-9]+\] [0-9.]+ free\(' "$T/threads.tr" | grep -vc ' free(0x0)$')
ntid=$(sed -n 's/^heapguard\[[0-9]*\/\([0-9]*\)\].*/\1/p' "$T/threads.tr" | sort -u | wc -l)
if [ "$bad" = 0 ] && [ "$nm" = 400 ] && [ "$nf" = 400 ] && [ "$ntid" = 4 ]; then
  ok "threads: 400 mallocs and 400 frees from 4 threads, every line whole"
else fail "threads: $bad malformed lines, $nm mallocs, $nf frees, $ntid threads (wanted 0, 400, 400, 4)"; fi

# fork with one shared file: the child's lines carry its pid
check
rm -f "$T/fork_shared.trace"
env HEAPGUARD_TRACE="$T/fork_shared.trace" HEAPGUARD_TRACE_CALLS=1 LD_PRELOAD="$LIB" "$T/fork" >"$T/fork_shared.out" 2>&1
cpid=$(sed -n 's/^child //p' "$T/fork_shared.out"); ppid_=$(sed -n 's/^parent //p' "$T/fork_shared.out")
if [ -n "$cpid" ] && grep -q "^heapguard\[$cpid\] [0-9.]* malloc(409600) = 0x" "$T/fork_shared.trace" &&
   grep -q "^heapguard\[$ppid_\] [0-9.]* malloc(614400) = 0x" "$T/fork_shared.trace" &&
   grep -q "^heapguard\[$cpid\] [0-9.]*   munmap(.*, 409600) = 0" "$T/fork_shared.trace"; then
  ok "fork: parent $ppid_ and child $cpid trace into one file, each with its pid"
else fail "fork: wanted the child's malloc(409600) under pid $cpid"; sed 's/^/  | /' "$T/fork_shared.trace" | cut -c1-150 | head -n 30; fi

# %p: a file per process
check
rm -f "$T"/pfile.*
env HEAPGUARD_TRACE="$T/pfile.%p" LD_PRELOAD="$LIB" "$T/fork" >"$T/pfile.out" 2>&1
cpid=$(sed -n 's/^child //p' "$T/pfile.out"); ppid_=$(sed -n 's/^parent //p' "$T/pfile.out")
if [ -n "$cpid" ] && grep -q "^heapguard\[$cpid\] .*munmap(.*409600" "$T/pfile.$cpid" &&
   grep -q "^heapguard\[$ppid_\] .*munmap(.*614400" "$T/pfile.$ppid_" && ! grep -q "409600" "$T/pfile.$ppid_"; then
  ok "HEAPGUARD_TRACE=FILE.%p: pfile.$ppid_ and pfile.$cpid"
else fail "%p: wanted pfile.$ppid_ and pfile.$cpid with their own calls"; ls "$T" | grep pfile | sed 's/^/  | /'; fi

# the program closes its stderr: the trace still gets there
check
env HEAPGUARD_TRACE=stderr LD_PRELOAD="$LIB" "$T/close_stderr" 2>"$T/close.tr"
if grep -Eq 'munmap\(0x[0-9a-f]+, 716800\) = 0 +# free of a 700 KiB block' "$T/close.tr"; then
  ok "after close(2): the trace still reaches stderr"
else fail "after close(2), the free's munmap is missing from stderr"; sed 's/^/  | /' "$T/close.tr" | cut -c1-150; fi

# switch words: HEAPGUARD_TRACE=1 (or on, yes) is stderr and =0 (off, no) is off, not a
# file named "1" or "0"; the timeline has no stderr, so =1 is refused there
check
mkdir -p "$T/words" && rm -f "$T/words"/*
(cd "$T/words" && env HEAPGUARD_TRACE=1 LD_PRELOAD="$LIB" "$T/close_stderr" 2>"$T/words.on" &&
  env HEAPGUARD_TRACE=0 LD_PRELOAD="$LIB" "$T/close_stderr" 2>"$T/words.off" &&
  env HEAPGUARD_TRACE=Yes HEAPGUARD_TIMELINE=1 LD_PRELOAD="$LIB" "$T/close_stderr" 2>"$T/words.yes")
if grep -Eq 'munmap\(0x[0-9a-f]+, 716800\) = 0' "$T/words.on" && ! grep -q . "$T/words.off" &&
   grep -Eq 'munmap\(0x[0-9a-f]+, 716800\) = 0' "$T/words.yes" &&
   grep -q 'ignoring HEAPGUARD_TIMELINE=1: expected a file name' "$T/words.yes" && [ -z "$(ls "$T/words")" ]; then
  ok "HEAPGUARD_TRACE=1 and =Yes: stderr; =0: off; HEAPGUARD_TIMELINE=1 refused; no file created"
else fail "switch words: files created: $(ls "$T/words" | tr '\n' ' ')"; head -n 3 "$T"/words.* | cut -c1-150 | sed 's/^/  | /'; fi

# check mode wins over call tracing; its kernel calls are still traced
check
env HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_TRACE=stderr HEAPGUARD_TRACE_CALLS=1 LD_PRELOAD="$LIB" \
  "$T/big_alloc" >/dev/null 2>"$T/checkmode.tr"
if grep -q 'HEAPGUARD_TRACE_CALLS is ignored in check' "$T/checkmode.tr" && ! grep -q ' malloc(' "$T/checkmode.tr" &&
   grep -Eq '^heapguard\[[0-9]+\] [0-9.]+ mmap\(' "$T/checkmode.tr"; then
  ok "check mode: calls not traced (said once), kernel calls traced"
else fail "check mode with HEAPGUARD_TRACE_CALLS"; sed 's/^/  | /' "$T/checkmode.tr" | cut -c1-150 | head; fi

# the reasons name the mode that runs: check mode protects a large quarantined block,
# sampled guard mode its pool's slots (both said "guard mode:"; sampled mode's own
# mappings had no reason at all)
trace_of protect_check HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_PROTECT_MIN=4K -- "$T/big_alloc"
expect_line protect_check '# check mode: [0-9]+ KiB made inaccessible \(a guard page, or a freed block in quarantine\)$' \
  "check mode: the quarantined block's pages protected, said as check mode's"
expect_no_line protect_check '# guard mode|check/guard' "check mode: no line names guard mode"
trace_of protect_sampled HEAPGUARD_SAMPLE_RATE=1 -- "$T/heap_intro"
expect_line protect_sampled '# sampled guard mode: 8 KiB made inaccessible' "sampled guard mode: a freed sample's page protected, said as sampled mode's"
expect_no_line protect_sampled '# guard mode|no reason recorded' "sampled guard mode: every line has a reason, none names guard mode"

# check mode asks for huge pages on the memory its quarantine fills (a fault per 2 MiB,
# not per 4 KiB); the default mode never does (its RSS)
printf '#include <stdlib.h>\nint main(void) { for (int i = 0; i < 200000; i++) free(malloc(64)); return 0; }\n' >"$T/churn.c"
gcc -O1 -fno-builtin -o "$T/churn" "$T/churn.c" || { fail "cannot build churn.c"; finish; }
trace_of huge_check HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_HUGE_PAGES=1 -- "$T/churn"
expect_line huge_check ' MADV_HUGEPAGE\) = .*# check mode: [0-9.]+ [KM]iB the quarantine fills, asked for in 2 MiB pages' \
  "check mode: huge pages asked for the quarantine's memory, with the reason"
trace_of huge_default -- "$T/churn"
expect_no_line huge_default 'MADV_HUGEPAGE\)' "the default mode: no huge pages asked for"
trace_of huge_off HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no -- "$T/churn"
expect_no_line huge_off 'MADV_HUGEPAGE\)|to a 2 MiB boundary' "check mode by default (HEAPGUARD_HUGE_PAGES=0): no huge pages asked for, the break not rounded to them"

# a program dropping many big blocks (its teardown) has the free pages given back at
# once in the default mode; in check mode the blocks reach the allocator only as they
# leave the quarantine, one after another whenever a big one enters it, which is no
# teardown: given back there, the pages were faulted in again at once (wl_realloc in
# check mode: 70,655 madvise calls and 291,000 page faults in a million reallocs)
printf '#include <stdlib.h>\n#include <string.h>\nint main(void) {\n  static char *p[300];\n  for (int i = 0; i < 300; i++) p[i] = memset(malloc(40 << 10), i, 40 << 10);\n  for (int i = 0; i < 300; i++) free(p[i]);\n  return 0;\n}\n' >"$T/teardown.c"
gcc -O1 -fno-builtin -o "$T/teardown" "$T/teardown.c" || { fail "cannot build teardown.c"; finish; }
trace_of teardown_default -- "$T/teardown"
expect_line teardown_default 'MADV_DONTNEED\) = 0 +# return [0-9]+ KiB of free pages after big blocks freed one after another' \
  "the default mode: a teardown's free pages go back at once"
trace_of teardown_check HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_QUARANTINE=8M -- "$T/teardown"
expect_no_line teardown_check 'after big blocks freed one after another' \
  "check mode: blocks leaving the quarantine one after another are no teardown"

# off: nothing
check
env HEAPGUARD_TRACE= LD_PRELOAD="$LIB" "$T/big_alloc" >/dev/null 2>"$T/off.tr"
if [ ! -s "$T/off.tr" ]; then ok "HEAPGUARD_TRACE empty: no trace, no message"
else fail "HEAPGUARD_TRACE empty printed:"; sed 's/^/  | /' "$T/off.tr" | head; fi

# ---- the CLI -------------------------------------------------------------------------------
build_cli
export HEAPGUARD_LIB=$LIB
check
"$HG" trace -- "$T/big_alloc" >"$T/cli.out" 2>"$T/cli.err"; st=$?
if [ $st = 0 ] && grep -q 'malloc(256 \* 1024)' "$T/cli.out" && grep -Eq '# map a 256 KiB block above' "$T/cli.err"; then
  ok "heapguard trace -- big_alloc: the trace on stderr"
else fail "heapguard trace: status $st"; sed 's/^/  | /' "$T/cli.err" | head; fi
check
echo stale >"$T/cli_file.txt"
"$HG" trace --calls --output="$T/cli_file.txt" "$T/big_alloc" >/dev/null 2>"$T/cli_file.err"; st=$?
if [ $st = 0 ] && [ ! -s "$T/cli_file.err" ] && ! grep -q stale "$T/cli_file.txt" &&
   grep -Eq '^heapguard\[[0-9]+\] [0-9.]+ malloc\(262144\) = 0x' "$T/cli_file.txt" &&
   grep -Eq '^heapguard\[[0-9]+\] [0-9.]+   mmap\(NULL, 262144' "$T/cli_file.txt"; then
  ok "heapguard trace --calls --output=FILE: a fresh file with calls and kernel calls"
else fail "heapguard trace --calls --output=FILE: status $st"; sed 's/^/  | /' "$T/cli_file.txt" | head; fi
check
"$HG" trace --output "$T/cli_sh.txt" sh -c "$T/big_alloc >/dev/null; $T/heap_intro >/dev/null" 2>/dev/null; st=$?
if [ $st = 0 ] && [ "$(sed -n 's/^heapguard\[\([0-9]*\)\].*/\1/p' "$T/cli_sh.txt" | sort -u | wc -l)" -ge 3 ]; then
  ok "heapguard trace --output FILE sh -c '...': the shell and both programs append to the one file"
else fail "trace of sh -c: wanted the lines of 3 processes in $T/cli_sh.txt"; fi
for args in "trace" "trace --calls=1 true" "trace --output true" "trace --output= true" "trace --bogus true"; do
  check
  # shellcheck disable=SC2086
  "$HG" $args >"$T/bad.out" 2>"$T/bad.err" </dev/null; st=$?
  if [ $st = 2 ] && [ ! -s "$T/bad.out" ] && [ "$(wc -l <"$T/bad.err")" = 1 ] && grep -q '^heapguard: ' "$T/bad.err"; then
    ok "heapguard $args: status 2, $(cat "$T/bad.err")"
  else fail "heapguard $args: status $st, wanted 2 and one line"; sed 's/^/  | /' "$T/bad.err"; fi
done
check
"$HG" trace --help >"$T/help.out" 2>&1; st=$?
if [ $st = 0 ] && grep -q -- '--calls' "$T/help.out" && grep -q -- '--output=FILE' "$T/help.out" &&
   grep -q 'HEAPGUARD_TRACE_CALLS=1' "$T/help.out"; then ok "heapguard trace --help"
else fail "heapguard trace --help: status $st"; cat "$T/help.out"; fi

if command -v nroff >/dev/null; then
  check
  nroff -man -ww "$HG_ROOT/man/heapguard.1" 2>/dev/null | sed 's/.\x08//g' | tr -s ' \n' ' ' >"$T/man.txt"
  missing=""
  for want in 'heapguard trace' '--calls' '--output=' 'HEAPGUARD_TRACE' 'HEAPGUARD_TRACE_CALLS'; do
    grep -q -- "$want" "$T/man.txt" || missing+=" '$want'"
  done
  if [ -z "$missing" ]; then ok "man page documents trace, --calls, --output"
  else fail "man page lacks:$missing"; fi
fi

finish
