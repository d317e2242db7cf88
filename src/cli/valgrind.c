/* valgrind.c — Valgrind's (Memcheck's) spellings of options, for check and guard, so
 * that a command line written for `valgrind` runs with `heapguard check` in its place:
 * a CI script's `valgrind -q --leak-check=full --num-callers=30 --track-origins=yes
 * --error-exitcode=1 ./test` should not stop at its first option.
 *
 * Options that Valgrind and heapguard spell alike need nothing here (--leak-check,
 * --log-file, --xml, --suppressions, --error-exitcode, ...).  The others are one of:
 *   renamed   the same setting under heapguard's name (--num-callers: --stack-depth);
 *   accepted  a value that is what heapguard does anyway (--tool=memcheck,
 *             --leak-resolution=high), silently;
 *   ignored   what heapguard cannot do (--track-origins=yes: it has no shadow memory),
 *             with one line saying so, the run going on: the rest of the check is
 *             still worth having;
 *   refused   a request for something else altogether (--tool=helgrind), status 2.
 * Any other option is refused as unknown (status 2), as heapguard's own typos are. */
#include "cli.h"
#include "../numparse.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* heapguard's largest --stack-depth (options.h: HG_MAX_STACK_DEPTH); Valgrind takes up to
 * 500 callers. */
#define STACK_DEPTH_MAX 64

enum action {
  RENAME,   /* to `to`, the value unchanged */
  IGNORE,   /* every value: a note saying `why` */
  DEFAULT,  /* the value `same` is heapguard's way, accepted silently; any other: IGNORE */
};

struct vg_option {
  const char *name;   /* Valgrind's, without the leading "--" */
  enum action action;
  const char *to;     /* RENAME */
  const char *same;   /* DEFAULT: a value that asks for what heapguard does anyway */
  const char *why;    /* IGNORE, and DEFAULT's other values */
};

static const struct vg_option options[] = {
  { "num-callers", RENAME, "stack-depth", NULL, NULL },
  { "freelist-vol", RENAME, "quarantine", NULL, NULL },
  { "redzone-size", RENAME, "redzone", NULL, NULL },
  { "track-origins", DEFAULT, NULL, "no",
    "heapguard does not track uninitialised values (it has no shadow memory), so it has "
    "no origins to show" },
  { "undef-value-errors", DEFAULT, NULL, "no", "heapguard does not report uses of uninitialised values" },
  { "leak-resolution", DEFAULT, NULL, "high",
    "heapguard merges loss records only when their whole allocation stacks are the same" },
  { "show-mismatched-frees", DEFAULT, NULL, "yes",
    "heapguard always reports a block freed by the wrong function" },
  { "keep-stacktraces", DEFAULT, NULL, "alloc-and-free",
    "heapguard always keeps the allocation and free stacks" },
  { "show-error-list", DEFAULT, NULL, "no",
    "heapguard's summary lists the errors seen more than once, not each error" },
  { "partial-loads-ok", IGNORE, NULL, NULL, "heapguard does not see loads (guard mode faults on any)" },
  { "malloc-fill", IGNORE, NULL, NULL, "heapguard does not fill new blocks" },
  { "free-fill", IGNORE, NULL, NULL, "heapguard fills freed blocks with its own poison" },
  { "track-fds", IGNORE, NULL, NULL, "heapguard does not track file descriptors" },
  { "time-stamp", IGNORE, NULL, NULL, "heapguard's lines have no time stamps" },
  { "vgdb", DEFAULT, NULL, "no", "heapguard has no gdb server: run the program under gdb instead" },
  { "vgdb-error", IGNORE, NULL, NULL, "heapguard has no gdb server: run the program under gdb instead" },
  { "run-libc-freeres", IGNORE, NULL, NULL, "heapguard never frees libc's own memory at exit" },
  { "run-cxx-freeres", IGNORE, NULL, NULL, "heapguard never frees libstdc++'s own memory at exit" },
  { "log-fd", DEFAULT, NULL, "2",
    "heapguard writes its reports to standard error or to --log-file, not to another descriptor" },
  { "xml-fd", IGNORE, NULL, NULL, "heapguard writes its XML to --xml-file only" },
  { "fullpath-after", IGNORE, NULL, NULL, "heapguard shows file names as the debug information has them" },
  { "show-below-main", IGNORE, NULL, NULL, "heapguard's stacks end at main" },
  { "default-suppressions", DEFAULT, NULL, "yes", "heapguard has no built-in suppressions to turn off" },
  { "error-markers", IGNORE, NULL, NULL, "heapguard's errors have no begin and end markers" },
  { "max-stackframe", IGNORE, NULL, NULL, "it is about Valgrind's emulated CPU" },
  { "main-stacksize", IGNORE, NULL, NULL, "the program's stack is the kernel's, as without heapguard" },
  { "max-threads", IGNORE, NULL, NULL, "heapguard has no limit on threads" },
  { "smc-check", IGNORE, NULL, NULL, "it is about Valgrind's emulated CPU" },
  { "fair-sched", IGNORE, NULL, NULL, "it is about Valgrind's emulated CPU" },
};

