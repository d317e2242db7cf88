/* cli.h — the heapguard command line (build/heapguard).
 *
 * main.c parses the arguments (the command table and each command's options) and sets
 * the HEAPGUARD_* environment; run.c finds the library, preloads it and runs the
 * program, then ends the way the program ended.  The CLI is an ordinary program: it is
 * not preloaded into itself and uses libc freely. */
#ifndef HG_CLI_H
#define HG_CLI_H

#include <stdbool.h>
#include <stddef.h>

#ifndef HG_VERSION
#define HG_VERSION "unknown"
#endif

/* Exit status for usage errors: unknown command or option, bad value, no program, no
 * library. */
#define CLI_USAGE_ERROR 2

/* Exit status of check, guard, stats, trace and run --sample-rate when the library
 * cannot be preloaded into the program (cli_not_preloadable), which is then not run:
 * a shell's "found but cannot be executed", as heapguard cannot run it as asked. */
#define CLI_NOT_PRELOADABLE 126

/* "heapguard: <message>\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_error, then exit with CLI_USAGE_ERROR. */
__attribute__((format(printf, 1, 2), noreturn)) void cli_fail(const char *fmt, ...);

/* Exit with CLI_USAGE_ERROR and "FILE:LINE: what is wrong" unless path is a suppression
 * file the library can load (suppressions.c). */
void cli_check_suppressions(const char *path);

/* The absolute path of libheapguard.so: $HEAPGUARD_LIB, else next to this executable,
 * else ../lib/ from it.  Exits with CLI_USAGE_ERROR, saying where it looked, if none
 * exists. */
char *cli_find_library(void);

/* Valgrind's spelling of one of check mode's options (arg, as given), for check and
 * guard (valgrind.c): true if it is one heapguard knows, with out (size bytes) holding
 * heapguard's form to parse instead, or empty when there is nothing to set (accepted,
 * or ignored after a line saying why); false if it is not.  Exits with
 * CLI_USAGE_ERROR for one asking for another tool (--tool=helgrind). */
bool cli_valgrind_option(const char *command, const char *arg, char *out, size_t size);

/* Put lib in front of LD_PRELOAD (keeping what is there) and set HEAPGUARD_MODE. */
void cli_preload(const char *lib, const char *mode);

/* The name of the ELF note the library carries (api.c), so that a statically linked
 * program with heapguard linked in can be told from one without. */
#define HG_ELF_NOTE_NAME "heapguard"

/* Whether LD_PRELOAD cannot put the library (at lib_path) into program (looked up in
 * PATH as execvp does): statically linked, set-user-ID, set-group-ID or with file
 * capabilities, for another ELF class or machine, or a script whose interpreter is one
 * of those.  If so, why ("it is statically linked ...") is written to why.
 * (preloadable.c) */
bool cli_not_preloadable(const char *program, const char *lib_path, char *why, size_t size);

/* Run argv (PATH search as a shell does) and end as it ends: the same exit status, or
 * death by the same signal.  127 if it cannot be found, 126 if it cannot be run. */
__attribute__((noreturn)) void cli_run(char **argv);

/* `heapguard report TIMELINE [-o FILE]` (report.c; report_read.c reads the timeline):
 * argv holds the arguments after "report"; returns the exit status.  cli_report_help
 * is its --help text. */
int cli_report_main(int argc, char **argv);
extern const char cli_report_help[];

#endif
