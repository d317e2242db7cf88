/* forkpages.c — a fork child's pages still shared with its parent (see forkpages.h). */
#define _GNU_SOURCE
#include "forkpages.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blocks.h"

#define PM_PRESENT   ((uint64_t)1 << 63)
#define PM_EXCLUSIVE ((uint64_t)1 << 56)

/* (Written by the fork handlers: on the fork page of .data, internal.h.) */
static bool child HG_FORK_DATA;         /* this process came from fork() (our handler ran) */
static bool has_forked HG_FORK_DATA;    /* it has called fork() since */
static pid_t parent HG_FORK_DATA;       /* its parent then */

void hg_forkpages_fork_parent(void) { has_forked = true; }

void hg_forkpages_fork_child(void) {
  child = true;
  has_forked = false;
  parent = (pid_t)syscall(SYS_getppid);
}

/* A window of pagemap entries, WINDOW pages from `first` (a page number, a multiple of
 * WINDOW: a slot's neighbours are in it), read with one pread.  Used by the one verify
 * at exit, under check mode's lock. */
#define WINDOW 512
static int fd = -1;
static uintptr_t first = UINTPTR_MAX;
static size_t held;        /* entries read into entry[] */
static uint64_t entry[WINDOW];

/* Page p's entry, 0 (not present) if it cannot be read. */
static uint64_t entry_of(uintptr_t p) {
  if (p - first >= held) {
    first = p & ~(uintptr_t)(WINDOW - 1);
    long n = syscall(SYS_pread64, fd, entry, sizeof entry, (off_t)(first * sizeof *entry));
    held = n > 0 ? (size_t)n / sizeof *entry : 0;
    if (p - first >= held) return 0;
  }
  return entry[p - first];
}

bool hg_forkpages_inherited(uintptr_t from, uintptr_t to) {
  for (uintptr_t p = from >> HG_PAGE_SHIFT, e = (to - 1) >> HG_PAGE_SHIFT; p <= e; p++)
    if ((entry_of(p) & (PM_PRESENT | PM_EXCLUSIVE)) != PM_PRESENT) return false;
  return true;
}

bool hg_forkpages_array_inherited(size_t i, size_t *next) {
  uintptr_t lo, hi;
  hg_blocks_array(i, next, &lo, &hi);
  return lo == hi || (hi != UINTPTR_MAX && hg_forkpages_inherited(lo, hi));
}

/* KSM merges equal pages of any processes (of mappings marked mergeable, or of a whole
 * process: prctl PR_SET_MEMORY_MERGE) into one shared page: then a non-exclusive page
 * is not one the process left alone.  Off unless ksmd runs ("1"). */
static bool ksm_running(void) {
  int k = hg_sys_open("/sys/kernel/mm/ksm/run", O_RDONLY | O_CLOEXEC);
  if (k < 0) return false;   /* no KSM in this kernel */
  char c = '1';
  bool on = hg_sys_read(k, &c, 1) != 1 || c != '0';
  hg_sys_close(k);
  return on;
}

bool hg_forkpages_begin(void) {
  if (!child || has_forked || (pid_t)syscall(SYS_getppid) != parent) return false;
  int saved = errno;
  siginfo_t si;
  bool children = syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT, NULL) == 0 || errno != ECHILD;
  errno = saved;
  if (children || ksm_running()) return false;
  fd = hg_sys_open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  /* A page this process has just written must read as present and exclusive; else the
   * kernel does not say (before 4.2 bit 56 was not this flag) and nothing is skipped. */
  volatile uintptr_t probe = (uintptr_t)&probe;
  first = UINTPTR_MAX;
  held = 0;
  if ((entry_of(probe >> HG_PAGE_SHIFT) & (PM_PRESENT | PM_EXCLUSIVE)) == (PM_PRESENT | PM_EXCLUSIVE))
    return true;
  hg_forkpages_end();
  return false;
}

void hg_forkpages_end(void) {
  if (fd >= 0) hg_sys_close(fd);
  fd = -1;
  held = 0;
}
