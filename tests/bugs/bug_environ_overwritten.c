// expect-error: double-free
// expect-text: bug_environ_overwritten\.c:46\)
/* A double free in a forked child that wrote over its environment's strings first, as
 * each of PostgreSQL's server processes does to set its process title after the
 * postmaster forked it (save_ps_display_args copied the environment and pointed
 * environ at the copy; set_ps_display writes the title over the old strings, argv's
 * and the environment's, padded with zeros).  HEAPGUARD_LOG_FILE pointed into those
 * strings: the child's report file (%p: one of its own, opened at its first report)
 * had no name, and the report went to stderr after "cannot open the log file  (error
 * 2: no such file or directory)", from every server process (docs/real-programs.md,
 * round 6).  The parent exits with the child's status. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void set_title(const char *title) {
  size_t n = 0;
  while (environ[n]) n++;
  char **copy = malloc((n + 1) * sizeof *copy);
  if (!copy) exit(2);
  char *lo = NULL, *hi = NULL;
  for (size_t i = 0; i < n; i++) {
    char *s = environ[i];
    size_t len = strlen(s) + 1;
    if (!lo || s < lo) lo = s;
    if (!hi || s + len > hi) hi = s + len;
    copy[i] = strdup(s);
  }
  copy[n] = NULL;
  environ = copy;
  if (lo) {
    memset(lo, 0, (size_t)(hi - lo));
    strncpy(lo, title, (size_t)(hi - lo) - 1);
  }
}

int main(void) {
  pid_t child = fork();
  if (child == 0) {
    set_title("postgres: checkpointer");
    char *p = malloc(24);
    free(p);
    free(p);                             /* BUG: freed again */
    exit(0);
  }
  int st = 0;
  if (child < 0 || waitpid(child, &st, 0) != child) return 3;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 4;
}
