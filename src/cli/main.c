/* main.c — heapguard's command line: commands, their options, help, validation.
 *
 *   heapguard run|check|guard [options] [--] program [args...]
 *
 * Each command is an entry of `commands`, with its own option table; every option sets
 * one HEAPGUARD_* environment variable, validated here with the library's syntax (the
 * library reads it in the program).  Adding a command is one table entry plus its
 * option list. */
#include "cli.h"
#include "../numparse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- values: the same syntax as the library's src/options.c ---------------------- */

enum value_type {
  VALUE_PATH,   /* any non-empty text */
  VALUE_SIZE,   /* bytes, with K/KiB, M/MiB, G/GiB suffixes; at most max */
  VALUE_COUNT,  /* a whole number from 0 to max */
  VALUE_WORD,   /* one of words */
  VALUE_FLAG,   /* takes no value: sets env to `sets` (--calls, --json) */
  VALUE_SIGNAL, /* a signal name or number, as HEAPGUARD_STATS_SIGNAL takes */
  VALUE_KINDS,  /* a set of leak kinds, as HEAPGUARD_SHOW_LEAK_KINDS takes */
  VALUE_HEURISTICS, /* a set of leak check heuristics (HEAPGUARD_LEAK_CHECK_HEURISTICS) */
  VALUE_SUPP,   /* a suppression file (suppressions.c), repeatable: the files join with ':' */
};

struct cli_option {
  const char *name;      /* without the leading "--" */
  const char *env;       /* the variable it sets */
  enum value_type type;
  const char *metavar;   /* shown in the help: --name=METAVAR */
  const char *def;       /* the library's default, as the help shows it */
  size_t max;            /* VALUE_SIZE, VALUE_COUNT */
  const char *const *words;  /* VALUE_WORD, NULL-terminated */
  const char *help;
  const char *sets;      /* VALUE_FLAG: the value it gives env */
};

/* The longest file name the library opens (its buffer, report.c: hg_report_open); a
 * longer one is refused there too, with one line, the reports going to stderr. */
#define PATH_BYTES_MAX 4095

/* At p, Valgrind's %q{NAME}, which the library replaces by environment variable NAME's
 * value at the start of each process (options_text.c): the characters it takes (0 if p
 * is not one) and, in *value, NAME's value here ("" if unset). */
static size_t env_reference(const char *p, const char **value) {
  const char *end;
  if (p[0] != '%' || p[1] != 'q' || p[2] != '{' || !(end = strchr(p + 3, '}'))) return 0;
  char name[256];
  snprintf(name, sizeof name, "%.*s", (int)(end - p - 3), p + 3);
  *value = getenv(name);
  if (!*value) *value = "";
  return (size_t)(end - p) + 1;
}

/* The bytes of file name pattern once the library expands it (%p: a process id, %u:
 * a user id, up to 10 digits each; %%: one '%'; %q{NAME}: NAME's value here). */
static size_t path_bytes(const char *pattern) {
  size_t n = 0, k;
  const char *value;
  for (const char *p = pattern; *p; p++, n++) {
    if ((k = env_reference(p, &value)) != 0) n += strlen(value) - 1, p += k - 1;
    else if (p[0] == '%' && (p[1] == 'p' || p[1] == 'u')) n += 9, p++;
    else if (p[0] == '%' && p[1] == '%') p++;
  }
  return n;
}

/* Whether value is valid for o; if not, *expected says what would be. */
static bool valid_value(const struct cli_option *o, const char *value, char *expected, size_t size) {
  size_t v;
  switch (o->type) {
  case VALUE_PATH:
    snprintf(expected, size, "a file name");
    return *value != '\0';
  case VALUE_SIZE:
    if (o->max == SIZE_MAX)
      snprintf(expected, size, "a size in bytes such as 65536, 64K or 2MiB");
    else
      snprintf(expected, size, "a size of at most %zu bytes", o->max);
    return hg_parse_size(value, &v) && v <= o->max;
  case VALUE_COUNT:
    snprintf(expected, size, "a whole number from 0 to %zu", o->max);
    return hg_parse_digits(&value, &v) && *value == '\0' && v <= o->max;
  case VALUE_FLAG:
    snprintf(expected, size, "no value");
    return false;
  case VALUE_SUPP:   /* (read and parsed by parse_options) */
    snprintf(expected, size, "a file name");
    return *value != '\0';
  case VALUE_SIGNAL:
    snprintf(expected, size, "a signal name such as USR1 or a number, not of a fault, KILL "
                             "or STOP (0 or off: none)");
    return hg_parse_signal(value, &v);
  case VALUE_KINDS: {
    unsigned kinds;
    snprintf(expected, size, "definite, indirect, possible and reachable, any of them "
                             "separated by commas, or all or none");
    return hg_parse_leak_kinds(value, strlen(value), &kinds);
  }
  case VALUE_HEURISTICS: {
    unsigned heuristics;
    snprintf(expected, size, "stdstring, length64, newarray and multipleinheritance, any of "
                             "them separated by commas, or all or none");
    return hg_parse_heuristics(value, strlen(value), &heuristics);
  }
  case VALUE_WORD: {   /* "no, summary or full" */
    size_t n = 0;
    for (const char *const *w = o->words; *w; w++)
      if (n < size)
        n += (size_t)snprintf(expected + n, size - n, "%s%s", w == o->words ? "" : w[1] ? ", " : " or ", *w);
    for (const char *const *w = o->words; *w; w++)
      if (strcmp(value, *w) == 0) return true;
    return false;
  }
  }
  return false;
}

