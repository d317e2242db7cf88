/* diag.c — check mode's output channel and error contexts (see diag.h). */
#define _GNU_SOURCE
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "guard.h"
#include "lock.h"
#include "options.h"
#include "suppress.h"
#include "thread_id.h"
#include "xml.h"

#define MAX_CONTEXTS 4096

struct context {
  const char *kind;
  uint32_t where, origin;
  size_t count;
};

static int log_fd = -1;
static bool log_to_file;   /* log_fd is HEAPGUARD_LOG_FILE's, not err_fd */
/* A copy of stderr, made at the first output: many programs close their stderr on the
 * way out (coreutils' close_stdout), before the leak report is written.  The reports go
 * there without a log file, or once the file refused a line. */
static int err_fd = -1;
static hg_lock_t open_lock HG_FORK_DATA = HG_LOCK_INIT;
/* The file log_fd was opened on (device and inode).  A program may close every
 * descriptor it did not open (close_range(3, ~0U) or closefrom: daemons do) and open
 * files of its own, one of which may get log_fd's number: the reports were written
 * into that file, and lost to the user.  Each line checks first (hg_file_same: one
 * statx; reports are rare) and opens the output again if the number is no longer it. */
static struct hg_file_id log_id;

static void note_output(int fd) { hg_file_id(fd, &log_id); }

static bool output_is_ours(int fd) { return hg_file_same(fd, &log_id); }

/* The report lock is re-entrant: printing symbolises stacks, which allocates, and an
 * allocation may find (and report) an error of its own. */
static hg_lock_t report_lock HG_FORK_DATA = HG_LOCK_INIT;
static _Atomic int report_owner HG_FORK_DATA;
static int report_depth HG_FORK_DATA;
/* Whether this thread holds the report lock (report_owner, without a gettid call). */
static __thread bool reporting;
/* The owner's cancellation state, kept off while it reports: symbolising opens files
 * (libdw reads /proc/PID/auxv and maps with open(2), a cancellation point), and a thread
 * with a deferred cancellation pending that met a heap error was cancelled in its own
 * report, holding this lock: every later report, and the summary at exit, waited for
 * ever.  glibc's malloc_stats turns cancellation off the same way. */
static int report_cancel_state;
/* And the program's limit of open files, raised while it reports (internal.h:
 * hg_files_raise): symbolising opens the program's files. */
static bool report_files_raised;
static uint64_t report_files_limit;

static hg_lock_t contexts_lock HG_FORK_DATA = HG_LOCK_INIT;
static struct context contexts[MAX_CONTEXTS];
/* Context i matched a suppression (suppress.h): counted apart, never printed.  Bits
 * beside the table, not a field in it, which would grow it by a third (the library's
 * address space at start: programs/limits). */
static uint8_t suppressed_bits[MAX_CONTEXTS / 8];
static bool is_suppressed(const struct context *c) {
  size_t i = (size_t)(c - contexts);
  return suppressed_bits[i / 8] >> (i % 8) & 1;
}
/* HEAPGUARD_ERROR_LIMIT: once this many contexts of errors the program goes on after
 * have been printed, a new one is counted (and kept in the table while it has room,
 * so that its repeats are counted too) but not printed, and is marked here: the
 * summary's list of repeats and the XML's counts leave out what the reader never saw.
 * Valgrind's number; its cut-off also stops the counting, which here stays exact. */
#define ERROR_LIMIT_SHOWN 1000
static uint8_t unshown_bits[MAX_CONTEXTS / 8];
static bool is_unshown(const struct context *c) {
  size_t i = (size_t)(c - contexts);
  return unshown_bits[i / 8] >> (i % 8) & 1;
}
static size_t nshown HG_FORK_DATA;   /* contexts printed that the limit counts */
static bool limit_said HG_FORK_DATA;
static size_t ncontexts HG_FORK_DATA, nerrors HG_FORK_DATA, ndropped HG_FORK_DATA;
/* Errors a suppression matched, and their contexts (those of them in the table too). */
static size_t nsuppressed HG_FORK_DATA, nsuppressed_contexts HG_FORK_DATA;

bool hg_diag_silent;

