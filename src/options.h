/* options.h — heapguard's settings, declared once.
 *
 * HG_OPTIONS lists every option: field name, environment name (HEAPGUARD_<NAME>), type,
 * default, largest value (sizes, counts and alignments; 0 for the other types) and a
 * one-line description.  The table drives parsing of the environment and the
 * documentation (the README's table is checked against it by tests/unit/options_doc).
 * A value above the largest is refused, like a malformed one, rather than clamped where
 * it is used: ERROR_EXITCODE=256 would otherwise exit 0 when errors were found, and
 * SAMPLE_MAX=2^51 overflows the pool's size.  The largest values are in numparse.h,
 * which the CLI checks its options against too.
 * Types: size (bytes; accepts K/KiB/M/MiB/G/GiB suffixes), bool (1/0, true/false,
 * on/off, yes/no), count (a plain integer), align (1, 2, 4, 8 or 16), mode
 * (run|check|guard), leaks (no|summary|full), side (after|before),
 * path (any text; copied out of the environment at start, which a program may write
 * over later: options_text.c; default stderr), file (the same, default off), stats (off|text|json), signal (a name such as
 * USR1 or SIGUSR1, or a number), kinds (leak kinds: numparse.h's hg_parse_leak_kinds,
 * HG_LEAK_KIND_ bits), heur (leak check heuristics: numparse.h's hg_parse_heuristics,
 * HG_HEUR_ bits), gen (no|all: Valgrind's --gen-suppressions without its interactive
 * yes). */
#ifndef HG_OPTIONS_H
#define HG_OPTIONS_H

#include "internal.h"
#include "numparse.h"