/* ---- the commands ---------------------------------------------------------------- */

static const char *const leak_check_words[] = { "no", "summary", "full", NULL };
static const char *const gen_suppressions_words[] = { "no", "all", NULL };

/* Every command that runs a program: whether the programs it runs in turn get
 * heapguard too (Valgrind's name and words; its default is no, heapguard's yes). */
static const char *const yes_no_words[] = { "yes", "no", NULL };
#define CHILDREN_OPTION                                                                       \
  { "trace-children", "HEAPGUARD_CHILDREN", VALUE_WORD, "yes|no", "yes", 0, yes_no_words,     \
    "yes: the programs the program runs (exec, posix_spawn, system, popen; a shell's "       \
    "commands) run with heapguard too, each with its own report; no: only the program "      \
    "named (and its forked children that do not exec), as Valgrind's default", NULL }
/* The commands whose forked children report: check, guard, run (sampled) and stats. */
#define CHILD_SILENT_OPTION                                                                   \
  { "child-silent-after-fork", "HEAPGUARD_CHILD_SILENT_AFTER_FORK", VALUE_WORD, "yes|no", "no", \
    0, yes_no_words,                                                                          \
    "yes: a forked child that has not exec'd prints nothing (no error report, crash report, " \
    "exit-time check or leak scan: not run, summary or stats table) and exits with its own "  \
    "status, not the error exit code; what it execs reports as usual; as Valgrind's", NULL }

static const struct cli_option stats_options[] = {
  { "json", "HEAPGUARD_STATS", VALUE_FLAG, NULL, NULL, 0, NULL,
    "print the stats as one JSON object (the timeline's \"final\" record) instead of a table",
    "json" },
  { "output", "HEAPGUARD_STATS_FILE", VALUE_PATH, "FILE", "stderr", 0, NULL,
    "write the stats to FILE instead of standard error; %p in FILE becomes the process id, "
    "%u the user id", NULL },
  { "timeline", "HEAPGUARD_TIMELINE", VALUE_PATH, "FILE", "off", 0, NULL,
    "also sample the figures during the run into FILE, as JSON Lines (for heapguard "
    "report); %p in FILE becomes the process id, %u the user id", NULL },
  { "signal", "HEAPGUARD_STATS_SIGNAL", VALUE_SIGNAL, "SIG", "off", 0, NULL,
    "also print the stats whenever the program gets signal SIG (a name such as USR1 or "
    "a number; not a fault's such as SEGV, KILL or STOP): at once, or by the next "
    "allocation if the allocator is busy", NULL },
  { "interval", "HEAPGUARD_TIMELINE_MS", VALUE_COUNT, "MS", "10", HG_MAX_TIMELINE_MS, NULL,
    "at most one timeline sample per MS milliseconds, 0 to 3600000 (samples are taken by "
    "allocations)",
    NULL },
  CHILDREN_OPTION,
  CHILD_SILENT_OPTION,
};
static const char *const stats_defaults[] = { "HEAPGUARD_STATS=text", NULL };

