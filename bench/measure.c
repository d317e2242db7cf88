/* measure.c — run a program and report its wall time, CPU time and peak RSS.
 *
 *   measure RESULT_FILE program [args...]
 *
 * Forks, execs the program (stdin, stdout and stderr are inherited), waits for it with
 * wait4() and writes one line to RESULT_FILE:
 *   wall_s user_s sys_s maxrss_kb status
 * where status is "exit N" or "signal N".  Exits with 0 if it could run the program.
 *
 * Why not measure from Python directly: Linux folds the high-water RSS of the address
 * space a process leaves at exec() into the ru_maxrss that wait4() reports, and a child
 * forked (or vforked) from the Python runner leaves the runner's ~20 MB address space.
 * Every small program would then show at least the runner's peak RSS.  This launcher is
 * small (about 1 MB resident), so the figure it reports is the program's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    execvp(argv[2], argv + 2);
    fprintf(stderr, "measure: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0)
    ;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  FILE *f = fopen(argv[1], "w");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  fprintf(f, "%.6f %.6f %.6f %ld %s %d\n",
          (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9,
          (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6,
          (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6, ru.ru_maxrss,
          WIFSIGNALED(status) ? "signal" : "exit",
          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  fclose(f);
  return 0;
}