static int output(void) {
  if (log_fd >= 0) return log_fd;
  hg_lock(&open_lock);
  if (log_fd < 0) {
    if (err_fd < 0) err_fd = hg_stderr_copy();
    int fd = err_fd;
    /* Appended to, not emptied, when it holds this run's reports (hg_report_open): a
     * process's reports from before an exec, or the other processes' of the run. */
    if (hg_opt.log_file) {
      int file = hg_report_open(hg_opt.log_file, "log", 0);
      if (file >= 0) {
        fd = file;
        log_to_file = true;
      }
    }
    note_output(fd);
    log_fd = fd;
  }
  hg_unlock(&open_lock);
  return log_fd;
}

/* log_fd (stale) is the program's now, or closed: the log file is opened again (by its
 * name, appended to), or stderr copied again from the program's fd 2.  The stale
 * number is left alone: it is not ours to close. */
static HG_COLD int output_again(int stale) {
  int saved = errno;
  hg_lock(&open_lock);
  if (log_fd == stale) {
    int fd = log_to_file ? hg_report_open(hg_opt.log_file, "log", 0) : -1;
    if (fd < 0) {
      log_to_file = false;
      fd = err_fd = hg_stderr_copy();
    }
    note_output(fd);
    log_fd = fd;
  }
  hg_unlock(&open_lock);
  errno = saved;
  return log_fd;
}

void hg_diag_init(void) {
  output();
  hg_thread_id_start();
  /* Check and guard modes' document (sampled mode has none): here, in the settings
   * text, not in hg_check_start, the default mode's hot text, which a call more took
   * past its sixth page (programs/resident). */
  if (hg_check_on && hg_opt.xml) hg_xml_start();
}

/* The log file refused a line (a full disk, /dev/full, EIO): the reports go to stderr
 * from here on, after one line saying so, rather than nowhere while the program still
 * exits with the error exit code.  Out of line: its name buffer stays off the stack of
 * every report line. */
static HG_COLD void log_file_failed(int fd, int error, const char *line, size_t n) {
  hg_lock(&open_lock);
  if (log_to_file && log_fd == fd) {
    log_to_file = false;
    log_fd = err_fd;   /* the copy made at start: the program may have closed fd 2 since */
    note_output(err_fd);
    /* The file's name, not the pattern: "%p" became this process's id when it was
     * opened (a child with a per-process name opens its own, hg_diag_fork_child). */
    char msg[4352];
    size_t k = hg_format(msg, sizeof msg, "heapguard: cannot write the log file ");
    hg_pid_path(msg + k, 4096, hg_opt.log_file, (int)getpid());
    k += __builtin_strlen(msg + k);
    k += hg_format(msg + k, sizeof msg - k - 1, " (error %d%s): writing to stderr instead", error,
                   hg_error_words(error));
    msg[k++] = '\n';
    hg_write_all(err_fd, msg, k);
  }
  hg_unlock(&open_lock);
  hg_write_all(log_fd, line, n);
}

const char *hg_diag_mode(void) {
  /* Guard mode is check mode with guard pages: hg_check_on is set in both. */
  return hg_guard_on ? "guard mode" : hg_guard_sampling ? "sampled guard mode" : hg_check_on ? "check mode" : "heapguard";
}

/* "==pid== " + the message + a newline into line (size bytes: always room for the
 * newline); returns the length. */
static size_t format_line(char *line, size_t size, const char *fmt, va_list ap) {
  size_t n = hg_format(line, size, "==%d== ", (int)getpid());
  n += hg_vformat(line + n, size - n - 1, fmt, ap);
  line[n++] = '\n';
  return n;
}

bool hg_diag_xml_only;

/* A process's first line in a log file (--log-file) comes after two saying which
 * program it is, as Valgrind's preamble does: with a script's or make's commands each
 * writing its reports to a file named by its process id (or all to one file), a report
 * was a pid with no program to it.  Not on stderr, where the user knows what ran, nor
 * with -q.  The command line is /proc/self/cmdline's, its bytes that would break the
 * line shown as '?', cut at about 1000. */