/* Check mode's options, which guard mode shares. */
#define CHECK_OPTIONS                                                                         \
  { "log-file", "HEAPGUARD_LOG_FILE", VALUE_PATH, "PATH", "stderr", 0, NULL,                  \
    "write reports to PATH instead of standard error; %p in PATH becomes the process "        \
    "id, so each process of a program writes its own file; without it they all append to "   \
    "PATH (a file left by an earlier run is emptied first); %u becomes the user id (a "       \
    "process that changes user, as runuser's does, cannot reopen another user's file)",       \
    NULL },                                                                                   \
  { "xml", "HEAPGUARD_XML", VALUE_WORD, "yes|no", "no", 0, yes_no_words,                      \
    "yes: also write the errors as Valgrind's XML (protocol 4, Memcheck's kinds: what CI "   \
    "plugins and IDEs read) to --xml-file, which it needs; the text reports are still "      \
    "written (unlike Valgrind's)", NULL },                                                    \
  { "xml-file", "HEAPGUARD_XML_FILE", VALUE_PATH, "PATH", "off", 0, NULL,                     \
    "with --xml=yes, the XML file: one document per process, so put %p (the process id) "   \
    "in PATH when the program forks or runs others (without it only the first process "      \
    "writes one, and the others say so); %u becomes the user id", NULL },                    \
  { "leak-check", "HEAPGUARD_LEAK_CHECK", VALUE_WORD, "no|summary|full", "full", 0,           \
    leak_check_words,                                                                         \
    "at exit: no leak scan, totals only, or every leak grouped by allocation stack", NULL },  \
  { "show-leak-kinds", "HEAPGUARD_SHOW_LEAK_KINDS", VALUE_KINDS, "KINDS", "definite,indirect", \
    0, NULL,                                                                                  \
    "with --leak-check=full, the leaks printed with their allocation stack: definite, "      \
    "indirect, possible (reached only through pointers into blocks' middles), reachable, "   \
    "separated by commas, or all or none; reachable shows what holds memory at exit", NULL }, \
  { "errors-for-leak-kinds", "HEAPGUARD_ERRORS_FOR_LEAK_KINDS", VALUE_KINDS, "KINDS",         \
    "definite,indirect", 0, NULL,                                                             \
    "the leaks counted as errors, towards the ERROR SUMMARY and --error-exitcode (counted "   \
    "even when --show-leak-kinds does not print them); the same words", NULL },              \
  { "leak-check-heuristics", "HEAPGUARD_LEAK_CHECK_HEURISTICS", VALUE_HEURISTICS, "SET", "all", \
    0, NULL,                                                                                  \
    "the pointers into a block's middle taken for pointers to its start, as Valgrind's: "    \
    "stdstring (after an old-ABI std::string's header), length64 (after a word holding the " \
    "block's size less 8), newarray (after a C++ new[] array's element count), "             \
    "multipleinheritance (at an object's second vtable pointer), separated by commas, or "   \
    "all or none; the summary counts the blocks they made reachable", NULL },                \
  { "quarantine", "HEAPGUARD_QUARANTINE", VALUE_SIZE, "SIZE", "64M", SIZE_MAX, NULL,          \
    "freed blocks are held, poisoned, until this many bytes are waiting, so uses "            \
    "after free and double frees are caught; K/KiB, M/MiB, G/GiB suffixes", NULL },           \
  { "redzone", "HEAPGUARD_REDZONE", VALUE_SIZE, "BYTES", "16", HG_MAX_REDZONE, NULL,          \
    "guard bytes on each side of every block, rounded up to 16; at most 4096", NULL },        \
  { "stack-depth", "HEAPGUARD_STACK_DEPTH", VALUE_COUNT, "N", "12", HG_MAX_STACK_DEPTH, NULL, \
    "frames recorded per allocation and free, 0 to 64 (0: none), and most frames printed "   \
    "per stack, a function inlined into its caller counting as one (Valgrind's "              \
    "--num-callers)", NULL },                                                                 \
  { "demangle", "HEAPGUARD_DEMANGLE", VALUE_WORD, "yes|no", "yes", 0, yes_no_words,            \
    "yes: C++ names in the reports' stacks are demangled (app::make(int)), as Valgrind's; "  \
    "no: printed as the object file has them (_ZN3app4makeEi); suppressions match the "      \
    "mangled names either way", NULL },                                                       \
  { "read-inline-info", "HEAPGUARD_READ_INLINE_INFO", VALUE_WORD, "yes|no", "yes", 0,          \
    yes_no_words,                                                                             \
    "yes: a function inlined into its caller is a frame of its own in the reports' stacks "  \
    "(the same address; the caller's frame at the line of the call), as Valgrind's, and "   \
    "counts towards --stack-depth's frames printed; no: the caller's name only, at the "     \
    "inlined function's line", NULL },                                                        \
  { "error-exitcode", "HEAPGUARD_ERROR_EXITCODE", VALUE_COUNT, "N", "99", HG_MAX_EXITCODE,       \
    NULL,                                                                                     \
    "exit status, 0 to 255, of a program in which errors were found (0: keep the "            \
    "program's own)", NULL },                                                                 \
  { "error-limit", "HEAPGUARD_ERROR_LIMIT", VALUE_WORD, "yes|no", "yes", 0, yes_no_words,      \
    "yes: after 1000 different errors have been reported, new ones are counted (in the "      \
    "ERROR SUMMARY and towards --error-exitcode) but not printed, after a line saying so "    \
    "(leaks and fatal errors are always printed); no: every error is printed. Valgrind's "    \
    "option", NULL },                                                                         \
  { "quiet", "HEAPGUARD_QUIET", VALUE_FLAG, NULL, NULL, 0, NULL,                              \
    "print the errors (loss records among them) and nothing else: no LEAK SUMMARY, list of "  \
    "repeated errors or ERROR SUMMARY, so that a clean run prints nothing (warnings still "   \
    "do); -q, as Valgrind's", "1" },                                                          \
  { "suppressions", "HEAPGUARD_SUPPRESSIONS", VALUE_SUPP, "FILE", "off", 0, NULL,             \
    "a suppression file in Valgrind's syntax (Memcheck:Leak, heapguard:double-free, "        \
    "fun:, obj:, src:, ..., * and ? wildcards), checked before the program runs; "            \
    "repeatable: the files join with ':'; an error a suppression matches is not reported "   \
    "and does not count towards the error exit status", NULL },                              \
  { "gen-suppressions", "HEAPGUARD_GEN_SUPPRESSIONS", VALUE_WORD, "no|all", "no", 0,         \
    gen_suppressions_words,                                                                   \
    "all: after each error, print the suppression that matches it, ready to paste into a "   \
    "suppression file (Valgrind's interactive yes is refused)", NULL },

