/* diag.h — check mode's reports: where they go, how errors are counted, the summary.
 *
 * Every line of a report starts with "==PID== ", as Valgrind's do, so reports from a
 * parent and its children can be told apart in one stream.  Reports go to stderr or to
 * HEAPGUARD_LOG_FILE ("%p" there becomes the process id), opened at the first line.
 * Nothing here allocates: lines are formatted with hg_vformat into a stack buffer.
 *
 * An error is counted against a context (its kind, where it was detected and where the
 * block came from): the first time a context is seen the caller prints the full
 * report; later ones only add to the context's count, shown in the summary. */
#ifndef HG_DIAG_H
#define HG_DIAG_H

#include "internal.h"

/* Open the output now (the library constructor): stderr is duplicated, so reports
 * still reach it if the program closes fd 2 before exit. */
void hg_diag_init(void);

/* "check mode", "guard mode" or "sampled guard mode": the mode running, for messages
 * about it ("heapguard: guard mode: ..."); "heapguard" in the others. */
const char *hg_diag_mode(void);

/* One line of a report. */
void hg_diag_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Before an error's first line (inside hg_diag_lock): Valgrind's "Thread N name:" if
 * thread t is not the one whose error was printed last; in the text alone (XML has
 * <tid>, thread_id.h). */
struct hg_thread_id;
void hg_diag_thread(const struct hg_thread_id *t);

/* Set (the report lock held) while a report prints what only its XML form has
 * (xml.h): hg_diag_line's lines then go to the document alone. */
extern HG_HIDDEN bool hg_diag_xml_only;

/* One line as hg_diag_line writes it, but with no lock (not even the log file's, to
 * open it: to stderr's copy, or fd 2, if it is not open yet): async-signal-safe, for
 * a signal taken while a report is written (fault.c). */
void hg_diag_line_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Keep a multi-line report together: other threads wait, the same thread may nest.
 * The outermost unlock first prints the errors check mode found meanwhile in this
 * thread (check.h: hg_check_report_deferred). */
void hg_diag_lock(void);
void hg_diag_unlock(void);
/* Whether this thread is printing a report (holds the lock above). */
bool hg_diag_reporting(void);

/* Count an error of `kind` detected at stack `where` about a block allocated at stack
 * `origin` (0 when unknown).  True if this context is new and must be printed. */
bool hg_diag_error(const char *kind, uint32_t where, uint32_t origin);

/* The same, for an error a suppression may match (suppress.h; site NULL: none can):
 * 1 if the context is new and must be printed, 0 if it was seen before, -1 if it is
 * suppressed (its context matched a suppression, decided once, the first time: not
 * printed, not counted among the errors, counted in the summary's "suppressed").
 * A new context is matched inside the report lock, so its symbolising nests in no
 * other report. */
struct hg_supp_site;
int hg_diag_error_site(const char *kind, uint32_t where, uint32_t origin, const struct hg_supp_site *site);
/* Whether a suppression matches an error that is not counted as one (a leak under
 * --leak-check=summary, whose lost blocks are one error): if so, counted as suppressed. */
bool hg_diag_suppressed(const char *kind, const struct hg_supp_site *site);
/* After an error's report (inside hg_diag_lock): with --gen-suppressions=all, the
 * suppression that would match it. */
void hg_diag_suppression(const char *kind, const struct hg_supp_site *site);
/* A line without the "==PID== " prefix (a generated suppression, to paste as it is). */
void hg_diag_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The number of the context of an error counted by hg_diag_error(_site), SIZE_MAX if
 * the table had no room for it (xml.h: the <error>'s unique id, its <errorcounts>
 * pair's).  Looked up, not kept per thread: a TLS variable more is a relocation more,
 * which took the hot text's last page to a seventh (programs/resident). */
size_t hg_diag_context_number(const char *kind, uint32_t where, uint32_t origin);

/* The errors counted (suppressed ones are not): the exit status follows it. */
size_t hg_diag_error_count(void);
/* "ERROR SUMMARY: N errors from M contexts", with the count of each repeated one. */
void hg_diag_summary(void);

/* After fork, in the child: reopen the log (its name may hold the new pid) and
 * forget the parent's errors. */
void hg_diag_fork_child(void);

/* HEAPGUARD_CHILD_SILENT_AFTER_FORK in a forked child (init.c sets it, in every mode,
 * before the child runs): every line above goes nowhere, and hg_diag_error(_site) says no
 * context is new, so no report is even composed.  An exec starts a new image, with
 * this false again. */
extern HG_HIDDEN bool hg_diag_silent;

#endif
