/* unit/options: parsing of HEAPGUARD_* settings (src/options.c).
 *
 * hg_options_init reads `environ` directly, so each case points environ at a crafted
 * array, calls it, checks hg_opt and what was printed on stderr (fd 2 is redirected to
 * a memfd for the call), and restores hg_opt and environ.  Cases: the documented
 * example settings; bad values and unknown names (ignored, with a "heapguard:
 * ignoring ..." line, defaults kept); a typo's line names the option it resembles;
 * the CLI's LIB name is not reported;
 * every size suffix form; plain numbers; overflow; bools; counts; the largest value of
 * each bounded setting and one more; entries that are not options at all.
 */
#define _GNU_SOURCE 1
#include "check.h"

#include <sys/mman.h>
#include <unistd.h>

#include "options.h"

extern char **environ;

static struct hg_options defaults;
static char captured[4096];

/* run hg_options_init with the given environment; stderr output goes to `captured` */
static void run_with(char **env) {
  char **saved_env = environ;
  hg_opt = defaults;
  int fd = memfd_create("hg-options-stderr", 0);
  if (fd < 0) check_skip("memfd_create failed");
  int saved_err = dup(2);
  dup2(fd, 2);
  environ = env;
  hg_options_init();
  environ = saved_env;
  dup2(saved_err, 2);
  close(saved_err);
  ssize_t n = pread(fd, captured, sizeof captured - 1, 0);
  captured[n > 0 ? n : 0] = '\0';
  close(fd);
}

static int lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* every captured line starts with the prefix */
static int all_lines_start_with(const char *prefix) {
  const char *s = captured;
  while (*s) {
    if (strncmp(s, prefix, strlen(prefix)) != 0) return 0;
    const char *nl = strchr(s, '\n');
    if (!nl) return 0;
    s = nl + 1;
  }
  return 1;
}

#define OPT_SAME_EXCEPT(field_ok)                                                    \
  do {                                                                               \
    struct hg_options want_ = defaults;                                              \
    field_ok;                                                                        \
    CHECKF(memcmp(&want_, &hg_opt, sizeof want_) == 0, "other options changed");      \
  } while (0)

/* one size value: accepted as `expect` (rejected if !ok) */
static void size_case(const char *value, bool ok, size_t expect) {
  char entry[128];
  snprintf(entry, sizeof entry, "HEAPGUARD_TOP_PAD=%s", value);
  char *env[] = { entry, NULL };
  run_with(env);
  if (!ok) {
    CHECKF(hg_opt.top_pad == defaults.top_pad, "TOP_PAD=%s accepted as %zu", value, hg_opt.top_pad);
    CHECKF(strncmp(captured, "heapguard: ignoring HEAPGUARD_TOP_PAD=", 38) == 0 && lines(captured) == 1,
           "TOP_PAD=%s: stderr was \"%s\"", value, captured);
  } else {
    CHECKF(hg_opt.top_pad == expect, "TOP_PAD=%s gave %zu, expected %zu", value, hg_opt.top_pad,
           expect);
    CHECKF(captured[0] == '\0', "TOP_PAD=%s: unexpected stderr \"%s\"", value, captured);
  }
}
#define size_ok(value, expect) size_case((value), true, (expect))
#define size_bad(value) size_case((value), false, 0)