static const struct cli_option check_options[] = {
  CHECK_OPTIONS
  /* not guard mode's: there every freed block is made inaccessible */
  { "protect-min", "HEAPGUARD_PROTECT_MIN", VALUE_SIZE, "SIZE", "256K", SIZE_MAX, NULL,
    "a freed block with at least this many bytes of whole pages in its first MiB has "
    "them made inaccessible while quarantined, so reads and writes after free there "
    "fault at once and are reported with their stack (0: never, poison only; only "
    "while it is at most a quarter of --quarantine); K/KiB, M/MiB, G/GiB suffixes", NULL },
  CHILDREN_OPTION,
  CHILD_SILENT_OPTION,
};

static const char *const guard_side_words[] = { "after", "before", NULL };
static const char *const guard_align_words[] = { "1", "2", "4", "8", "16", NULL };
static const struct cli_option guard_options[] = {
  { "guard-side", "HEAPGUARD_GUARD_SIDE", VALUE_WORD, "after|before", "after", 0, guard_side_words,
    "put the inaccessible page after each block (overflows fault) or before it "
    "(underflows fault)", NULL },
  { "guard-align", "HEAPGUARD_GUARD_ALIGN", VALUE_WORD, "1|2|4|8|16", "16", 0, guard_align_words,
    "least alignment of a block from malloc, calloc or realloc, which is aligned to the "
    "largest power of two dividing its size, at least this and at most 16, so that it ends "
    "flush against the guard page when its size is a multiple of this: 16 is glibc's and "
    "what C promises a block of 16 bytes or more; 8 and less (1 catches every overread) "
    "break programs that rely on it with aligned SSE accesses (Python's ctypes, Rust's "
    "HashMap)", NULL },
  CHECK_OPTIONS
  CHILDREN_OPTION,
  CHILD_SILENT_OPTION,
};

static const struct cli_option run_options[] = {
  { "sample-rate", "HEAPGUARD_SAMPLE_RATE", VALUE_COUNT, "N", "0", HG_MAX_SAMPLE_RATE, NULL,
    "sampled guard mode: one allocation in N, chosen at random, is placed against an "
    "inaccessible page and reported like guard mode's if misused (0: off; at most "
    "1099511627776, 2^40)",
    NULL },
  { "sample-budget", "HEAPGUARD_SAMPLE_BUDGET", VALUE_COUNT, "N", "1000", HG_MAX_SAMPLE_BUDGET, NULL,
    "sampled guard mode: at most N samples a second, the threads together (bursts of N/4), "
    "so that a program making millions of allocations a second is sampled less often than "
    "one in --sample-rate instead of slowed down (0: no bound; at most 1000000000)", NULL },
  { "sample-max", "HEAPGUARD_SAMPLE_MAX", VALUE_COUNT, "N", "512", HG_MAX_SAMPLE_MAX, NULL,
    "sampled guard mode: most sampled blocks at once, alive or freed and waiting in the "
    "quarantine (each costs two pages of address space and at most one of memory); at "
    "most 1048576", NULL },
  { "sample-quarantine", "HEAPGUARD_SAMPLE_QUARANTINE", VALUE_COUNT, "N", "64",
    HG_MAX_SAMPLE_QUARANTINE, NULL,
    "sampled guard mode: most freed sampled blocks kept inaccessible, each with a page of "
    "memory (at most half of --sample-max): a use after free faults while its block is "
    "there, about N times the sample rate frees after the free (0: none; at most 524288)",
    NULL },
  { "sample-align", "HEAPGUARD_SAMPLE_ALIGN", VALUE_WORD, "1|2|4|8|16", "16", 0, guard_align_words,
    "least alignment of a sampled block, as --guard-align is guard mode's: 16, glibc's, "
    "keeps programs that rely on it working (clang's operator new, SSE stores); less "
    "catches overreads closer to a block's end", NULL },
  /* Sampled guard mode's reports are guard mode's: the same ways to direct, deepen and
   * suppress them (the default mode's one-line messages always go to stderr). */
  { "log-file", "HEAPGUARD_LOG_FILE", VALUE_PATH, "PATH", "stderr", 0, NULL,
    "sampled guard mode: write its reports to PATH instead of standard error (the "
    "default mode's one-line messages, a double free's, stay there); %p in PATH becomes "
    "the process id, so each process of a program writes its own file; %u the user id",
    NULL },
  { "stack-depth", "HEAPGUARD_STACK_DEPTH", VALUE_COUNT, "N", "12", HG_MAX_STACK_DEPTH, NULL,
    "sampled guard mode: frames recorded per sampled allocation and free, 0 to 64 (0: "
    "none)", NULL },
  { "demangle", "HEAPGUARD_DEMANGLE", VALUE_WORD, "yes|no", "yes", 0, yes_no_words,
    "sampled guard mode: C++ names in its reports' stacks demangled (yes) or not (no), as "
    "check mode's", NULL },
  { "read-inline-info", "HEAPGUARD_READ_INLINE_INFO", VALUE_WORD, "yes|no", "yes", 0, yes_no_words,
    "sampled guard mode: inlined functions shown as frames of their own (yes) or not (no), "
    "as check mode's", NULL },
  { "error-exitcode", "HEAPGUARD_ERROR_EXITCODE", VALUE_COUNT, "N", "99", HG_MAX_EXITCODE, NULL,
    "sampled guard mode: exit status, 0 to 255, of a program stopped by a bad access to a "
    "sampled block (0: it dies by the signal); an error found at a call (a double free) "
    "stops it with SIGABRT", NULL },
  { "suppressions", "HEAPGUARD_SUPPRESSIONS", VALUE_SUPP, "FILE", "off", 0, NULL,
    "sampled guard mode: a suppression file in Valgrind's syntax, as check mode's; "
    "repeatable: the files join with ':'; an error in a sampled block that a suppression "
    "matches is not reported and does not stop the program", NULL },
  { "gen-suppressions", "HEAPGUARD_GEN_SUPPRESSIONS", VALUE_WORD, "no|all", "no", 0,
    gen_suppressions_words,
    "sampled guard mode: all: after each error, print the suppression that matches it, "
    "ready to paste into a suppression file", NULL },
  CHILDREN_OPTION,
  CHILD_SILENT_OPTION,
};