/* The program-running commands whose options these are: check mode's (check, guard). */
static bool applies(const char *command) { return strcmp(command, "check") == 0 || strcmp(command, "guard") == 0; }

static const struct vg_option *find(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof options / sizeof *options; i++)
    if (strlen(options[i].name) == len && memcmp(options[i].name, name, len) == 0) return &options[i];
  return NULL;
}

static void ignored(const char *arg, const char *why) {
  cli_error("ignoring Valgrind's %s: %s", arg, why);
}

bool cli_valgrind_option(const char *command, const char *arg, char *out, size_t size) {
  *out = '\0';
  if (!applies(command)) return false;
  if (strcmp(arg, "-q") == 0) {
    snprintf(out, size, "--quiet");
    return true;
  }
  if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
    ignored(arg, "heapguard has no verbose output");
    return true;
  }
  if (strcmp(arg, "-s") == 0) {   /* --show-error-list=yes */
    ignored(arg, "heapguard's summary lists the errors seen more than once, not each error");
    return true;
  }
  if (strncmp(arg, "--", 2) != 0) return false;
  const char *name = arg + 2, *eq = strchr(name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen(name);
  const char *value = eq ? eq + 1 : NULL;
  if (len == 4 && memcmp(name, "tool", 4) == 0) {
    if (!value || strcmp(value, "memcheck") == 0) return true;
    cli_fail("--tool=%s: heapguard %s does what Valgrind's memcheck does, not %s", value, command, value);
  }
  if (len == 14 && memcmp(name, "show-reachable", 14) == 0 && value &&
      (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)) {
    /* Valgrind's older form: yes is all kinds; no, definite and possible */
    snprintf(out, size, "--show-leak-kinds=%s", value[0] == 'y' ? "all" : "definite,possible");
    return true;
  }
  if (len == 18 && memcmp(name, "show-possibly-lost", 18) == 0 && value &&
      (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)) {
    /* Valgrind's older form: adds possible to the kinds shown, or takes it out (of those
     * the options before asked for, else of the default) */
    unsigned kinds = HG_LEAK_KIND_DEFINITE | HG_LEAK_KIND_INDIRECT;
    const char *was = getenv("HEAPGUARD_SHOW_LEAK_KINDS");
    if (was && !hg_parse_leak_kinds(was, strlen(was), &kinds)) kinds = HG_LEAK_KIND_DEFINITE | HG_LEAK_KIND_INDIRECT;
    kinds = value[0] == 'y' ? kinds | HG_LEAK_KIND_POSSIBLE : kinds & ~(unsigned)HG_LEAK_KIND_POSSIBLE;
    static const char *const names[] = { "definite", "indirect", "possible", "reachable" };
    size_t n = (size_t)snprintf(out, size, "--show-leak-kinds=");
    for (unsigned k = 0; k < 4 && n < size; k++)
      if (kinds >> k & 1) n += (size_t)snprintf(out + n, size - n, "%s%s", out[n - 1] == '=' ? "" : ",", names[k]);
    if (!kinds) snprintf(out + n, size - n, "none");
    return true;
  }
  const struct vg_option *o = find(name, len);
  if (!o) return false;
  if (o->action == RENAME) {
    if (!value) return false;   /* "--num-callers 20" is not Valgrind's syntax either */
    unsigned long depth;
    char *end;
    if (strcmp(o->to, "stack-depth") == 0 && (depth = strtoul(value, &end, 10)) > STACK_DEPTH_MAX && !*end &&
        *value >= '0' && *value <= '9') {
      cli_error("%s: heapguard records at most %d frames: --stack-depth=%d", arg, STACK_DEPTH_MAX,
                STACK_DEPTH_MAX);
      snprintf(out, size, "--stack-depth=%d", STACK_DEPTH_MAX);
      return true;
    }
    snprintf(out, size, "--%s=%s", o->to, value);
    return true;
  }
  if (o->action == DEFAULT && value && strcmp(value, o->same) == 0) return true;
  ignored(arg, o->why);
  return true;
}