int main(void) {
  defaults = hg_opt;
  /* what hg_opt must be before any setting: the table's defaults (unless this test was
   * started with HEAPGUARD_* settings of its own) */
  int env_clean = 1;
  for (char **e = environ; e && *e; e++) env_clean &= strncmp(*e, "HEAPGUARD_", 10) != 0;
  if (env_clean) {
    CHECK_EQU(defaults.mmap_threshold, 128 * 1024);
    CHECK_EQU(defaults.trim_threshold, 128 * 1024);
    CHECK_EQU(defaults.top_pad, 64 * 1024);
    CHECK_EQU(defaults.dirty_max, 64 * 1024 * 1024);
    CHECK_EQU(defaults.decay_ms, 1000);
    CHECK_EQU(defaults.heap_step, 1024 * 1024);
    CHECK(defaults.use_brk);
    CHECK_EQU(defaults.mmap_max, 65536);
    CHECK(!defaults.mmap_threshold_fixed);
  }

  /* ---- the brief's example ---- */
  {
    char *env[] = { "PATH=/bin", "HEAPGUARD_MMAP_THRESHOLD=64K", "HOME=/", "HEAPGUARD_DIRTY_MAX=2MiB",
                    "HEAPGUARD_BRK=off", "HEAPGUARD_TOP_PAD=4096", NULL };
    run_with(env);
    CHECK_EQU(hg_opt.mmap_threshold, 65536);
    CHECK_EQU(hg_opt.dirty_max, 2097152);
    CHECK(!hg_opt.use_brk);
    CHECK_EQU(hg_opt.top_pad, 4096);
    CHECK(hg_opt.mmap_threshold_fixed);
    CHECK_EQU(hg_opt.trim_threshold, defaults.trim_threshold);
    CHECK_EQU(hg_opt.heap_step, defaults.heap_step);
    CHECK_EQU(hg_opt.mmap_max, defaults.mmap_max);
    CHECKF(captured[0] == '\0', "unexpected stderr: \"%s\"", captured);
  }

  /* ---- bad values: ignored, defaults kept, one line each ---- */
  {
    char *env[] = { "HEAPGUARD_MMAP_THRESHOLD=12X", NULL };
    run_with(env);
    OPT_SAME_EXCEPT((void)0);
    CHECK(!hg_opt.mmap_threshold_fixed);
    CHECKF(strncmp(captured, "heapguard: ignoring", 19) == 0, "stderr: \"%s\"", captured);
    CHECKF(strstr(captured, "HEAPGUARD_MMAP_THRESHOLD=12X") != NULL, "stderr: \"%s\"", captured);
    CHECK_EQ(lines(captured), 1);
  }
  {
    char *env[] = { "HEAPGUARD_BRK=maybe", NULL };
    run_with(env);
    OPT_SAME_EXCEPT((void)0);
    CHECKF(strncmp(captured, "heapguard: ignoring HEAPGUARD_BRK=maybe", 39) == 0, "stderr: \"%s\"",
           captured);
    CHECK_EQ(lines(captured), 1);
  }
  {
    char *env[] = { "HEAPGUARD_MMAP_THRESHOLD=12X", "HEAPGUARD_BRK=maybe", "HEAPGUARD_DIRTY_MAX=",
                    "HEAPGUARD_MMAP_MAX=10K", "HEAPGUARD_HEAP_STEP=-1", "HEAPGUARD_TOP_PAD= 5",
                    "HEAPGUARD_TRIM_THRESHOLD=1.5M", NULL };
    run_with(env);
    OPT_SAME_EXCEPT((void)0);
    CHECKF(lines(captured) == 7 && all_lines_start_with("heapguard: ignoring HEAPGUARD_"),
           "stderr: \"%s\"", captured);
  }

  /* ---- unknown names ---- */
  {
    char *env[] = { "HEAPGUARD_FOO=1", NULL };
    run_with(env);
    OPT_SAME_EXCEPT((void)0);
    CHECKF(strcmp(captured, "heapguard: ignoring unknown option HEAPGUARD_FOO\n") == 0,
           "stderr: \"%s\"", captured);
  }
  {
    /* near misses of real names are unknown too, and do not set the real option */
    char *env[] = { "HEAPGUARD_MMAP_THRESHOLDX=1", "HEAPGUARD_MMAP_THRESHOL=1", "HEAPGUARD_mmap_threshold=1",
                    "HEAPGUARD_=1", NULL };
    run_with(env);
    OPT_SAME_EXCEPT((void)0);
    CHECKF(lines(captured) == 4 && all_lines_start_with("heapguard: ignoring unknown option HEAPGUARD_"),
           "stderr: \"%s\"", captured);
  }
  {
    /* a name with the letters of a real one, in another case or with other underscores,
     * says which was meant (and still does not set it) */
    static const struct { const char *entry, *message; } typos[] = {
      { "HEAPGUARD_SAMPLERATE=5", "HEAPGUARD_SAMPLERATE (did you mean HEAPGUARD_SAMPLE_RATE?)" },
      { "HEAPGUARD_heap_step=5", "HEAPGUARD_heap_step (did you mean HEAPGUARD_HEAP_STEP?)" },
      { "HEAPGUARD_Trace__Calls_=1", "HEAPGUARD_Trace__Calls_ (did you mean HEAPGUARD_TRACE_CALLS?)" },
      { "HEAPGUARD_MMAP_THRESH=1", "HEAPGUARD_MMAP_THRESH" },
    };
    for (size_t i = 0; i < sizeof typos / sizeof *typos; i++) {
      char *env[] = { (char *)typos[i].entry, NULL };
      run_with(env);
      OPT_SAME_EXCEPT((void)0);
      char want[160];
      snprintf(want, sizeof want, "heapguard: ignoring unknown option %s\n", typos[i].message);
      CHECKF(strcmp(captured, want) == 0, "stderr \"%s\", wanted \"%s\"", captured, want);
    }
  }
  {
    /* a very long unknown name is shown cut, on one line */
    static char longname[400];
    strcpy(longname, "HEAPGUARD_");
    memset(longname + 10, 'Q', 300);
    strcpy(longname + 310, "=1");
    char *env[] = { longname, NULL };
    run_with(env);
    CHECKF(lines(captured) == 1 && strncmp(captured, "heapguard: ignoring unknown option HEAPGUARD_QQQ", 48) == 0,
           "stderr: \"%s\"", captured);
  }
  {
    /* the CLI's names and entries that are not settings are not reported */
    char *env[] = { "HEAPGUARD_LIB=/x/libheapguard.so", "HEAPGUARD_NOEQUALS",
                    "HEAPGUARDIAN=1", "heapguard_mmap_threshold=1", "XHEAPGUARD_BRK=0", NULL };
    run_with(env);
    OPT_SAME_EXCEPT((void)0);
    CHECKF(captured[0] == '\0', "stderr: \"%s\"", captured);
  }
  {
    /* the check-mode settings: words, a path, sizes and counts */
    char *env[] = { "HEAPGUARD_MODE=check", "HEAPGUARD_LEAK_CHECK=summary", "HEAPGUARD_LOG_FILE=/tmp/x-%p.log",
                    "HEAPGUARD_QUARANTINE=1M", "HEAPGUARD_REDZONE=32", "HEAPGUARD_STACK_DEPTH=5",
                    "HEAPGUARD_ERROR_EXITCODE=3", NULL };
    run_with(env);
    CHECK_EQU(hg_opt.mode, HG_MODE_CHECK);
    CHECK_EQU(hg_opt.leak_check, HG_LEAKS_SUMMARY);
    CHECK(hg_opt.log_file && strcmp(hg_opt.log_file, "/tmp/x-%p.log") == 0);
    CHECK_EQU(hg_opt.quarantine, 1 << 20);
    CHECK_EQU(hg_opt.redzone, 32);
    CHECK_EQU(hg_opt.stack_depth, 5);
    CHECK_EQU(hg_opt.error_exitcode, 3);
    CHECKF(captured[0] == '\0', "stderr: \"%s\"", captured);
    hg_opt = defaults;
    char *bad[] = { "HEAPGUARD_MODE=debug", "HEAPGUARD_LEAK_CHECK=yes", "HEAPGUARD_LOG_FILE=", NULL };
    run_with(bad);
    OPT_SAME_EXCEPT((void)0);
    CHECKF(lines(captured) == 3 && strstr(captured, "HEAPGUARD_MODE=debug: expected run, check or guard") &&
           strstr(captured, "expected no, summary or full") && strstr(captured, "expected a file name"),
           "stderr: \"%s\"", captured);
  }
  {
    /* guard mode's settings, and sampled guard mode's */
    char *env[] = { "HEAPGUARD_MODE=guard", "HEAPGUARD_GUARD_SIDE=before", "HEAPGUARD_SAMPLE_RATE=1000",
                    "HEAPGUARD_SAMPLE_MAX=64", NULL };
    run_with(env);
    CHECK_EQU(hg_opt.mode, HG_MODE_GUARD);
    CHECK_EQU(hg_opt.guard_side, HG_GUARD_BEFORE);
    CHECK_EQU(hg_opt.sample_rate, 1000);
    CHECK_EQU(hg_opt.sample_max, 64);
    CHECKF(captured[0] == '\0', "stderr: \"%s\"", captured);
    hg_opt = defaults;
    char *bad[] = { "HEAPGUARD_GUARD_SIDE=middle", "HEAPGUARD_SAMPLE_RATE=-1", NULL };
    run_with(bad);
    OPT_SAME_EXCEPT((void)0);
    CHECKF(lines(captured) == 2 && strstr(captured, "HEAPGUARD_GUARD_SIDE=middle: expected after or before") &&
           strstr(captured, "HEAPGUARD_SAMPLE_RATE=-1: expected a whole number"), "stderr: \"%s\"", captured);
  }
  {
    char *env[] = { NULL };
    run_with(env);
    OPT_SAME_EXCEPT((void)0);
    CHECK(captured[0] == '\0');
    run_with(NULL);   /* environ == NULL: nothing to read */
    OPT_SAME_EXCEPT((void)0);
  }
  {
    /* the last setting of a name wins; a bad one after a good one keeps the good one */
    char *env[] = { "HEAPGUARD_TOP_PAD=1K", "HEAPGUARD_TOP_PAD=2K", "HEAPGUARD_HEAP_STEP=8M",
                    "HEAPGUARD_HEAP_STEP=oops", NULL };
    run_with(env);
    OPT_SAME_EXCEPT((want_.top_pad = 2048, want_.heap_step = 8 * 1024 * 1024));
    CHECK_EQ(lines(captured), 1);
  }

  /* ---- size suffixes ---- */
  size_ok("0", 0);
  size_ok("1", 1);
  size_ok("4096", 4096);
  size_ok("000123", 123);
  size_ok("100b", 100);
  size_ok("100B", 100);
  size_ok("1k", 1024);
  size_ok("1K", 1024);
  size_ok("1KiB", 1024);
  size_ok("1KB", 1024);
  size_ok("64K", 65536);
  size_ok("1m", 1024 * 1024);
  size_ok("1M", 1024 * 1024);
  size_ok("1MiB", 1024 * 1024);
  size_ok("2MiB", 2 * 1024 * 1024);
  size_ok("1g", (size_t)1 << 30);
  size_ok("1G", (size_t)1 << 30);
  size_ok("1GiB", (size_t)1 << 30);
  size_ok("3GiB", (size_t)3 << 30);
  size_ok("1kib", 1024);                 /* the binary suffix in either case */
  size_ok("2MIB", 2 * 1024 * 1024);
  size_ok("1gIb", (size_t)1 << 30);
  size_ok("16777215G", ((size_t)1 << 54) - ((size_t)1 << 30));
  size_ok("17179869183G", SIZE_MAX - ((size_t)1 << 30) + 1);   /* 2^64 - 2^30 */
  size_ok("18446744073709551609", (size_t)18446744073709551609ull);
  /* rejected */
  size_bad("");
  size_bad("K");
  size_bad("12X");
  size_bad("1KK");
  size_bad("1Ki");
  size_bad("1KiBB");
  size_bad("1iB");
  size_bad("1Kib2");
  size_bad("1 K");
  size_bad("1T");
  size_bad("1bb");
  size_bad("0x10");
  size_bad("+5");
  size_bad("-5");
  size_bad("99999999999999999999G");   /* overflow in the digits */
  size_bad("99999999999999999999");
  size_bad("18446744073709551616");    /* SIZE_MAX + 1 */
  size_bad("17179869184G");            /* 2^64 exactly: overflow in the multiply */
  size_bad("18014398509481984K");      /* 2^54 K = 2^64 */

  /* ---- values up to SIZE_MAX itself fit a size_t and must be accepted (the digit
   * loop's guard must depend on the digit: v > (SIZE_MAX - d) / 10) ---- */
  size_ok("18446744073709551615", SIZE_MAX);
  size_ok("18446744073709551610", SIZE_MAX - 5);

  /* ---- bools ---- */
  static const char *const yes[] = { "1", "true", "on", "yes", "TRUE", "On", "YES" };
  static const char *const no[] = { "0", "false", "off", "no", "FALSE", "Off", "NO" };
  for (size_t i = 0; i < 7; i++) {
    char e1[64], e2[64];
    snprintf(e1, sizeof e1, "HEAPGUARD_BRK=%s", no[i]);
    char *env1[] = { e1, NULL };
    run_with(env1);
    CHECKF(!hg_opt.use_brk && captured[0] == '\0', "BRK=%s", no[i]);
    /* yes over a preceding no */
    snprintf(e2, sizeof e2, "HEAPGUARD_BRK=%s", yes[i]);
    char *env2[] = { e1, e2, NULL };
    run_with(env2);
    CHECKF(hg_opt.use_brk && captured[0] == '\0', "BRK=%s", yes[i]);
  }
  static const char *const bad_bools[] = { "maybe", "", "2", "onn", "y", "n", "truex" };
  for (size_t i = 0; i < sizeof bad_bools / sizeof *bad_bools; i++) {
    char e[64];
    snprintf(e, sizeof e, "HEAPGUARD_BRK=%s", bad_bools[i]);
    char *env[] = { "HEAPGUARD_BRK=0", e, NULL };
    run_with(env);
    CHECKF(!hg_opt.use_brk, "BRK=%s changed the setting", bad_bools[i]);
    CHECKF(lines(captured) == 1 && strncmp(captured, "heapguard: ignoring HEAPGUARD_BRK=", 34) == 0,
           "BRK=%s: stderr \"%s\"", bad_bools[i], captured);
  }

  /* ---- counts: plain numbers only ---- */
  {
    char *env[] = { "HEAPGUARD_MMAP_MAX=0", NULL };
    run_with(env);
    OPT_SAME_EXCEPT(want_.mmap_max = 0);
    char *env2[] = { "HEAPGUARD_MMAP_MAX=123456", NULL };
    run_with(env2);
    OPT_SAME_EXCEPT(want_.mmap_max = 123456);
    CHECK(captured[0] == '\0');
    char *env3[] = { "HEAPGUARD_MMAP_MAX=1K", NULL };
    run_with(env3);
    OPT_SAME_EXCEPT((void)0);
    CHECK_EQ(lines(captured), 1);
    char *env4[] = { "HEAPGUARD_MMAP_MAX=18446744073709551615", NULL };   /* SIZE_MAX fits */
    run_with(env4);
    CHECKF(hg_opt.mmap_max == SIZE_MAX && captured[0] == '\0', "MMAP_MAX=SIZE_MAX gave %zu; stderr \"%s\"",
           hg_opt.mmap_max, captured);
    char *env5[] = { "HEAPGUARD_MMAP_MAX=18446744073709551616", NULL };   /* SIZE_MAX + 1 */
    run_with(env5);
    OPT_SAME_EXCEPT((void)0);
    CHECK_EQ(lines(captured), 1);
  }

  /* ---- every option name is recognised ---- */
  {
    char *env[] = { "HEAPGUARD_MMAP_THRESHOLD=1", "HEAPGUARD_TRIM_THRESHOLD=2", "HEAPGUARD_TOP_PAD=3",
                    "HEAPGUARD_DIRTY_MAX=4", "HEAPGUARD_HEAP_STEP=5", "HEAPGUARD_BRK=no",
                    "HEAPGUARD_MMAP_MAX=7", NULL };
    run_with(env);
    CHECK_EQU(hg_opt.mmap_threshold, 1);
    CHECK_EQU(hg_opt.trim_threshold, 2);
    CHECK_EQU(hg_opt.top_pad, 3);
    CHECK_EQU(hg_opt.dirty_max, 4);
    CHECK_EQU(hg_opt.heap_step, 5);
    CHECK(!hg_opt.use_brk);
    CHECK_EQU(hg_opt.mmap_max, 7);
    CHECK(hg_opt.mmap_threshold_fixed);
    CHECKF(captured[0] == '\0', "stderr: \"%s\"", captured);
  }

  /* ---- bounded settings: the largest is accepted, one more is refused with the range,
   * never clamped (ERROR_EXITCODE=256 would exit 0 after errors) ---- */
  {
    static const struct { const char *entry, *message; } refused[] = {
      { "HEAPGUARD_ERROR_EXITCODE=256", "expected a whole number from 0 to 255" },
      { "HEAPGUARD_STACK_DEPTH=65", "expected a whole number from 0 to 64" },
      { "HEAPGUARD_REDZONE=4097", "expected a size of at most 4096 bytes" },
      { "HEAPGUARD_REDZONE=1G", "expected a size of at most 4096 bytes" },
      { "HEAPGUARD_SAMPLE_RATE=1099511627777", "expected a whole number from 0 to 1099511627776" },
      { "HEAPGUARD_SAMPLE_MAX=2251799813685249", "expected a whole number from 0 to 1048576" },
      { "HEAPGUARD_SAMPLE_QUARANTINE=524289", "expected a whole number from 0 to 524288" },
      { "HEAPGUARD_TIMELINE_MS=3600001", "expected a whole number from 0 to 3600000" },
      { "HEAPGUARD_GUARD_ALIGN=3", "expected 1, 2, 4, 8 or 16" },
      { "HEAPGUARD_GUARD_ALIGN=0", "expected 1, 2, 4, 8 or 16" },
      { "HEAPGUARD_GUARD_ALIGN=32", "expected 1, 2, 4, 8 or 16" },
      { "HEAPGUARD_SAMPLE_ALIGN=12", "expected 1, 2, 4, 8 or 16" },
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
      char *env[] = { (char *)refused[i].entry, NULL };
      run_with(env);
      OPT_SAME_EXCEPT((void)0);
      char want[160];
      snprintf(want, sizeof want, "heapguard: ignoring %s: %s\n", refused[i].entry, refused[i].message);
      CHECKF(strcmp(captured, want) == 0, "%s: stderr \"%s\", wanted \"%s\"", refused[i].entry,
             captured, want);
    }
    char *env[] = { "HEAPGUARD_ERROR_EXITCODE=255", "HEAPGUARD_STACK_DEPTH=64", "HEAPGUARD_REDZONE=4K",
                    "HEAPGUARD_SAMPLE_RATE=1099511627776", "HEAPGUARD_SAMPLE_MAX=1048576",
                    "HEAPGUARD_SAMPLE_QUARANTINE=524288", "HEAPGUARD_TIMELINE_MS=3600000",
                    "HEAPGUARD_GUARD_ALIGN=1", "HEAPGUARD_SAMPLE_ALIGN=4", NULL };
    run_with(env);
    CHECK_EQU(hg_opt.error_exitcode, 255);
    CHECK_EQU(hg_opt.stack_depth, 64);
    CHECK_EQU(hg_opt.redzone, 4096);
    CHECK_EQU(hg_opt.sample_rate, (size_t)1 << 40);
    CHECK_EQU(hg_opt.sample_max, (size_t)1 << 20);
    CHECK_EQU(hg_opt.sample_quarantine, (size_t)1 << 19);
    CHECK_EQU(hg_opt.timeline_ms, 3600000);
    CHECK_EQU(hg_opt.guard_align, 1);
    CHECK_EQU(hg_opt.sample_align, 4);
    CHECKF(captured[0] == '\0', "stderr: \"%s\"", captured);
  }

  /* ---- the stats signal: names, numbers, none; never a fault's (a crash would print the
   * stats forever: the handler returns to the faulting instruction), KILL or STOP ---- */
  {
    static const struct { const char *value; size_t want; } good[] = {
      { "USR1", 10 }, { "sigusr2", 12 }, { "SIGHUP", 1 }, { "10", 10 }, { "64", 64 },
      { "34", 34 }, { "0", 0 }, { "off", 0 }, { "", 0 },
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
      char entry[64];
      snprintf(entry, sizeof entry, "HEAPGUARD_STATS_SIGNAL=%s", good[i].value);
      char *env[] = { "HEAPGUARD_STATS_SIGNAL=15", entry, NULL };   /* the last one wins */
      run_with(env);
      CHECKF(hg_opt.stats_signal == good[i].want && captured[0] == '\0',
             "%s: signal %zu, stderr \"%s\"", entry, hg_opt.stats_signal, captured);
    }
    static const char *const bad[] = { "SEGV", "11", "7", "4", "8", "5", "6", "31", "9", "19",
                                       "32", "33", "65", "KILL", "SIGSTOP", "USR3", "10x", "-1" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
      char entry[64];
      snprintf(entry, sizeof entry, "HEAPGUARD_STATS_SIGNAL=%s", bad[i]);
      char *env[] = { entry, NULL };
      run_with(env);
      OPT_SAME_EXCEPT((void)0);
      CHECKF(lines(captured) == 1 && strstr(captured, "not of a fault, KILL or STOP") != NULL,
             "%s: stderr \"%s\"", entry, captured);
    }
  }

  /* ---- leak kinds (numparse.h's hg_parse_leak_kinds): Valgrind's sets ---- */
  {
    static const struct { const char *value; unsigned want; } good[] = {
      { "definite", HG_LEAK_KIND_DEFINITE }, { "reachable,indirect", HG_LEAK_KIND_REACHABLE | HG_LEAK_KIND_INDIRECT },
      { "all", HG_LEAK_KIND_ALL }, { "none", 0 }, { "possible", HG_LEAK_KIND_POSSIBLE },
      { "definite,indirect,possible,reachable", HG_LEAK_KIND_ALL }, { "definite,definite", HG_LEAK_KIND_DEFINITE },
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
      char entry[96];
      snprintf(entry, sizeof entry, "HEAPGUARD_ERRORS_FOR_LEAK_KINDS=%s", good[i].value);
      char *env[] = { entry, NULL };
      run_with(env);
      CHECKF(hg_opt.errors_for_leak_kinds == good[i].want && captured[0] == '\0', "%s: kinds %u, stderr \"%s\"",
             entry, hg_opt.errors_for_leak_kinds, captured);
    }
    static const char *const bad[] = { "", "Definite", "definite,", ",definite", "definite,,indirect", "all,definite",
                                       "none,reachable", "definitely", "defin", "reachable indirect" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
      char entry[96];
      snprintf(entry, sizeof entry, "HEAPGUARD_SHOW_LEAK_KINDS=%s", bad[i]);
      char *env[] = { entry, NULL };
      run_with(env);
      OPT_SAME_EXCEPT((void)0);
      CHECKF(lines(captured) == 1 && strstr(captured, "or all or none") != NULL, "%s: stderr \"%s\"", entry, captured);
    }
  }

  /* ---- hg_options_describe lists every option ---- */
  {
    static char buf[8192];
    size_t n = hg_options_describe(buf, sizeof buf);
    CHECK(n > 0 && n < sizeof buf);
    static const char *const names[] = { "HEAPGUARD_MMAP_THRESHOLD", "HEAPGUARD_TRIM_THRESHOLD",
                                         "HEAPGUARD_TOP_PAD", "HEAPGUARD_DIRTY_MAX",
                                         "HEAPGUARD_HEAP_STEP", "HEAPGUARD_BRK", "HEAPGUARD_MMAP_MAX",
                                         "HEAPGUARD_DECAY_MS" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
      CHECKF(strstr(buf, names[i]) != NULL, "%s missing from the description", names[i]);
  }

  hg_opt = defaults;
  return check_finish();
}
