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
#include <string.h>

#include "options.h"

static char pool[16384];   /* six paths of the longest a log pattern takes (report.c), and more */
static size_t pool_used;

const char *hg_options_keep_text(const char *s) {
  size_t n = strlen(s) + 1;
  if (n > sizeof pool - pool_used) return s;
  char *copy = pool + pool_used;
  memcpy(copy, s, n);
  pool_used += n;
  return copy;
}
