/* xml.h — check and guard modes' errors as Valgrind's XML (protocol version 4, what
 * Memcheck writes with --xml=yes): HEAPGUARD_XML with HEAPGUARD_XML_FILE.
 *
 * One document per process, opened at check mode's start (a forked child's at its first
 * output: its own file, with %p in the name) and closed by the error summary, or by a
 * fault that ends the process.  The text reports are not changed: the writer follows
 * them.  A reporter says what kind of report starts (hg_xml_error, hg_xml_leak,
 * hg_xml_fatal); the lines it then prints (diag.c hands each to hg_xml_line) become
 * the error's <what> (the first) and <auxwhat>s, and the stacks it prints
 * (symbolise.c: hg_xml_stack_begin, hg_xml_frame, hg_xml_stack_end) its <stack>s.  The
 * report's end (the report lock's outermost unlock) closes the <error>.
 *
 * Nothing here allocates: formatted with hg_vformat into stack buffers, written with
 * write(2), so it runs in a signal handler (guard mode's faults, crash reports) too.
 * Called with the report lock held (diag.h), which orders the document's parts. */
#ifndef HG_XML_H
#define HG_XML_H

#include "internal.h"

/* Whether this process may write a document (HEAPGUARD_XML set, and its file not
 * refused): the callers test it before any call below. */
extern HG_HIDDEN bool hg_xml_on;

/* At check mode's start: open the file and write the preamble. */
void hg_xml_start(void);

/* A report of heapguard's kind `kind` begins (the report lock held): an <error>.
 * access: check_internal.h's finding access (2: a write, 1: a read, 0: check mode's
 * written bytes, 3: unknown), which picks Memcheck's InvalidRead or InvalidWrite.
 * context: its error context's number (diag.h: hg_diag_context_number), the <unique>;
 * SIZE_MAX: none (a leak record that is not an error), one past the contexts' given.
 * t: the thread that found it (<tid>, <threadname>). */
struct hg_thread_id;
void hg_xml_error(const char *kind, int access, size_t context, const struct hg_thread_id *t);
/* A leak record: leak_kind 0 definitely, 1 indirectly, 2 possibly lost, 3 still reachable. */
void hg_xml_leak(unsigned leak_kind, size_t bytes, size_t blocks, size_t context);
/* --gen-suppressions (suppress.c): a <suppression> in the error just reported: begin
 * (kind: heapguard's, leak_kinds: its match-leak-kinds or NULL), each frame (fun, or
 * obj if fun is NULL), each line of its text as the log has it, end. */
void hg_xml_suppression_begin(const char *kind, const char *leak_kinds);
void hg_xml_sframe(const char *fun, const char *obj);
void hg_xml_suppression_line(const char *line);
void hg_xml_suppression_end(void);
/* A crash report (crash.c): a <fatal_signal> with the first stack printed; code: the
 * signal's si_code; event: what the kernel's code means, for a signal the hardware
 * raised, with the faulting address addr (Valgrind's <event> and <siaddr>), or NULL;
 * t: the thread it killed. */
void hg_xml_fatal(int sig, const char *signame, int code, const char *event, const void *addr,
                  const struct hg_thread_id *t);

/* One line of a report, as diag.c formatted it ("==pid== " first). */
void hg_xml_line(const char *line, size_t n);

/* A stack printed (stack.h: hg_stack_print); api: the allocator call it was taken in,
 * shown as its first frame, or NULL.  Its text lines are not the document's. */
void hg_xml_stack_begin(const char *api);
/* One frame: file may be a path (split into <dir> and <file>), relative to comp_dir
 * (its compilation unit's directory, or NULL); NULL: unknown. */
void hg_xml_frame(uintptr_t ip, const char *obj, const char *fn, const char *file, const char *comp_dir,
                  int line);
void hg_xml_stack_end(void);

/* The outermost report lock's release: the report's <error> is complete. */
void hg_xml_report_end(void);

/* The end of the document, from the error summary (diag.c): <status> FINISHED, then
 * <errorcounts> (pairs of each error context's count and unique id, given one by one
 * with hg_xml_count) and <suppcounts> (hg_xml_suppcount), and </valgrindoutput>. */
void hg_xml_finish_begin(void);
void hg_xml_count(size_t count, size_t unique);
void hg_xml_counts_end(void);
void hg_xml_suppcount(size_t count, const char *name);
void hg_xml_finish_end(void);
/* The process dies without a summary (a fault in heapguard's own code or in a report):
 * whatever is open is closed, and the document ends. */
void hg_xml_abandon(void);

/* After fork, in the child: a document of its own (with %p in the name), opened at its
 * first output; without %p, none, and a warning at its first error. */
void hg_xml_fork_child(void);

#endif
