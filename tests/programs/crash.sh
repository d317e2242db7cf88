#!/usr/bin/env bash
# Crash reports (src/crash.c) end to end, where tests/bugs cannot look: through the
# CLI, in the other modes, and when the signal comes from outside or at a bad time.
#   * The default mode and sampled guard mode print nothing and die by the signal, as
#     without heapguard.
#   * `heapguard check` and `heapguard guard`: the report, and the CLI's status is the
#     signal's (128 + 11), also with --error-exitcode.
#   * `kill -SEGV PID` from outside: reported ("sent by kill()"), the process dies by it.
#   * pthread_kill(SIGSEGV) into a thread running malloc and free in a loop: the report
#     is either whole or says it was cut to what is safe ("heapguard's own code"); the
#     process always dies by SIGSEGV, never hangs (20 runs).
#   * abort() in a program that ignores SIGABRT dies by it unreported, as under glibc.
#   * A forked child's crash is reported under the child's pid; the parent runs on.
#   * A stack overflow with the program's small alternate signal stack: the report moves
#     to a stack of its own, so it is whole (symbolised, with the leak check).
#   * The same, and a null pointer read, on an alternate stack of MINSIGSTKSZ (or this
#     CPU's signal frame, if larger) and of 2 KiB more (with an inaccessible page below it, so that overflowing it faults): the
#     report moves before its first step; it used to overflow that stack in its frame
#     walk and die with no word.
#   * A crash in heapguard's own code (posix_memalign(NULL, ...)): the report is cut
#     short and cannot symbolise, but each frame names its module and offset (from
#     /proc/self/maps), which addr2line turns into the function: it was a bare address.
. "$(dirname "$0")/lib.sh"
need make gcc
: "${HG_BUILD:=$HG_ROOT/build}"
build_cli
LIB=$(realpath "$HG_LIB_SO")
export HEAPGUARD_LIB=$LIB
no_heapguard_env HEAPGUARD_LIB

check() { HG_CHECKS=$((HG_CHECKS + 1)); }
ok() { say "ok    $*"; }
show() { sed 's/^/  | /' "$1" | head -n 20; }

cat >"$T/segv.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
struct node { struct node *next; int v; };
int main(int argc, char **argv) {
  struct node *n = malloc(sizeof *n);
  n->next = NULL;
  if (argc > 1 && strcmp(argv[1], "wait") == 0) {        /* for kill -SEGV */
    printf("%d\n", (int)getpid());
    fflush(stdout);
    for (;;) pause();
  }
  if (argc > 1 && strcmp(argv[1], "ignore-abort") == 0) {
    signal(SIGABRT, SIG_IGN);
    abort();
  }
  struct node *volatile next = n->next;
  printf("%d\n", next->v);
  return 0;
}
C
cat >"$T/inmalloc.c" <<'C'
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
static void *churn(void *arg) {
  (void)arg;
  for (;;) { void *p = malloc(100); void *q = malloc(3000); free(p); free(q); }
  return NULL;
}
int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, churn, NULL);
  usleep(20000);
  pthread_kill(t, SIGSEGV);
  for (;;) pause();
}
C
cat >"$T/forked.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  pid_t pid = fork();
  if (pid == 0) {
    int *volatile p = NULL;
    return *p;
  }
  int st;
  waitpid(pid, &st, 0);
  printf("child %d %s %d\n", (int)pid, WIFSIGNALED(st) ? "signal" : "status",
         WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  return 0;
}
C
cat >"$T/overflow.c" <<'C'
#include <signal.h>
#include <stdlib.h>
static int deep(volatile char *up) {
  volatile char buf[1024];
  buf[0] = up ? up[0] : 0;
  return deep(buf) + buf[1];
}
int main(void) {
  static char alt[16384];
  stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  return deep(NULL);
}
C
cat >"$T/altstack.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
static int deep(volatile char *up) {
  volatile char buf[1024];
  buf[0] = up ? up[0] : 0;
  return deep(buf) + buf[1];
}
int main(int argc, char **argv) {
  size_t n = strtoul(argv[1], NULL, 0), page = 4096;
  char *m = mmap(NULL, page + n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED || mprotect(m, page, PROT_NONE) != 0) return 2;
  stack_t ss = { .ss_sp = m + page, .ss_size = n, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL) != 0) return 3;
  if (strcmp(argv[2], "null") == 0) {
    int *volatile p = NULL;
    return *p;
  }
  return deep(NULL);
}
C
cat >"$T/ownnull.c" <<'C'
#include <stdlib.h>
int main(void) { return posix_memalign(NULL, 16, 16); }
C
for p in segv inmalloc forked overflow ownnull altstack; do
  gcc -g -O0 -pthread -fno-builtin -o "$T/$p" "$T/$p.c" || { say "FAIL: cannot build $p"; exit 1; }
