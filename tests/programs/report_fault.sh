#!/usr/bin/env bash
# A fault inside heapguard's own report of a signal (a crash report, guard mode's or
# sampled guard mode's fault report): the report reads stacks, symbol tables and heap
# records that a broken program may have corrupted, and may fault itself.  It killed
# the process with no word (the handler runs with its signal blocked: a second fault
# is fatal at once).  Now one line says so, and the process still dies by the signal
# being reported (src/fault.c: report_faulted).
#   * HG_TEST_FAULT_IN_REPORT=1 (a hook for the tests: the report faults when it
#     reaches its error summary): check mode's crash report of abort() ends by SIGABRT
#     (134), guard mode's and sampled mode's reports of a read after free by SIGSEGV
#     (139; without the fault: the error exit code, 99), each with the line;
#   * the same in sampled mode's warning of a general-protection fault its alignment
#     (HEAPGUARD_SAMPLE_ALIGN=8) may have caused: status 139 and the line;
#   * a check mode crash with a heap block the program made PROT_NONE: the leak scan
#     read it and faulted (the line, no leak summary); it now skips unreadable memory
#     (leak.c: struct unreadable), so the report is whole: status 139, its error
#     summary, no line.
. "$(dirname "$0")/lib.sh"
need gcc

cat >"$T/prog.c" <<'C'
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
  (void)argc;
  char *p = malloc(24);
  memset(p, 1, 24);
  if (argv[1][0] == 'a') abort();
  if (argv[1][0] == 'p') {   /* a block the leak scan cannot read, then a crash */
    char *q = memalign(4096, 8192);
    memset(q, 1, 8192);
    mprotect(q, 8192, PROT_NONE);
    *(volatile int *)(intptr_t)(argc - 2) = 0;   /* argc is 2: a null pointer */
  }
  free(p);
  return p[3];               /* a read after free: guard and sampled modes fault */
}
C
build prog.c gcc -O0 -g -o "$T/prog" "$T/prog.c"
no_heapguard_env
LINE='^==[0-9]+== the report itself faulted \(SIGSEGV at 0x10\) and stops here; the process ends by signal'

# run NAME ARG ENV...: $st, the report in $T/NAME.log
run() {
  local name=$1 arg=$2; shift 2
  HG_CHECKS=$((HG_CHECKS + 1))
  { env "$@" HEAPGUARD_LOG_FILE="$T/$name.log" LD_PRELOAD="$HG_LIB_SO" "$T/prog" "$arg" \
      >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  st=$?
  touch "$T/$name.log"
}
show() { sed 's/^/  | /' "$T/$1.log" "$T/$1.err" | tail -n 8; }

for m in check:a:134:HEAPGUARD_MODE=check guard:u:139:HEAPGUARD_MODE=guard sampled:u:139:HEAPGUARD_SAMPLE_RATE=1; do
  IFS=: read -r name arg want mode <<<"$m"
  run "$name" "$arg" "$mode" HG_TEST_FAULT_IN_REPORT=1
  if [ "$st" = "$want" ] && grep -Eq "$LINE $((want - 128)) \(SIG(ABRT|SEGV)\), the one reported$" "$T/$name.log"; then
    say "ok    $name: a fault in the report: the line, then death by signal $((want - 128))"
  else
    fail "$name: a fault in the report: wanted status $want and the line, got status $(status_desc "$st")"; show "$name"
  fi
done
# the warning of a fault guard mode's alignment may have caused (fault.c:
# hint_misaligned), sampled mode's: a report too, which faulted with no word
build the-probe gcc -O0 -g -o "$T/probe" "$HG_ROOT/tests/programs/sampled_align/probe.c"
HG_CHECKS=$((HG_CHECKS + 1))
{ env HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_ALIGN=8 HG_TEST_FAULT_IN_REPORT=1 HEAPGUARD_LOG_FILE="$T/sse8.log" \
    LD_PRELOAD="$HG_LIB_SO" "$T/probe" sse >"$T/sse8.out" 2>"$T/sse8.err"; } 2>/dev/null
st=$?
touch "$T/sse8.log"
if [ "$st" = 139 ] && grep -q 'WARNING: sampled guard mode: a general-protection fault' "$T/sse8.log" &&
   grep -Eq "$LINE 11 \(SIGSEGV\), the one reported$" "$T/sse8.log"; then
  say "ok    sampled mode's misalignment warning: a fault in it, the line, then death by signal 11"
else
  fail "sampled mode's misalignment warning: a fault in it: wanted status 139, the warning and the line, got status $(status_desc "$st")"
  show sse8
fi

run guard_plain u HEAPGUARD_MODE=guard
[ "$st" = 99 ] && ! grep -q 'report itself' "$T/guard_plain.log" ||
  { fail "guard mode without the hook: status $(status_desc "$st"), wanted 99"; show guard_plain; }

run protected p HEAPGUARD_MODE=check
if [ "$st" = 139 ] && grep -Eq '^==[0-9]+== LEAK SUMMARY' "$T/protected.log" &&
   grep -Eq '^==[0-9]+== ERROR SUMMARY' "$T/protected.log" && ! grep -q 'report itself' "$T/protected.log"; then
  say "ok    a crash whose report meets a block made PROT_NONE: $(tail -n 1 "$T/protected.log" | cut -c1-120)"
else
  fail "a crash whose report meets a block made PROT_NONE: status $(status_desc "$st"), and the report ends:"; show protected
fi
finish
