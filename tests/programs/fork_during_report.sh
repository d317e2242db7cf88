#!/usr/bin/env bash
# A fork while another thread writes a crash report: the child inherited the parent's
# mark of which thread reports (fault.c: reporter, a thread id the child does not
# have), so a crash of its own waited for that thread to end the process, for ever:
# the child hung instead of reporting and dying by its signal.  Thread A aborts; its
# report stalls writing to the log, a FIFO already full that nobody reads; thread B
# forks meanwhile, and the child aborts too, with an alarm of 10 s as a backstop (a
# hung child dies by SIGALRM).  The child's log is its own (HEAPGUARD_LOG_FILE with
# %p): it must hold its crash report, and the child must die by SIGABRT.
. "$(dirname "$0")/lib.sh"
need gcc mkfifo

cat >"$T/fork_report.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *forker(void *unused) {
  (void)unused;
  usleep(300 * 1000);   /* thread A is in its report by now, stalled */
  pid_t pid = fork();
  if (pid == 0) {
    alarm(10);
    abort();
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) st = -1;
  char line[128];
  int n = snprintf(line, sizeof line, "child %s %d\n", st == -1 ? "none" : WIFSIGNALED(st) ? "signal" : "status",
                   st == -1 ? -1 : WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  if (write(1, line, (size_t)n) != n) st = -1;
  syscall(SYS_exit_group, 0);   /* not exit(): the report of thread A holds the log */
  return NULL;
}

int main(int argc, char **argv) {
  (void)argc;
  /* Fill the log's FIFO: heapguard's next line there waits. */
  int fd = open(argv[1], O_WRONLY | O_NONBLOCK);
  char block[4096];
  memset(block, '.', sizeof block);
  if (fd < 0) return 2;
  while (write(fd, block, sizeof block) > 0) {}
  pthread_t t;
  if (pthread_create(&t, NULL, forker, NULL)) return 3;
  abort();   /* thread A: the crash report */
}
C
build fork_report.c gcc -O1 -pthread -o "$T/fork_report" "$T/fork_report.c"

HG_CHECKS=$((HG_CHECKS + 2))
# exec keeps the shell's pid, so the parent's log (log.PID) is the FIFO made here; the
# shell's descriptor 3 keeps it open for reading (read by nobody).
timeout "$HG_CMD_TIMEOUT" sh -c 'mkfifo "$1/log.$$" && exec 3<>"$1/log.$$" &&
  exec env HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$1/log.%p" LD_PRELOAD="$2" "$1/fork_report" "$1/log.$$"' \
  sh "$T" "$HG_LIB_SO" >"$T/out" 2>"$T/err"
st=$?
child_log=$(ls "$T"/log.* 2>/dev/null | while read -r f; do [ -p "$f" ] || echo "$f"; done | head -n 1)
say "status $st; $(cat "$T/out"); child's log: $(grep -m 1 'ERROR' "$child_log" 2>/dev/null)"
grep -qx "child signal 6" "$T/out" || fail "the child did not die by SIGABRT: '$(cat "$T/out")' (14: it hung in the report)"
grep -q 'ERROR: fatal-signal: SIGABRT' "$child_log" 2>/dev/null || fail "no crash report in the child's log"
finish
