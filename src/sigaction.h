/* sigaction.h — what the library's signal users (fault.c, stop.c) share. */
#ifndef HG_SIGACTION_H
#define HG_SIGACTION_H

#include <signal.h>
#include <string.h>

/* glibc's own sigaction: the library exports one for the program (fault.c). */
extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/* A struct sigaction the library keeps in its static memory, a root of the leak scan,
 * must not carry dead stack: only the kernel's mask, the first 8 of sa_mask's 128
 * bytes, means anything, and glibc (2.36) fills the other 120 of an old action from
 * its own uninitialized stack, which holds the program's stale addresses (a leaked
 * block was reported "still reachable": bugs/bug_leak_dead_stack; a program's own
 * struct may carry the same).  Clears them. */
static inline void hg_sigaction_kernel_mask_only(struct sigaction *a) {
  memset((char *)&a->sa_mask + (NSIG - 1) / 8, 0, sizeof a->sa_mask - (NSIG - 1) / 8);
}

#endif