#define HG_OPTIONS(X)                                                                    \
  X(mmap_threshold, MMAP_THRESHOLD, size, 128 * HG_KiB, SIZE_MAX,                          \
    "blocks of at least this size get a mapping of their own, unmapped by free; setting "  \
    "it (or mallopt M_MMAP_THRESHOLD) turns off glibc's dynamic threshold")                \
  X(trim_threshold, TRIM_THRESHOLD, size, 128 * HG_KiB, SIZE_MAX,                          \
    "shrink the brk heap when this much is free at its top and idle for the decay time; "  \
    "more than this free and resident goes back at a thread's exit and after 16 blocks "   \
    "above 32 KiB freed in a row (mallopt M_TRIM_THRESHOLD)")                              \
  X(top_pad, TOP_PAD, size, 64 * HG_KiB, SIZE_MAX,                                         \
    "free bytes left at the top of the brk heap when it shrinks (mallopt M_TOP_PAD)")      \
  X(decay_ms, DECAY_MS, count, 1000, SIZE_MAX,                                             \
    "free pages idle for this many milliseconds go back to the kernel with madvise "       \
    "(checked whenever the allocator takes or returns pages; 0: at once)")                 \
  X(dirty_max, DIRTY_MAX, size, 64 * HG_MiB, SIZE_MAX,                                     \
    "most free memory kept resident however recently used; beyond it the oldest idle "     \
    "pages go back to the kernel at once")                                                 \
  X(heap_step, HEAP_STEP, size, 1 * HG_MiB, SIZE_MAX,                                      \
    "free space the brk heap gets above a request when it grows, and keeps at its top "    \
    "when it shrinks, so a program near its peak does not move the break every time")      \
  X(use_brk, BRK, bool, 1, 0,                                                              \
    "grow the heap with brk, as glibc does; 0 uses mmap'd regions only")                   \
  X(mmap_max, MMAP_MAX, count, 65536, SIZE_MAX,                                            \
    "most large blocks mapped at once; beyond it they come from the heap (mallopt "        \
    "M_MMAP_MAX; 0 disables mmap for blocks)")                                             \
  X(mode, MODE, mode, HG_MODE_RUN, 0,                                                      \
    "run: the fast allocator; check: redzones, quarantine, leak scan and error reports "   \
    "(what `heapguard check` sets); guard: check mode with every block against an "        \
    "inaccessible page, so bad reads and writes fault at once (`heapguard guard`)")        \
  X(children, CHILDREN, bool, 1, 0,                                                        \
    "the programs this one runs (exec, posix_spawn, system, popen, in a forked child "     \
    "too) run with heapguard as well, in the same mode and with the same settings; 0: "    \
    "only this one (a forked child that does not exec is still this program): at its "     \
    "start the library takes its LD_PRELOAD entry and the HEAPGUARD_ variables out of "    \
    "the environment; `--trace-children`, whose default is no under Valgrind")             \
  X(child_silent_after_fork, CHILD_SILENT_AFTER_FORK, bool, 0, 0,                         \
    "a forked child that has not exec'd prints nothing: no error report, crash report, "  \
    "exit-time check (verify, leak scan: not run), summary or stats table, and its exit " \
    "status is its own; an exec starts a program that reports as usual; "                 \
    "`--child-silent-after-fork`, as Valgrind's")                                          \
  X(log_file, LOG_FILE, path, 0, 0,                                                        \
    "check mode: write error reports to this file instead of stderr; %p in the name "      \
    "becomes the process id, %u the user id (one file per user: a process that changes "   \
    "user cannot reopen another's), %q{NAME} environment variable NAME's value at the "    \
    "process's start; a run's processes append to it (before and after "                   \
    "an exec too), a file left by an earlier run is emptied first; each process's lines "  \
    "there start with its command line and its parent's pid")                              \
  X(xml, XML, bool, 0, 0,                                                                  \
    "check and guard modes: also write the errors as Valgrind's XML (protocol 4, "         \
    "Memcheck's kinds) to HEAPGUARD_XML_FILE, one document per process; the text reports " \
    "still go to stderr or the log file; `--xml=yes`")                                     \
  X(xml_file, XML_FILE, file, 0, 0,                                                        \
    "with HEAPGUARD_XML: the XML file; %p in the name becomes the process id, %u the "     \
    "user id (without %p only the run's first process writes one, the others say so: "     \
    "use %p when the program forks or runs others); an exec in the same process "          \
    "continues its document; a file left by an earlier run is emptied")                    \
  X(leak_check, LEAK_CHECK, leaks, HG_LEAKS_FULL, 0,                                       \
    "check mode: at exit, no: no leak scan; summary: totals only; full: every leak, "      \
    "grouped by allocation stack")                                                         \
  X(show_leak_kinds, SHOW_LEAK_KINDS, kinds, HG_LEAK_KIND_DEFINITE | HG_LEAK_KIND_INDIRECT, 0, \
    "check mode, --leak-check=full: the leaks printed with their allocation stack, as "    \
    "Valgrind's option: definite, indirect, possible (reached only through pointers into " \
    "their middle), reachable, separated by commas, or all or none")                       \
  X(errors_for_leak_kinds, ERRORS_FOR_LEAK_KINDS, kinds,                                   \
    HG_LEAK_KIND_DEFINITE | HG_LEAK_KIND_INDIRECT, 0,                                      \
    "check mode: the leaks counted as errors (in the ERROR SUMMARY and towards "           \
    "HEAPGUARD_ERROR_EXITCODE), the same words")                                           \
  X(leak_check_heuristics, LEAK_CHECK_HEURISTICS, heur, HG_HEUR_ALL, 0,                    \
    "check mode: the pointers into a block's middle that the leak scan takes for "         \
    "pointers to its start, as Valgrind's --leak-check-heuristics: stdstring (after an "   \
    "old-ABI std::string's header), length64 (after a word holding the block's size less " \
    "8), newarray (after a C++ new[] array's element count), multipleinheritance (at a "   \
    "vtable pointer of an object whose first word is one too), separated by commas, or "   \
    "all or none; a block reached only through others is possibly lost")                  \
  X(quarantine, QUARANTINE, size, 64 * HG_MiB, SIZE_MAX,                                   \
    "check mode: freed blocks are held (poisoned) until this many bytes are waiting, so "  \
    "writes after free and double frees are caught")                                       \
  X(protect_min, PROTECT_MIN, size, 256 * HG_KiB, SIZE_MAX,                                \
    "check mode: a freed block with at least this many bytes of whole pages in its "       \
    "first MiB has them made inaccessible while quarantined, so reads and writes after "   \
    "free there fault at once (0: never; poison only)")                                    \
  X(huge_pages, HUGE_PAGES, bool, 0, 0,                                                    \
    "check and guard modes: ask for transparent huge pages (madvise MADV_HUGEPAGE) for "   \
    "the memory the quarantine fills, a page fault per 2 MiB instead of per 4 KiB: "       \
    "faster where huge pages come cheap, but some runs much slower where they do not "     \
    "(a virtual machine, fragmented memory); the default mode never asks")                 \
  X(redzone, REDZONE, size, 16, HG_MAX_REDZONE,                                            \
    "check mode: guard bytes on each side of every block (rounded up to 16, at most 4K)")  \
  X(stack_depth, STACK_DEPTH, count, 12, HG_MAX_STACK_DEPTH,                               \
    "check mode: frames recorded per allocation and free (0: none, at most 64), and "      \
    "most frames printed per stack, inlined calls counting as frames (READ_INLINE_INFO)")  \
  X(suppressions, SUPPRESSIONS, file, 0, 0,                                                \
    "check and guard modes (and sampled guard mode): suppression files, Valgrind's "       \
    "syntax, ':' between them; an error a suppression matches is not reported and does "   \
    "not count towards the error exit code; a file that cannot be read or parsed is left " \
    "out after one line")                                                                  \
  X(gen_suppressions, GEN_SUPPRESSIONS, gen, 0, 0,                                         \
    "check and guard modes: all: after each error, the suppression that would match it, " \
    "ready to paste into a suppression file; no: none")                                   \
  X(demangle, DEMANGLE, bool, 1, 0,                                                        \
    "check and guard modes (and sampled guard mode): C++ function names in reports' "      \
    "stacks (text and XML) demangled, app::make(int) for _ZN3app4makeEi, by libstdc++'s "  \
    "__cxa_demangle when the program has it loaded; suppressions match the mangled names " \
    "whatever this says; `--demangle=yes|no`, as Valgrind's")                              \
  X(read_inline_info, READ_INLINE_INFO, bool, 1, 0,                                       \
    "check and guard modes (and sampled guard mode): a function inlined into its caller "  \
    "is shown in reports' stacks as a frame of its own (the same address), with the "       \
    "caller's line of the call under the caller's name, from the debug information; "      \
    "frames count towards STACK_DEPTH as printed; `--read-inline-info=yes|no`, as "         \
    "Valgrind's")                                                                          \
  X(error_exitcode, ERROR_EXITCODE, count, 99, HG_MAX_EXITCODE,                            \
    "check mode: exit status, 0 to 255, of a program in which errors were found (0: "      \
    "keep the program's own)")                                                             \
  X(quiet, QUIET, bool, 0, 0,                                                              \
    "check and guard modes: print the errors (loss records among them) and nothing else: " \
    "no LEAK SUMMARY, no list of repeated errors, no ERROR SUMMARY, so a clean run prints " \
    "nothing (warnings still do); the XML document is complete; `-q`, as Valgrind's")       \
  X(error_limit, ERROR_LIMIT, bool, 1, 0,                                                  \
    "check and guard modes: after 1000 different errors have been reported, the errors of " \
    "new contexts are counted (ERROR SUMMARY, exit status) but not printed, with a line "  \
    "saying so, so a program with a bug on every path cannot bury its first reports; 0: "  \
    "print them all; leaks and fatal errors are always printed; `--error-limit`, as "      \
    "Valgrind's")                                                                          \
  X(guard_side, GUARD_SIDE, side, HG_GUARD_AFTER, 0,                                       \
    "guard mode: the inaccessible page is after each block (after: overflows fault) or "   \
    "before it (before: underflows fault)")                                                \
  X(guard_align, GUARD_ALIGN, align, 16, 16,                                               \
    "guard mode: least alignment (1, 2, 4, 8 or 16) of a block from malloc, calloc or "    \
    "realloc, which is aligned to the largest power of two dividing its size, at least "   \
    "this and at most 16: it ends flush against the guard page when its size is a "        \
    "multiple of this (16: glibc's alignment, which C promises a block of 16 bytes or "    \
    "more; 8 and less catch overreads nearer the end but break programs that rely on "     \
    "it with aligned SSE accesses; 1: every block ends at its guard page)")                \
  X(sample_rate, SAMPLE_RATE, count, 0, HG_MAX_SAMPLE_RATE,                                \
    "run mode: sampled guard mode, one allocation in N (at random) placed against an "     \
    "inaccessible page, with stacks, and reported like guard mode's (0: off; at most "     \
    "2^40)")                                                                               \
  X(sample_budget, SAMPLE_BUDGET, count, 1000, HG_MAX_SAMPLE_BUDGET,                       \
    "sampled guard mode: most samples a second, the process's threads together (a burst "  \
    "of a quarter of it at most), so that a program that allocates millions of blocks a "  \
    "second is sampled less often than one in N rather than slowed down; 0: no bound; "    \
    "at most 1000000000")                                                                  \
  X(sample_max, SAMPLE_MAX, count, 512, HG_MAX_SAMPLE_MAX,                                 \
    "sampled guard mode: most sampled blocks at once, alive or freed and waiting in the "  \
    "quarantine (each costs at least two pages of address space); at most 1048576")        \
  X(sample_quarantine, SAMPLE_QUARANTINE, count, 64, HG_MAX_SAMPLE_QUARANTINE,             \
    "sampled guard mode: most freed sampled blocks kept inaccessible in the quarantine, "  \
    "each with one page of memory (at most half of HEAPGUARD_SAMPLE_MAX): a use after "    \
    "free faults while its block is there, about this many times N frees after the "       \
    "free; 0: none; at most 524288")                                                       \
  X(sample_align, SAMPLE_ALIGN, align, 16, 16,                                             \
    "sampled guard mode: least alignment (1, 2, 4, 8 or 16) of a sampled block, as "       \
    "HEAPGUARD_GUARD_ALIGN is guard mode's (16, glibc's: programs that rely on it, such as " \
    "clang's operator new and SSE stores, keep working; an overread into the up to 15 "    \
    "bytes after a block's end is then not caught, a write there is at its free)")         \
  X(stats, STATS, stats, HG_STATS_OFF, 0,                                                  \
    "at exit (and on hg_stats_print() or the stats signal) print where the memory went: "  \
    "off, text (a table) or json (one object); what `heapguard stats` sets")               \
  X(stats_file, STATS_FILE, path, 0, 0,                                                    \
    "write the stats to this file instead of stderr; %p in the name becomes the "          \
    "process id, %u the user id")                                                          \
  X(stats_signal, STATS_SIGNAL, signal, 0, 0,                                              \
    "print the stats when the process gets this signal (a name such as USR1, or a "        \
    "number; not a fault's, KILL or STOP; 0 or off: none); printed at once, or by the "    \
    "next allocation if the allocator is busy")                                            \
  X(timeline, TIMELINE, file, 0, 0,                                                        \
    "write the allocator's figures to this file as JSON Lines: sampled during the run "    \
    "and once at exit (docs/stats-format.md); %p in the name becomes the process id, "     \
    "%u the user id")                                                                      \
  X(timeline_ms, TIMELINE_MS, count, 10, HG_MAX_TIMELINE_MS,                               \
    "timeline: at most one sample per this many milliseconds, 0 to 3600000 (taken by "     \
    "allocations)")                                                                        \
  X(trace, TRACE, output, 0, 0,                                                            \
    "trace every call the allocator makes to the kernel (brk, mmap, munmap, madvise, "     \
    "mremap), with its reason, to stderr (stderr or 1) or to this file (%p: the "          \
    "process id, %u: the user id, for a process that changes user; a run's processes "     \
    "append to it, a file left by an earlier run is emptied first); empty or 0: off; "     \
    "what `heapguard trace` sets")                                                         \
  X(trace_calls, TRACE_CALLS, bool, 0, 0,                                                  \
    "trace: also every malloc, free, calloc, realloc and memalign-family call, with its "  \
    "arguments and result (to stderr if HEAPGUARD_TRACE is not set; not in check mode)")