done

# run NAME CMD...: stdout $T/NAME.out, stderr $T/NAME.err, status $st
run() {
  local name=$1; shift
  { timeout --kill-after=5 60 "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  st=$?
}

# 1. The default mode and sampled guard mode: nothing from heapguard, status 139.
check
run default env LD_PRELOAD="$LIB" "$T/segv"
if [ "$st" = 139 ] && [ ! -s "$T/default.err" ]; then ok "default mode: SIGSEGV, nothing printed"
else fail "default mode: status $(status_desc "$st"), expected 139 and no output"; show "$T/default.err"; fi
check
run sampled env LD_PRELOAD="$LIB" HEAPGUARD_SAMPLE_RATE=1 "$T/segv"
if [ "$st" = 139 ] && [ ! -s "$T/sampled.err" ]; then ok "sampled guard mode: SIGSEGV, nothing printed"
else fail "sampled mode: status $(status_desc "$st"), expected 139 and no output"; show "$T/sampled.err"; fi

# 2. The CLI: check and guard modes report; the status is the signal's.
for mode in check guard; do
  check
  run "$mode" "$HG" "$mode" --error-exitcode=5 -- "$T/segv"
  if [ "$st" = 139 ] && grep -q 'ERROR: fatal-signal: SIGSEGV (signal 11): READ at address 0x8' "$T/$mode.err" &&
     grep -q 'main (segv.c:' "$T/$mode.err" && grep -q 'ERROR SUMMARY' "$T/$mode.err"; then
    ok "heapguard $mode: the crash report, status 139 (--error-exitcode=5 not used)"
  else fail "heapguard $mode: status $(status_desc "$st"), expected 139 and a crash report"; show "$T/$mode.err"; fi
done

# 3. kill -SEGV from outside.
check
{ timeout 60 "$HG" check -- "$T/segv" wait >"$T/kill.out" 2>"$T/kill.err"; echo $? >"$T/kill.st"; } 2>/dev/null &
for _ in $(seq 100); do [ -s "$T/kill.out" ] && break; sleep 0.1; done
pid=$(head -n 1 "$T/kill.out")
[ -n "$pid" ] && kill -SEGV "$pid"
wait
st=$(cat "$T/kill.st")
if [ "$st" = 139 ] && grep -q "fatal-signal: SIGSEGV (signal 11), sent by kill() from process" "$T/kill.err"; then
  ok "kill -SEGV: reported, status 139"
else fail "kill -SEGV: status $(status_desc "$st"), expected 139 and a report"; show "$T/kill.err"; fi

# 4. The signal in the allocator's own code: never a hang, always the signal's death.
check
whole=0 cut=0 bad=0
for i in $(seq 20); do
  run "inmalloc$i" "$HG" check -- "$T/inmalloc"
  if [ "$st" != 139 ] || ! grep -q 'ERROR: fatal-signal: SIGSEGV' "$T/inmalloc$i.err"; then
    bad=$((bad + 1)); say "  run $i: status $(status_desc "$st")"; show "$T/inmalloc$i.err"
  elif grep -q "came in heapguard's own code" "$T/inmalloc$i.err"; then cut=$((cut + 1))
  elif grep -q 'ERROR SUMMARY' "$T/inmalloc$i.err"; then whole=$((whole + 1))
  else bad=$((bad + 1)); say "  run $i: neither whole nor cut short"; show "$T/inmalloc$i.err"; fi
done
if [ $bad = 0 ]; then ok "pthread_kill(SIGSEGV) into malloc/free: 20 runs died by SIGSEGV ($whole whole reports, $cut in heapguard's code)"
else fail "pthread_kill(SIGSEGV) into malloc/free: $bad of 20 runs wrong"; fi

# 5. abort() while SIGABRT is ignored: glibc's abort() still kills, unreported.
check
run ignabrt "$HG" check -- "$T/segv" ignore-abort
if [ "$st" = 134 ] && ! grep -q 'fatal-signal' "$T/ignabrt.err"; then ok "abort() with SIGABRT ignored: status 134, no report"
else fail "abort() with SIGABRT ignored: status $(status_desc "$st"), expected 134 and no report"; show "$T/ignabrt.err"; fi

# 6. A forked child's crash.
check
run forked "$HG" check --error-exitcode=0 -- "$T/forked"
child=$(sed -n 's/^child \([0-9]*\) signal 11$/\1/p' "$T/forked.out")
if [ "$st" = 0 ] && [ -n "$child" ] && grep -q "^==$child== ERROR: fatal-signal: SIGSEGV" "$T/forked.err" &&
   [ "$(grep -c 'ERROR SUMMARY' "$T/forked.err")" = 2 ]; then
  ok "fork: the child's crash reported under its pid, the parent ran on"
else fail "fork: status $(status_desc "$st"), child '${child}'"; show "$T/forked.out"; show "$T/forked.err"; fi

# 7. A stack overflow with a small alternate signal stack.
check
run overflow "$HG" check -- "$T/overflow"
if [ "$st" = 139 ] && grep -q 'fatal-signal: SIGSEGV' "$T/overflow.err" &&
   grep -q 'most likely a stack overflow' "$T/overflow.err" && grep -q 'deep (overflow.c:' "$T/overflow.err" &&
   grep -q 'LEAK SUMMARY' "$T/overflow.err"; then
  ok "stack overflow on a small alternate stack: the whole report, symbolised"
else fail "stack overflow: status $(status_desc "$st")"; show "$T/overflow.err"; fi

# 7b. Alternate stacks of the smallest size the kernel accepts and of 2 KiB more:
# MINSIGSTKSZ (2048) and 4096, or, where this CPU's signal frame is larger (AT_MINSIGSTKSZ
# is 3376 bytes with AVX-512: a 2048-byte stack cannot take a signal at all, with or
# without heapguard), that frame's size and 2 KiB more.
minsig=$(printf '#include <signal.h>\nMINSIGSTKSZ\n' | gcc -E -P - | tail -n 1)
auxmin=$(LD_SHOW_AUXV=1 /bin/true | sed -n 's/^AT_MINSIGSTKSZ: *//p')
[ -n "$auxmin" ] && [ "$auxmin" -gt "$minsig" ] && minsig=$auxmin
for size in "$minsig" $((minsig + 2048)); do
  for what in overflow null; do
    check
    run "alt$size$what" env LD_PRELOAD="$LIB" HEAPGUARD_MODE=check "$T/altstack" "$size" "$what"
    if [ "$what" = overflow ]; then want='deep (altstack.c:'; else want='main (altstack.c:'; fi
    if [ "$st" = 139 ] && grep -q 'fatal-signal: SIGSEGV' "$T/alt$size$what.err" &&
       grep -qF "$want" "$T/alt$size$what.err" && grep -q 'LEAK SUMMARY' "$T/alt$size$what.err"; then
      ok "$what on a $size-byte alternate stack: the whole report, symbolised"
    else fail "$what on a $size-byte alternate stack: status $(status_desc "$st"), no whole report"; show "$T/alt$size$what.err"; fi
  done
done

# 8. A crash in heapguard's own code: frames as module+offset, and the program's frame
# is main's (addr2line on the printed offset: the call's, the return address less 1).
check
run ownnull env LD_PRELOAD="$LIB" HEAPGUARD_MODE=check "$T/ownnull"
off=$(sed -n 's|.* by 0x[0-9a-f]*: ??? (in .*/ownnull+0x\([0-9a-f]*\))$|\1|p' "$T/ownnull.err" | head -n 1)
func=
[ -n "$off" ] && command -v addr2line >/dev/null && func=$(addr2line -f -e "$T/ownnull" "0x$off" | head -n 1)
if [ "$st" = 139 ] && grep -q "came in heapguard's own code" "$T/ownnull.err" &&
   grep -Eq ' at 0x[0-9a-f]+: \?\?\? \(in .*libheapguard\.so\+0x[0-9a-f]+\)$' "$T/ownnull.err" &&
   grep -Eq ' by 0x[0-9a-f]+: \?\?\? \(in .*libc\.so\.6\+0x[0-9a-f]+\)$' "$T/ownnull.err" &&
   [ -n "$off" ] && { [ -z "$func" ] || [ "$func" = main ]; }; then
  ok "crash in heapguard's own code: frames as module+offset (main at +0x$off${func:+, addr2line: $func})"
else fail "crash in heapguard's own code: status $(status_desc "$st"), frames without module+offset (addr2line: '$func')"; show "$T/ownnull.err"; fi

finish