static const struct cli_option trace_options[] = {
  { "calls", "HEAPGUARD_TRACE_CALLS", VALUE_FLAG, NULL, NULL, 0, NULL,
    "also trace every malloc, free, calloc, realloc and memalign-family call, with "
    "its arguments and result, each followed by the kernel calls it caused", "1" },
  { "output", "HEAPGUARD_TRACE", VALUE_PATH, "FILE", "stderr", 0, NULL,
    "write the trace to FILE instead of standard error; %p in FILE becomes the process "
    "id, so each process of the program writes its own file; %u the user id, so a process "
    "that changes user and execs (runuser, su) continues in a file of its own", NULL },
  CHILDREN_OPTION,
};
static const char *const trace_defaults[] = { "HEAPGUARD_TRACE=stderr", NULL };

/* trace --output=FILE without %p: the program's processes append to FILE, so it is
 * emptied once here, before the program starts.  Only a regular file (or a new one):
 * opening a FIFO here waited for its reader, then closing it gave the reader its end
 * of file, and the program's trace found none (and /dev/null needs no emptying). */
static void trace_fresh_output(void) {
  const char *pattern = getenv("HEAPGUARD_TRACE");
  if (!pattern || !*pattern || strcmp(pattern, "stderr") == 0 || strstr(pattern, "%p")) return;
  /* the name the program's first process opens: %u its user id (this one's), %% a '%' */
  char out[PATH_BYTES_MAX + 1];
  size_t n = 0;
  for (const char *p = pattern; *p && n + 10 < sizeof out; p++) {
    const char *value;
    size_t k = env_reference(p, &value);
    if (k) {
      n += (size_t)snprintf(out + n, sizeof out - n, "%s", value);
      if (n >= sizeof out) n = sizeof out - 1;
      p += k - 1;
      continue;
    }
    if (p[0] == '%' && p[1] == 'u') {
      n += (size_t)snprintf(out + n, sizeof out - n, "%u", (unsigned)geteuid());
      p++;
      continue;
    }
    if (p[0] == '%' && p[1] == '%') p++;
    out[n++] = *p;
  }
  out[n] = '\0';
  struct stat st;
  if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) return;
  FILE *f = fopen(out, "w");
  if (!f) cli_fail("cannot write the trace to %s: %s", out, strerror(errno));
  fclose(f);
}

struct command {
  const char *name;
  const char *mode;   /* HEAPGUARD_MODE for the program */
  const char *summary;
  const char *description;
  const struct cli_option *options;
  size_t n_options;
  /* "NAME=value" settings made before the options are read (an option may override
   * them; a variable the user already set is kept); NULL-terminated, or NULL. */
  const char *const *env_defaults;
  /* A command that runs no program (report): it gets the arguments after its name
   * and its return value is the exit status.  NULL for the program-running ones. */
  int (*main)(int argc, char **argv);
  /* What it cannot do to a program the library cannot be preloaded into ("check"), which
   * it then does not run (status 126): its reports would be missing, not clean.  NULL:
   * the program runs all the same, with a warning (see refusal()). */
  const char *cannot;
};