enum hg_mode { HG_MODE_RUN, HG_MODE_CHECK, HG_MODE_GUARD };
enum hg_guard_side { HG_GUARD_AFTER, HG_GUARD_BEFORE };
enum hg_leaks { HG_LEAKS_NO, HG_LEAKS_SUMMARY, HG_LEAKS_FULL };
enum hg_stats_format { HG_STATS_OFF, HG_STATS_TEXT, HG_STATS_JSON };

#define HG_OPT_FIELD_size  size_t
#define HG_OPT_FIELD_bool  bool
#define HG_OPT_FIELD_count size_t
#define HG_OPT_FIELD_align size_t
#define HG_OPT_FIELD_mode  unsigned
#define HG_OPT_FIELD_leaks unsigned
#define HG_OPT_FIELD_side  unsigned
#define HG_OPT_FIELD_path  const char *   /* its copy (options_text.c), or NULL */
#define HG_OPT_FIELD_stats unsigned
#define HG_OPT_FIELD_signal size_t      /* a signal number, 0 for none */
#define HG_OPT_FIELD_file  const char *   /* like path, but off by default */
#define HG_OPT_FIELD_output const char * /* like file, and "stderr" for stderr */
#define HG_OPT_FIELD_kinds unsigned      /* HG_LEAK_KIND_ bits */
#define HG_OPT_FIELD_heur  unsigned      /* HG_HEUR_ bits */
#define HG_OPT_FIELD_gen   bool           /* no: false, all: true */

