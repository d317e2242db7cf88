/* options_text.c — the text of the options that name files, copied out of the
 * environment.
 *
 * The options that name files (HEAPGUARD_LOG_FILE, XML_FILE, SUPPRESSIONS, STATS_FILE,
 * TIMELINE, TRACE) are read long after start: a log file is opened at the first report
 * or at exit, a per-process name (%p) again in each forked child.  A program may have
 * written over its environment's strings by then: PostgreSQL's server processes set
 * their process title (ps's display) over the memory of argv and the environment, which
 * they copied elsewhere first (environ points at the copy), as nginx, sshd and others
 * do (setproctitle).  An option that pointed into those strings then named "" or the
 * title: in check mode all 29 server processes of a PostgreSQL run wrote "cannot open
 * the log file  (error 2)" and their reports to the server's own log
 * (docs/real-programs.md, round 6; bugs/bug_environ_overwritten).  So the text is
 * copied at start into this pool: no allocation (options are read inside the first
 * malloc), and in a file outside the default mode's (the Makefile's CORE), whose
 * .bss a process without settings keeps to few pages: only a process that sets such an
 * option touches these.  A text that does not fit stays in the environment. */
#include <stdbool.h>
#include <string.h>

#include "options.h"

static char pool[16384];   /* six paths of the longest a log pattern takes (report.c), and more */
static size_t pool_used;

extern char **environ;

/* The value of environment variable [name, name + len), or "" if it is not set. */
static const char *env_value(const char *name, size_t len) {
  for (char **e = environ; e && *e; e++)
    if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') return *e + len + 1;
  return "";
}

/* Valgrind's %q{NAME} (the value of environment variable NAME: an MPI rank's, say) is
 * replaced as the text is copied, at start, as Valgrind does, from the environment the
 * process started with; a value's '%' is doubled, so that it stays a '%' (hg_pid_path).
 * An unset NAME is "", a %q without its braces stays as it is. */
const char *hg_options_keep_text(const char *s) {
  char *copy = pool + pool_used;
  size_t room = sizeof pool - pool_used, n = 0;
  for (const char *p = s; *p; p++) {
    const char *add = p, *end;
    size_t len = 1;
    bool value = false;
    if (p[0] == '%' && p[1] == 'q' && p[2] == '{' && (end = strchr(p + 3, '}')) != NULL) {
      add = env_value(p + 3, (size_t)(end - p - 3));
      len = strlen(add);
      value = true;
      p = end;
    }
    for (size_t i = 0; i < len; i++) {
      size_t twice = value && add[i] == '%';
      if (n + 1 + twice >= room) return s;   /* no room: the text stays where it is */
      if (twice) copy[n++] = '%';
      copy[n++] = add[i];
    }
  }
  if (n >= room) return s;
  copy[n++] = '\0';
  pool_used += n;
  return copy;
}