#define OPTIONS(table) (table), sizeof(table) / sizeof *(table)

static const struct command commands[] = {
  { "run", "run", "run a program with heapguard as its allocator",
    "Runs program with libheapguard.so preloaded (LD_PRELOAD) as its allocator: fast,\n"
    "and a double free or an invalid free is reported and stops the program.  With\n"
    "--sample-rate=N, one allocation in N is guarded as in guard mode, for production.",
    OPTIONS(run_options), NULL, NULL, NULL },
  { "check", "check", "run a program in check mode: memory errors and leaks reported",
    "Runs program with libheapguard.so preloaded in check mode: uses after free,\n"
    "overflows into redzones, double and invalid frees are reported with the stacks\n"
    "of the allocation and free, and leaks at exit.",
    OPTIONS(check_options), NULL, NULL, "check" },
  { "guard", "guard", "run a program in guard mode: bad reads and writes fault at once",
    "Runs program with libheapguard.so preloaded in guard mode: check mode with every\n"
    "block placed against an inaccessible page, and freed blocks made inaccessible, so\n"
    "that a read or write past the end or after free faults at the instruction doing it\n"
    "and is reported with the stacks of the access, the allocation and the free; leaks\n"
    "and double frees are reported as in check mode.  Costs a page or more per block.",
    OPTIONS(guard_options), NULL, NULL, "check" },
  { "stats", "run", "run a program and show where its memory went, at exit",
    "Runs program with libheapguard.so preloaded and, when it exits, prints a table of\n"
    "bytes requested, in use, free and mapped from the kernel, internal fragmentation\n"
    "per size class, external fragmentation, counts of calls and kernel calls, and the\n"
    "per-thread caches.  Every process of the program prints its own (run by a shell,\n"
    "each command does; with --trace-children=no, only the program and its forks).",
    OPTIONS(stats_options), stats_defaults, NULL, "show the stats of" },
  { "trace", "run", "run a program and show every call its allocator makes to the kernel",
    "Runs program with libheapguard.so preloaded and writes a line for every call the\n"
    "allocator makes to the kernel (brk, mmap, munmap, madvise, mremap, mprotect): the\n"
    "call with its arguments and result as strace shows it, and why it was made.\n"
    "With --calls, also every malloc, free, ... call (not in check mode).",
    OPTIONS(trace_options), trace_defaults, NULL, "trace" },
  { "report", NULL, "render a timeline (stats --timeline) as an HTML page with plots",
    cli_report_help, NULL, 0, NULL, cli_report_main, NULL },
};

#define N_COMMANDS (sizeof commands / sizeof *commands)

