/* trace_format.h — the text of the trace's lines (trace_format.c), for trace.c, which
 * writes them.  Formatting only: no allocation, no output, no state. */
#ifndef HG_TRACE_FORMAT_H
#define HG_TRACE_FORMAT_H

#include "trace.h"

/* A line being formatted into p[0..size).  len counts what was formatted, which may
 * pass size (hg_vformat counts what did not fit): the writer clips it. */
struct hg_trace_buf { char *p; size_t size, len; };

/* "heapguard[PID] SECONDS " (heapguard[PID/TID] on a thread other than the main one),
 * us microseconds since the process started tracing. */
void hg_trace_format_prefix(struct hg_trace_buf *b, int pid, int tid, uint64_t us);
/* "CALL = RESULT", as strace prints it, indented inside a traced call (nested), padded
 * to the reason column, then "  # REASON": why (HG_WHY_*) with the thread's context c. */
void hg_trace_format_syscall(struct hg_trace_buf *b, bool nested, unsigned sys, const long *args, long ret,
                             unsigned why, const struct hg_trace_ctx *c);

#endif
