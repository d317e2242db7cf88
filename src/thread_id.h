/* thread_id.h — which thread a report speaks of: Valgrind's "Thread N:" before an error
 * found in another thread than the last error printed, and its XML <tid> and
 * <threadname>.
 *
 * A thread's number is its serial of check mode's (check.h: hg_leak_thread_serial):
 * threads are numbered in the order they first allocated in check mode (or took a
 * sampled block), the main thread 1, since it allocates before any other thread
 * exists (the loader's and libc's start do; sampled mode takes it one at start).  A
 * thread that comes to a report without having allocated takes the next number then.
 * Numbers are never reused (Valgrind reuses a dead thread's), and a fork child's
 * forking thread keeps its own, as under Valgrind.
 *
 * A thread's name is shown only when the program gave it one (pthread_setname_np,
 * prctl(PR_SET_NAME)), as Valgrind does: when its name (the kernel's comm, 15
 * characters) is not the one the process started with. */
#ifndef HG_THREAD_ID_H
#define HG_THREAD_ID_H

#include "internal.h"

struct hg_thread_id {
  uint32_t number;   /* 0: not known */
  char name[16];     /* "" if the program gave the thread none */
};

/* At the start of the modes that report (in the main thread): the process's own name,
 * and the main thread's number. */
void hg_thread_id_start(void);

/* The calling thread's number and name (async-signal-safe: one system call). */
void hg_thread_id_get(struct hg_thread_id *out);

#endif