struct hg_options {
#define X(field, env, type, def, max, doc) HG_OPT_FIELD_##type field;
  HG_OPTIONS(X)
#undef X
  bool mmap_threshold_fixed;   /* set by the user: no dynamic adjustment */
};

extern HG_HIDDEN struct hg_options hg_opt;

/* Read HEAPGUARD_* from the environment (environ, never getenv: no allocation, and it
 * may run before libc is initialised).  Bad values and unknown names are reported on
 * stderr and ignored. */
void hg_options_init(void);
/* One of glibc's four tunings that heapguard has (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD,
 * M_TOP_PAD, M_MMAP_MAX: <malloc.h>), as mallopt (compat.c) sets it and as glibc's
 * environment does (MALLOC_MMAP_THRESHOLD_=, GLIBC_TUNABLES=glibc.malloc.mmap_threshold=,
 * ...: read by hg_options_init, before the HEAPGUARD_ variables, which win).  The trim
 * threshold and pad are capped at HG_TRIM_NEVER, so that their sum (region.c) cannot
 * wrap. */
#define HG_TRIM_NEVER (SIZE_MAX / 4)   /* a trim threshold or pad no heap reaches */
void hg_glibc_tune(int param, size_t value);
/* s, the value of an option naming a file, copied where the program cannot write over
 * it (options_text.c); s itself when the pool is full. */
const char *hg_options_keep_text(const char *s);

/* Help text for every option into buf (for the CLI and the docs). */
size_t hg_options_describe(char *buf, size_t size);

/* Number of options, and option i's environment name (without HEAPGUARD_) and default
 * as the README shows it ("128K", "1", "full", "stderr"); for the documentation test. */
unsigned hg_options_count(void);
const char *hg_options_name(unsigned i);
size_t hg_options_default_text(unsigned i, char *buf, size_t size);

#endif