static bool header_written HG_FORK_DATA;
static HG_COLD void write_header(int fd) {
  char cmd[1024];
  size_t n = 0;
  int in = hg_sys_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (in >= 0) {
    long got = hg_sys_read(in, cmd, sizeof cmd - 4);
    hg_sys_close(in);
    n = got > 0 ? (size_t)got : 0;
  }
  bool cut = n == sizeof cmd - 4;
  while (n && cmd[n - 1] == '\0') n--;   /* the last argument's terminator */
  for (size_t i = 0; i < n; i++)
    if (cmd[i] == '\0') cmd[i] = ' ';
    else if ((unsigned char)cmd[i] < ' ' || cmd[i] == 0x7f) cmd[i] = '?';
  if (cut) cmd[n++] = '.', cmd[n++] = '.', cmd[n++] = '.';
  cmd[n] = '\0';
  char text[1200];
  int pid = (int)getpid();
  size_t k = hg_format(text, sizeof text, "==%d== Command: %s\n", pid, n ? cmd : "(unknown)");
  k += hg_format(text + k, sizeof text - k, "==%d== Parent PID: %d\n", pid, (int)syscall(SYS_getppid));   /* (syscall: no import more) */
  hg_write_all(fd, text, k);
}

/* Line [0, n) to the text output (stderr or the log file). */
static void write_text(const char *line, size_t n) {
  int fd = output();
  if (hg_unlikely(!output_is_ours(fd))) fd = output_again(fd);
  if (hg_unlikely(log_to_file && !header_written)) {
    header_written = true;
    if (!hg_opt.quiet) write_header(fd);
  }
  int error = hg_write_all(fd, line, n);
  if (hg_unlikely(error) && log_to_file) log_file_failed(fd, error, line, n);
}

void hg_diag_line(const char *fmt, ...) {
  if (hg_diag_silent) return;
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  size_t n = format_line(line, sizeof line, fmt, ap);
  va_end(ap);
  if (hg_unlikely(hg_diag_xml_only)) {
    if (hg_xml_on && reporting) hg_xml_line(line, n);
    return;
  }
  write_text(line, n);
  /* (The reporting thread's lines only: another's, outside any report, is no part of
   * the error being written.) */
  if (hg_unlikely(hg_xml_on) && reporting) hg_xml_line(line, n);
}

