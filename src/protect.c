/* protect.c — check mode's protected quarantine blocks (see protect.h). */
#define _GNU_SOURCE
#include "protect.h"

#include <fcntl.h>
#include <unistd.h>

#include "guard.h"
#include "options.h"
#include "os.h"
#include "pagemap.h"

bool hg_protect_on;

static size_t protect_max;          /* blocks protected at once, at most */
static _Atomic size_t protected_now;  /* blocks protected now (the fault handler reads it) */

/* vm.max_map_count, or the kernel's default if it cannot be read. */
static size_t map_count_limit(void) {
  size_t v = 0;
  int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) v = v * 10 + (size_t)(buf[i] - '0');
  }
  return v ? v : 65530;
}

void hg_protect_start(void) {
  /* Guard mode's blocks are guarded already (and its mappings have their own budget);
   * a block is only held when its slot is at most a quarter of the quarantine, and a
   * protected one has at least HEAPGUARD_PROTECT_MIN bytes (0: never). */
  if (!hg_check_on || hg_guard_on || hg_opt.protect_min == 0 ||
      hg_opt.quarantine / 4 < hg_opt.protect_min)
    return;
  /* Each protected block adds at most two mappings (it splits the heap's in three). */
  protect_max = map_count_limit() / 16;
  if (protect_max < 16) return;
  hg_fault_install();
  hg_protect_on = true;
}

bool hg_protect_freed_slow(struct hg_block *b) {
  uintptr_t lo, hi;
  if (!hg_protect_range(b, &lo, &hi)) return false;
  size_t now = atomic_load_explicit(&protected_now, memory_order_relaxed);
  if (now >= protect_max) return false;
  /* Counted before the pages change: a fault handler that sees them inaccessible sees
   * a count above 0 (protect.h: hg_protect_may_hold). */
  atomic_store_explicit(&protected_now, now + 1, memory_order_relaxed);
  if (!hg_os_protect((void *)lo, hi - lo, false)) {   /* ENOMEM: out of mappings */
    atomic_store_explicit(&protected_now, now, memory_order_relaxed);
    return false;
  }
  b->flags |= HG_BLOCK_PROTECTED;
  return true;
}

bool hg_protect_release(struct hg_block *b) {
  uintptr_t lo, hi;
  hg_protect_range(b, &lo, &hi);
  if (!hg_os_protect((void *)lo, hi - lo, true)) return false;
  b->flags &= (uint8_t)~HG_BLOCK_PROTECTED;
  atomic_fetch_sub_explicit(&protected_now, 1, memory_order_relaxed);
  return true;
}

bool hg_protect_may_hold(uintptr_t a) {
  return atomic_load_explicit(&protected_now, memory_order_relaxed) != 0 &&
         hg_pagemap_get((const void *)a) != NULL;
}
