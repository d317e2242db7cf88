/* A program that locks all its memory (cryptsetup, corosync, chronyd, real-time
 * programs): mlockall(MCL_CURRENT | MCL_FUTURE) after the allocator is set up, then
 * mallocs and frees of small, medium and large blocks.  mlockall populates every page
 * of every readable mapping, so the allocator must not hold a large address-space
 * reservation (a flat page map of 256 GiB cost 513 MiB of page tables and 1.2 s with
 * transparent huge pages, 54 s without): the call must be quick, and VmPTE (page
 * tables) and VmSize small (bounds generous: 16 MiB, 4 GiB).  Skips (77) when mlockall
 * is refused (no CAP_IPC_LOCK and RLIMIT_MEMLOCK too low).  Then 80 MB freed while locked:
 * the allocator's purges are refused by the kernel, and must not be fatal.
 */
#include "check.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* A "Vm...:  N kB" line of /proc/self/status, in bytes (0 if missing). */
static size_t status_bytes(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  size_t kb = 0, n = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, n) == 0 && line[n] == ':' && sscanf(line + n + 1, " %zu kB", &kb) == 1) break;
  fclose(f);
  return kb * KiB;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
  /* the allocator's own set-up happens before the lock */
  for (int i = 0; i < 100; i++) free(hg_opaque(malloc((size_t)i * 97 + 1)));
  size_t vm_before = status_bytes("VmSize");

  double t0 = now();
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    printf("mlockall refused (%s): no CAP_IPC_LOCK, RLIMIT_MEMLOCK too low\n", strerror(errno));
    return 77;
  }
  double t_lock = now() - t0;

  /* blocks of every kind while everything is locked; the total stays a few MiB */
  static void *win[256];
  hg_rng r = { 42 };
  for (int i = 0; i < 200000; i++) {
    size_t k = hg_range(&r, 0, 255);
    free(win[k]);
    size_t n = i % 1000 == 999 ? hg_range(&r, 128 * KiB, 1 * MiB) : hg_logsize(&r, 1, 16 * KiB);
    win[k] = malloc(n);
    if (!CHECK(win[k] != NULL)) return check_finish();
    memset(win[k], (int)k, n < 64 ? n : 64);
  }
  for (int k = 0; k < 256; k++) free(win[k]);
  double t_all = now() - t0;

  /* Memory freed while locked: the kernel refuses to drop locked pages (madvise
   * MADV_DONTNEED: EINVAL), which heapguard took for a fatal error ("madvise failed with
   * error 22", SIGABRT) once the freed pages were over the dirty cap (64 MiB), were idle
   * for the decay time (1 s), or at malloc_trim.  They stay; calloc still zeroes. */
  enum { NBIG = 2000, BIG = 40000 };
  static char *big[NBIG];
  for (int i = 0; i < NBIG; i++) {
    big[i] = malloc(BIG);
    if (!CHECK(big[i] != NULL)) return check_finish();
    memset(big[i], 0x5a, BIG);
  }
  for (int i = 0; i < NBIG; i++) free(big[i]);
  malloc_trim(0);
  for (double t1 = now(); now() - t1 < 1.2;) {   /* past the decay time, allocating */
    free(malloc(100));
    free(malloc(BIG));
    struct timespec ms = { 0, 1000000 };
    nanosleep(&ms, NULL);
  }
  for (int i = 0; i < 8; i++) {
    unsigned char *z = calloc(1, BIG);
    if (!CHECK(z != NULL)) return check_finish();
    size_t bad = 0;
    for (size_t j = 0; j < BIG; j++) bad += z[j] != 0;
    CHECKF(bad == 0, "calloc(1, %d) after the locked purge: %zu bytes not zero", BIG, bad);
    free(z);
  }
  t_all = now() - t0;

  size_t pte = status_bytes("VmPTE"), vm = status_bytes("VmSize"), lck = status_bytes("VmLck");
  printf("mlockall %.3f s, with the mallocs %.3f s; VmPTE %zu KiB, VmSize %zu MiB (%zu MiB before), "
         "VmLck %zu MiB\n", t_lock, t_all, pte / KiB, vm / MiB, vm_before / MiB, lck / MiB);
  munlockall();
  CHECKF(t_lock < 5.0, "mlockall took %.3f s", t_lock);
  CHECKF(t_all < 30.0, "mlockall and the mallocs took %.3f s", t_all);
  CHECKF(pte < 16 * MiB, "VmPTE is %zu KiB after mlockall", pte / KiB);
  CHECKF(vm < 4096 * MiB && vm - vm_before < 4096 * MiB, "VmSize is %zu MiB (%zu MiB before mlockall)",
         vm / MiB, vm_before / MiB);
  return check_finish();
}