static const struct command *find_command(const char *name) {
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

/* ---- messages and help ----------------------------------------------------------- */

static void message(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void message(const char *fmt, va_list ap) {
  fputs("heapguard: ", stderr);
  vfprintf(stderr, fmt, ap);
}

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  message(fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void cli_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  message(fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(CLI_USAGE_ERROR);
}

static void usage_error(const struct command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void usage_error(const struct command *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  message(fmt, ap);
  va_end(ap);
  if (cmd)
    fprintf(stderr, " (see heapguard %s --help)\n", cmd->name);
  else
    fputs(" (see heapguard --help)\n", stderr);
  exit(CLI_USAGE_ERROR);
}

/* Print text wrapped to 80 columns, every line indented by `indent`, the first line
 * starting at column `col`. */
static void print_wrapped(FILE *f, const char *text, int indent, int col) {
  while (*text) {
    size_t len = strcspn(text, " ");
    if (col > indent && col + 1 + (int)len > 80) {
      fprintf(f, "\n%*s", indent, "");
      col = indent;
    } else if (col > indent) {
      fputc(' ', f);
      col++;
    } else {
      col += fprintf(f, "%*s", indent - col, "");
    }
    col += fprintf(f, "%.*s", (int)len, text);
    text += len;
    text += strspn(text, " ");
  }
  fputc('\n', f);
}

static void main_help(FILE *f) {
  fprintf(f, "usage: heapguard <command> [options] [--] program [args...]\n"
             "       heapguard report TIMELINE [-o FILE]\n"
             "       heapguard help [command]\n"
             "       heapguard --version\n\n"
             "Runs program with the heapguard allocator (libheapguard.so) preloaded and\n"
             "exits with its exit status (or dies by the same signal).  A program it cannot\n"
             "be preloaded into (statically linked, set-user-ID, ...) is not run by check,\n"
             "guard, stats, trace or run --sample-rate (status 126), and run warns.\n\n"
             "commands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n'heapguard <command> --help' lists a command's options.\n\n"
             "The library is $HEAPGUARD_LIB if set, else libheapguard.so in this program's\n"
             "directory, else in ../lib from it.  Its settings can also be given without\n"
             "this program, as HEAPGUARD_* environment variables with\n"
             "LD_PRELOAD=/path/to/libheapguard.so; see heapguard(1) and heapguard(3).\n");
}

static void command_help(FILE *f, const struct command *cmd) {
  if (cmd->main) {   /* a command that runs no program has its own usage */
    fputs(cmd->description, f);
    return;
  }
  fprintf(f, "usage: heapguard %s%s [--] program [args...]\n\n%s\n\noptions:\n", cmd->name,
          cmd->n_options ? " [options]" : "", cmd->description);
  for (size_t i = 0; i < cmd->n_options; i++) {
    const struct cli_option *o = &cmd->options[i];
    char text[512];
    int col = o->type == VALUE_FLAG ? fprintf(f, "  --%s", o->name)
                                    : fprintf(f, "  --%s=%s", o->name, o->metavar);
    if (o->type == VALUE_FLAG)
      snprintf(text, sizeof text, "%s.  Sets %s=%s.", o->help, o->env, o->sets);
    else
      snprintf(text, sizeof text, "%s.  Default %s; sets %s.", o->help, o->def, o->env);
    if (col > 24) {
      fputc('\n', f);
      col = 0;
    }
    print_wrapped(f, text, 26, col);
  }
  fprintf(f, "  %-23s show this help\n", "-h, --help");
  if (cmd->n_options)
    fprintf(f, "\nOptions take their value as --option=value or --option value.  Each sets the\n"
               "HEAPGUARD_* variable named above; the same settings can be given without this\n"
               "program, as those environment variables with LD_PRELOAD and\n"
               "HEAPGUARD_MODE=%s.  Variables already set are kept unless an option\n"
               "overrides them.\n", cmd->mode);
  else
    fprintf(f, "\nThe same as LD_PRELOAD=/path/to/libheapguard.so program [args...]; HEAPGUARD_*\n"
               "environment variables already set are passed on.\n");
}

/* What cmd cannot do to a program the library cannot enter, so that it must not run
 * it, or NULL if the program is to run unchanged.  `run` only chooses the allocator,
 * and the program's work is worth more than that, unless it samples
 * (--sample-rate, or HEAPGUARD_SAMPLE_RATE from the environment): sampling is checking. */
static const char *refusal(const struct command *cmd) {
  if (cmd->cannot) return cmd->cannot;
  const char *rate = getenv("HEAPGUARD_SAMPLE_RATE");
  size_t n;
  if (rate && hg_parse_digits(&rate, &n) && *rate == '\0' && n > 0) return "sample";
  return NULL;
}

/* ---- parsing --------------------------------------------------------------------- */

static bool is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

/* cmd's option that arg ("--name" or "--name=value") names, or NULL. */
static const struct cli_option *find_option(const struct command *cmd, const char *arg) {
  if (arg[0] != '-' || arg[1] != '-') return NULL;
  size_t len = strcspn(arg + 2, "=");
  for (size_t k = 0; k < cmd->n_options; k++)
    if (strlen(cmd->options[k].name) == len && memcmp(cmd->options[k].name, arg + 2, len) == 0)
      return &cmd->options[k];
  return NULL;
}

/* Parse cmd's options from argv (after the command name); set their variables.
 * Returns the index of the program. */
static int parse_options(const struct command *cmd, int argc, char **argv, int i) {
  for (; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) return i + 1;
    if (arg[0] != '-' || arg[1] == '\0') return i;   /* the program ("-" is a name too) */
    if (is_help(arg)) {
      command_help(stdout, cmd);
      exit(fflush(stdout) == 0 ? 0 : 1);
    }
    const struct cli_option *o = find_option(cmd, arg);
    static char rewritten[1024];   /* (kept: value may point into it) */
    if (!o && cli_valgrind_option(cmd->name, arg, rewritten, sizeof rewritten)) {
      if (!rewritten[0]) continue;   /* accepted: nothing to set */
      arg = rewritten;
      o = find_option(cmd, arg);
    }
    if (!o) {
      if (strncmp(arg, "--help=", 7) == 0) usage_error(cmd, "option '--help' takes no value");
      usage_error(cmd, "unknown option '%.*s' for '%s'", (int)strcspn(arg, "="), arg, cmd->name);
    }
    const char *value = strchr(arg, '=');
    if (o->type == VALUE_FLAG) {
      if (value) usage_error(cmd, "option '--%s' takes no value", o->name);
      if (setenv(o->env, o->sets, 1) != 0) cli_fail("cannot set %s: out of memory", o->env);
      continue;
    }
    if (value)
      value++;
    else if (i + 1 < argc)
      value = argv[++i];
    else
      usage_error(cmd, "option '--%s' needs a value", o->name);
    char expected[256];
    size_t named = path_bytes(value);
    if (o->type == VALUE_PATH && named > PATH_BYTES_MAX)
      usage_error(cmd, "the value of --%s is too long: %zu bytes once %%p and %%u are replaced by ids, "
                  "at most %d", o->name, named, PATH_BYTES_MAX);
    /* (A value of thousands of bytes is shown by its start: the line stays one line.) */
    if (strcmp(o->name, "gen-suppressions") == 0 && strcmp(value, "yes") == 0)
      usage_error(cmd, "--gen-suppressions=yes asks at each error, as Valgrind does, which heapguard "
                  "cannot (the program has the terminal): use --gen-suppressions=all");
    if (!valid_value(o, value, expected, sizeof expected))
      usage_error(cmd, "bad value '%.64s%s' for --%s: expected %s", value, strlen(value) > 64 ? "..." : "",
                  o->name, expected);
    if (o->type == VALUE_SUPP) {   /* the second and later join the first */
      static bool first_done;
      cli_check_suppressions(value);
      /* Absolute: the program's processes may start in other directories (a script's
       * cd), and each reads the files at its start. */
      char *abs = realpath(value, NULL);
      if (abs) value = abs;
      const char *was = getenv(o->env);
      if (first_done && was) {
        char *both = malloc(strlen(was) + strlen(value) + 2);
        if (!both) cli_fail("cannot set %s: out of memory", o->env);
        sprintf(both, "%s:%s", was, value);
        value = both;
      }
      first_done = true;
    }
    if (setenv(o->env, value, 1) != 0) cli_fail("cannot set %s: out of memory", o->env);
  }
  return i;
}

/* --xml=yes alone: Valgrind refuses it too (its --xml-fd and --xml-socket, the other
 * destinations, are not heapguard's). */
static void xml_needs_file(const struct command *cmd) {
  const char *xml = getenv("HEAPGUARD_XML"), *file = getenv("HEAPGUARD_XML_FILE");
  bool on = xml && (strcmp(xml, "yes") == 0 || strcmp(xml, "1") == 0 || strcmp(xml, "true") == 0 ||
                    strcmp(xml, "on") == 0);
  if (on && (!file || !*file))
    usage_error(cmd, "--xml=yes needs --xml-file=PATH: heapguard writes the XML to a file, "
                "one per process with %%p in PATH");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    main_help(stderr);
    return CLI_USAGE_ERROR;
  }
  const char *name = argv[1];
  if (is_help(name) || strcmp(name, "help") == 0) {
    if (strcmp(name, "help") == 0 && argc > 2 && !is_help(argv[2])) {
      const struct command *cmd = find_command(argv[2]);
      if (!cmd) usage_error(NULL, "unknown command '%s'", argv[2]);
      if (argc > 3) usage_error(NULL, "'help' takes one command name");
      command_help(stdout, cmd);
    } else {
      /* "help --help" is the usage too */
      if (argc > 3 || (argc == 3 && (strcmp(name, "help") != 0 || !is_help(argv[2]))))
        usage_error(NULL, "'%s' takes no arguments", name);
      main_help(stdout);
    }
    return fflush(stdout) == 0 ? 0 : 1;
  }
  if (strcmp(name, "--version") == 0) {
    if (argc > 2) usage_error(NULL, "'--version' takes no arguments");
    printf("heapguard %s\n", HG_VERSION);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  const struct command *cmd = find_command(name);
  if (!cmd) {
    if (strncmp(name, "--version=", 10) == 0 || strncmp(name, "--help=", 7) == 0)
      usage_error(NULL, "option '%.*s' takes no value", (int)strcspn(name, "="), name);
    if (name[0] == '-') usage_error(NULL, "unknown option '%.*s'", (int)strcspn(name, "="), name);
    usage_error(NULL, "unknown command '%s'", name);
  }
  if (cmd->main) return cmd->main(argc - 2, argv + 2);
  for (const char *const *d = cmd->env_defaults; d && *d; d++) {
    size_t len = strcspn(*d, "=");
    char name_buf[128];
    snprintf(name_buf, sizeof name_buf, "%.*s", (int)len, *d);
    if (!getenv(name_buf) && setenv(name_buf, *d + len + 1, 1) != 0)
      cli_fail("cannot set %s: out of memory", name_buf);
  }
  int prog = parse_options(cmd, argc, argv, 2);
  if (prog >= argc) usage_error(cmd, "no program given to '%s'", cmd->name);
  xml_needs_file(cmd);
  if (strcmp(cmd->name, "trace") == 0) trace_fresh_output();

  char *lib = cli_find_library();
  char why[1024];
  if (cli_not_preloadable(argv[prog], lib, why, sizeof why)) {
    const char *cannot = refusal(cmd);
    if (cannot) {
      cli_error("cannot %s %s: %s, so libheapguard.so cannot be preloaded into it; "
                "the program was not run", cannot, argv[prog], why);
      return CLI_NOT_PRELOADABLE;
    }
    cli_error("warning: %s runs without heapguard: %s, so libheapguard.so cannot be "
              "preloaded into it; it keeps its own allocator", argv[prog], why);
  }
  cli_preload(lib, cmd->mode);
  free(lib);
  cli_run(argv + prog);
}
