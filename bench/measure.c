/* measure.c — run a program and report its wall time, CPU time and peak RSS.
 *
 *   measure RESULT_FILE program [args...]
 *
 * Forks, execs the program (stdin, stdout and stderr are inherited), waits for it with
 * wait4() and writes one line to RESULT_FILE:
 *   wall_s user_s sys_s maxrss_kb status code rss_source
 * where status is "exit N" or "signal N" (two fields) and rss_source says where
 * maxrss_kb comes from: "hwm" (VmHWM read at the program's exit) or "rusage"
 * (ru_maxrss, when the exit could not be watched).  Exits with 0 if it could run the
 * program.
 *
 * Why not measure from Python directly: Linux folds the high-water RSS of the address
 * space a process leaves at exec() into the ru_maxrss that wait4() reports, and a child
 * forked (or vforked) from the Python runner leaves the runner's ~20 MB address space.
 * Every small program would then show at least the runner's peak RSS.  This launcher is
 * small (about 1 MB resident), so the figure it reports is the program's own.
 *
 * Why not ru_maxrss alone: since Linux 6.2 a process's RSS counters are per-CPU
 * counters, and the value the kernel folds into ru_maxrss when the process exits is
 * their approximate sum (each CPU keeps up to 32 pages per counter unfolded), so
 * ru_maxrss can be off by a few hundred KiB — as much as the whole difference between
 * two allocators on a 1.5 MB program, and not the same way from one allocator to the
 * next.  /proc/PID/status's VmHWM is the larger of the exact RSS at the moment it is
 * read and the high-water mark the kernel recorded when the process last unmapped
 * memory.  So the launcher traces the program (PTRACE_TRACEME: only its exec and exit
 * stop it, nothing else is intercepted) and reads VmHWM at the exit stop, when all of
 * the program's memory is still mapped.  Where tracing is not allowed (a container's
 * seccomp policy, Yama's ptrace_scope 3) or not wanted (MEASURE_NO_TRACE=1 in the
 * environment), it falls back to ru_maxrss and says so.
 * Only the program's first thread is traced: a program whose first thread exits before
 * the others (pthread_exit in main) would be read early; none of the suite's does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* VmHWM of process pid in KiB, or -1. */
static long read_hwm_kb(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kb = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) {
      kb = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return kb;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s RESULT_FILE program [args...]\n", argv[0]);
    return 2;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    /* If tracing is refused, the program simply runs untraced: no stop will come.
     * MEASURE_NO_TRACE=1 asks for that: a program that traces itself (LeakSanitizer
     * stops its threads with ptrace at exit, and a traced process cannot be) runs
     * untraced and gets ru_maxrss. */
    const char *no_trace = getenv("MEASURE_NO_TRACE");
    if (!no_trace || strcmp(no_trace, "1") != 0) (void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    execvp(argv[2], argv + 2);
    fprintf(stderr, "measure: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  int status;
  struct rusage ru;
  long hwm_kb = -1;
  int first_stop = 1;
  for (;;) {
    pid_t r = wait4(pid, &status, 0, &ru);
    if (r < 0) {
      if (errno == EINTR) continue;
      perror("wait4");
      return 2;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status), event = status >> 16;
    if (first_stop && sig == SIGTRAP) {
      /* The stop after the first successful exec: from here on, exec and exit stop
       * the program as events (a later exec no longer raises a plain SIGTRAP), and
       * the program dies with this launcher if the launcher is killed. */
      first_stop = 0;
      ptrace(PTRACE_SETOPTIONS, pid, NULL,
             (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
      sig = 0;
    } else if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) {
      hwm_kb = read_hwm_kb(pid);
      sig = 0;
    } else if (sig == SIGTRAP && event != 0) {
      sig = 0; /* another event (exec): nothing to deliver */
    }
    /* Anything else is a signal on its way to the program: pass it on. */
    ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  FILE *f = fopen(argv[1], "w");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  fprintf(f, "%.6f %.6f %.6f %ld %s %d %s\n",
          (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9,
          (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6,
          (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6,
          hwm_kb >= 0 ? hwm_kb : ru.ru_maxrss,
          WIFSIGNALED(status) ? "signal" : "exit",
          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
          hwm_kb >= 0 ? "hwm" : "rusage");
  fclose(f);
  return 0;
}