void hg_diag_text(const char *fmt, ...) {
  if (hg_diag_silent) return;
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  size_t n = hg_vformat(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  line[n++] = '\n';
  write_text(line, n);
}

/* The thread of the last error printed: Valgrind's count starts at 1, so a program
 * whose errors are all the main thread's never sees the line.  (The report lock's.) */
static uint32_t last_thread_printed = 1;

void hg_diag_thread(const struct hg_thread_id *t) {
  if (hg_diag_silent || !t->number || t->number == last_thread_printed) return;
  last_thread_printed = t->number;
  if (hg_diag_xml_only) return;   /* the document has it as <tid> */
  char line[128];
  size_t n = hg_format(line, sizeof line - 1, "==%d== Thread %u%s%s:", (int)getpid(), t->number,
                       t->name[0] ? " " : "", t->name);
  line[n++] = '\n';
  write_text(line, n);
}

void hg_diag_line_raw(const char *fmt, ...) {
  if (hg_diag_silent) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  size_t n = format_line(line, sizeof line, fmt, ap);
  va_end(ap);
  int fd = __atomic_load_n(&log_fd, __ATOMIC_RELAXED);
  if (fd < 0) fd = err_fd >= 0 ? err_fd : 2;
  hg_write_all(fd, line, n);
}

void hg_diag_lock(void) {
  int self = (int)gettid();
  if (atomic_load_explicit(&report_owner, memory_order_relaxed) != self) {
    int cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    hg_lock(&report_lock);
    atomic_store_explicit(&report_owner, self, memory_order_relaxed);
    reporting = true;
    report_cancel_state = cancel_state;
    report_files_raised = hg_files_raise(&report_files_limit);
  }
  report_depth++;
}

bool hg_diag_reporting(void) { return reporting; }

void hg_diag_unlock(void) {
  /* The errors found while this report was printed, after it (check.h), the lock still
   * held: no other report comes between. */
  if (report_depth == 1) {
    hg_check_report_deferred();
    if (hg_xml_on) hg_xml_report_end();
  }
  if (--report_depth == 0) {
    int cancel_state = report_cancel_state;
    if (report_files_raised) hg_files_restore(report_files_limit);
    reporting = false;
    atomic_store_explicit(&report_owner, 0, memory_order_relaxed);
    hg_unlock(&report_lock);
    pthread_setcancelstate(cancel_state, NULL);
  }
}

/* The context (contexts_lock held), or NULL. */
static struct context *find_context(const char *kind, uint32_t where, uint32_t origin) {
  for (size_t i = 0; i < ncontexts; i++) {
    struct context *c = &contexts[i];
    /* Kinds are string constants: one pointer per kind. */
    if (c->kind == kind && c->where == where && c->origin == origin) return c;
  }
  return NULL;
}

/* One more error of context c (contexts_lock held): 0, or -1 if it is suppressed. */
static int repeat(struct context *c) {
  c->count++;
  if (is_suppressed(c)) {
    nsuppressed++;
    return -1;
  }
  nerrors++;
  return 0;
}

int hg_diag_error_site(const char *kind, uint32_t where, uint32_t origin, const struct hg_supp_site *site) {
  if (hg_diag_silent) return 0;
  hg_lock(&contexts_lock);
  struct context *c = find_context(kind, where, origin);
  if (c) {
    int r = repeat(c);
    hg_unlock(&contexts_lock);
    return r;
  }
  bool suppressed = false, matched = false;
  if (site && hg_supp_loaded) {
    /* A new context: matched once, outside the contexts' lock (symbolising allocates,
     * and an allocation may find an error of its own), inside the report lock, as a
     * report's symbolising is (what an allocation there finds waits for its end); the
     * table looked at again after, for another thread's error of the same context. */
    hg_unlock(&contexts_lock);
    hg_diag_lock();
    matched = true;
    suppressed = hg_supp_match(kind, site);
    hg_lock(&contexts_lock);
    c = find_context(kind, where, origin);
  }
  int r = 1;
  /* Errors the program goes on after, the ones a suppression may match (a site), are
   * limited; a leak record or a fatal error never is. */
  bool limited = site && strcmp(kind, "memory-leak") != 0;
  bool over_limit = !c && !suppressed && limited && hg_opt.error_limit && nshown >= ERROR_LIMIT_SHOWN;
  bool say_limit = over_limit && !limit_said;
  if (say_limit) limit_said = true;
  if (c) {
    r = repeat(c);
  } else if (ncontexts < MAX_CONTEXTS) {
    if (suppressed) suppressed_bits[ncontexts / 8] |= (uint8_t)(1u << (ncontexts % 8));
    if (over_limit) unshown_bits[ncontexts / 8] |= (uint8_t)(1u << (ncontexts % 8));
    contexts[ncontexts++] = (struct context){ kind, where, origin, 1 };
  } else if (!suppressed) {
    ndropped++;   /* table full: counted as a context of its own (printed, within the limit) */
  }
  if (!c && suppressed) {
    nsuppressed++;
    nsuppressed_contexts++;
    r = -1;
  } else if (!c) {
    nerrors++;
    if (over_limit) r = 0;
    else if (limited) nshown++;
  }
  hg_unlock(&contexts_lock);
  if (matched) hg_diag_unlock();
  if (say_limit) {   /* (in the report lock: never inside another thread's report) */
    hg_diag_lock();
    hg_diag_line("More than %d different errors reported: the errors of new contexts from here on are",
                 ERROR_LIMIT_SHOWN);
    hg_diag_line("counted in the ERROR SUMMARY but not printed (--error-limit=no prints them all).");
    hg_diag_unlock();
  }
  return r;
}

bool hg_diag_error(const char *kind, uint32_t where, uint32_t origin) {
  return hg_diag_error_site(kind, where, origin, NULL) > 0;
}

bool hg_diag_suppressed(const char *kind, const struct hg_supp_site *site) {
  hg_diag_lock();
  bool matched = hg_supp_match(kind, site);
  if (matched) {
    hg_lock(&contexts_lock);
    nsuppressed++;
    nsuppressed_contexts++;
    hg_unlock(&contexts_lock);
  }
  hg_diag_unlock();
  return matched;
}

void hg_diag_suppression(const char *kind, const struct hg_supp_site *site) {
  if (hg_opt.gen_suppressions) hg_supp_print(kind, site);
}

size_t hg_diag_context_number(const char *kind, uint32_t where, uint32_t origin) {
  hg_lock(&contexts_lock);
  const struct context *c = find_context(kind, where, origin);
  size_t number = c ? (size_t)(c - contexts) : SIZE_MAX;
  hg_unlock(&contexts_lock);
  return number;
}

/* The document's end (xml.h): each context's count, but a leak's or a crash's (as
 * Memcheck's, whose <errorcounts> has no leak: each leak record is an error of its
 * own), and the suppressions used.  contexts_lock held. */
static void xml_summary(void) {
  hg_xml_finish_begin();
  for (size_t i = 0; i < ncontexts; i++) {
    const char *kind = contexts[i].kind;
    if (is_suppressed(&contexts[i]) || is_unshown(&contexts[i]) || strcmp(kind, "memory-leak") == 0 ||
        strcmp(kind, "fatal-signal") == 0)
      continue;
    hg_xml_count(contexts[i].count, i);
  }
  hg_xml_counts_end();
  if (hg_supp_loaded) hg_supp_print_used(true);
  hg_xml_finish_end();
}

size_t hg_diag_error_count(void) {
  hg_lock(&contexts_lock);
  size_t n = nerrors;
  hg_unlock(&contexts_lock);
  return n;
}

static void summary_text(void);

void hg_diag_summary(void) {
  if (hg_diag_silent) return;
  hg_diag_lock();
  hg_lock(&contexts_lock);
  hg_fault_test_point();   /* the tests' fault in a report (fault.c) */
  if (!hg_opt.quiet) summary_text();
  if (hg_xml_on) xml_summary();
  hg_unlock(&contexts_lock);
  hg_diag_unlock();
}

/* The repeated contexts and the ERROR SUMMARY line (contexts_lock held). */
static void summary_text(void) {
  size_t repeated = 0, number = 0;
  for (size_t i = 0; i < ncontexts; i++) {
    if (is_suppressed(&contexts[i])) continue;
    number++;
    if (contexts[i].count < 2 || is_unshown(&contexts[i])) continue;
    if (repeated++ == 0) hg_diag_line("Errors seen more than once (reported once each):");
    hg_diag_line("   %zu times: %s (context %zu)", contexts[i].count, contexts[i].kind, number);
  }
  if (hg_supp_loaded) {   /* Valgrind's form; without suppressions, the summary as it was */
    hg_supp_print_used(false);
    hg_diag_line("ERROR SUMMARY: %zu errors from %zu contexts (suppressed: %zu from %zu)", nerrors,
                 number + ndropped, nsuppressed, nsuppressed_contexts);
  } else {
    hg_diag_line("ERROR SUMMARY: %zu errors from %zu contexts", nerrors, ncontexts + ndropped);
  }
}

void hg_diag_fork_child(void) {
  hg_lock_reset(&open_lock);
  hg_lock_reset(&report_lock);
  hg_lock_reset(&contexts_lock);
  atomic_store_explicit(&report_owner, 0, memory_order_relaxed);
  report_depth = 0;
  reporting = false;
  /* A per-process log name gets a file of its own; a shared name keeps the fd.  The
   * name is read as the parent read it (hg_pid_path: "%%" is a literal '%', so
   * "log.%%p" is one shared file named "log.%p"). */
  if (hg_opt.log_file && log_fd > 2) {
    if (hg_pid_path(NULL, 0, hg_opt.log_file, 0)) {
      if (log_fd != err_fd && output_is_ours(log_fd)) hg_sys_close(log_fd);
      log_fd = -1;
      log_to_file = false;
    }
  }
  if (hg_xml_on) hg_xml_fork_child();
  if (hg_supp_loaded) __builtin_memset(suppressed_bits, 0, sizeof suppressed_bits);
  if (nshown >= ERROR_LIMIT_SHOWN) __builtin_memset(unshown_bits, 0, sizeof unshown_bits);
  ncontexts = nerrors = ndropped = nsuppressed = nsuppressed_contexts = nshown = 0;
  header_written = false;   /* the child's lines get its own (its pid, its parent) */
  limit_said = false;
  if (hg_supp_loaded) hg_supp_fork_child();
}
