/* stop.h — stopping the process's other threads while the exit-time leak scan runs.
 *
 * The scan reads memory, not registers: a block a running thread holds only in a
 * register (just returned by malloc, or kept in a loop) would be reported lost.  Each
 * other thread is sent a signal whose handler leaves the thread's registers on its own
 * stack (the kernel's signal frame: general and vector registers) and waits there until
 * the scan is over.  Only check and guard mode's exit-time scan uses it. */
#ifndef HG_STOP_H
#define HG_STOP_H

#include "internal.h"

/* Stop every other thread that can be stopped within a short time; returns how many
 * were stopped.  The caller holds check mode's lock (so no stopped thread holds it),
 * and takes no other allocator lock until hg_stop_release(): a stopped thread may
 * hold one. */
size_t hg_stop_others(void);

/* Let them run on, and put the signal's action back. */
void hg_stop_release(void);

#endif
