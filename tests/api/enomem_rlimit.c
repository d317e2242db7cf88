/* Running out of address space: a child limits RLIMIT_AS to its current size + 64 MiB,
 * then big allocations fail with NULL/ENOMEM (malloc, calloc, realloc keeps the block),
 * allocating 1 MiB blocks until failure and 64-byte blocks until failure both end in
 * NULL/ENOMEM rather than a crash, and after freeing everything the allocator works.
 */
#include "check.h"
#include "../common/vm_size.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)
#define MAX_SMALL 2000000
#define MAX_BIG 4096

static int child(void) {
  /* the pointer arrays are mapped before the limit is set so they count as "used" */
  void **small = mmap(NULL, MAX_SMALL * sizeof(void *), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!CHECK(small != MAP_FAILED)) return check_finish();
  static void *big[MAX_BIG];
  /* warm the allocator up so its own set-up is already counted */
  for (int i = 0; i < 100; i++) free(malloc((size_t)i * 300 + 1));
  free(malloc(2 * MiB));

  size_t vm = vm_size();
  if (!vm) check_skip("cannot read VmSize from /proc/self/status");
  struct rlimit rl = {vm + 64 * MiB, vm + 64 * MiB};
  if (setrlimit(RLIMIT_AS, &rl) != 0) check_skip("setrlimit(RLIMIT_AS) failed");
  fprintf(stderr, "VmSize %zu MiB, RLIMIT_AS %zu MiB\n", vm / MiB, (size_t)rl.rlim_cur / MiB);

  errno = 0;
  void *p = malloc(256 * MiB);
  CHECKF(p == NULL, "malloc(256 MiB) under a 64 MiB headroom returned %p", p);
  CHECK_ERRNO(ENOMEM);
  free(p);

  errno = 0;
  p = calloc(256, MiB);
  CHECKF(p == NULL, "calloc(256, 1 MiB) returned %p", p);
  CHECK_ERRNO(ENOMEM);
  free(p);

  unsigned char *s = malloc(100);
  if (CHECK_NONNULL(s)) {
    hg_fill(s, 100, 1);
    errno = 0;
    void *r = realloc(s, 256 * MiB);
    CHECKF(r == NULL, "realloc(100-byte block, 256 MiB) returned %p", r);
    CHECK_ERRNO(ENOMEM);
    if (r) s = r;
    else CHECK_PATTERN(s, 100, 1);
    free(s);
  }

  /* 1 MiB blocks until failure */
  int nbig = 0;
  errno = 0;
  for (; nbig < MAX_BIG; nbig++) {
    big[nbig] = malloc(MiB);
    if (!big[nbig]) break;
    memset(big[nbig], nbig, 4096); /* touch a page, not all: keep RSS small */
  }
  CHECKF(nbig < MAX_BIG, "%d 1-MiB blocks under a 64 MiB headroom", nbig);
  CHECK_ERRNO(ENOMEM);
  fprintf(stderr, "%d 1-MiB blocks before failure\n", nbig);
  for (int i = 0; i < nbig; i++) free(big[i]);

  /* 64-byte blocks until failure */
  long nsmall = 0;
  errno = 0;
  for (; nsmall < MAX_SMALL; nsmall++) {
    small[nsmall] = malloc(64);
    if (!small[nsmall]) break;
    *(volatile long *)small[nsmall] = nsmall;
  }
  CHECKF(nsmall < MAX_SMALL, "%ld 64-byte blocks under a 64 MiB headroom", nsmall);
  CHECK_ERRNO(ENOMEM);
  fprintf(stderr, "%ld 64-byte blocks before failure\n", nsmall);
  long bad = 0;
  for (long i = 0; i < nsmall; i++) bad += *(long *)small[i] != i;
  CHECK_EQ(bad, 0);
  /* a failed small malloc does not break a big one or vice versa */
  errno = 0;
  p = malloc(256 * MiB);
  CHECK_NULL(p);
  for (long i = 0; i < nsmall; i++) free(small[i]);

  /* everything freed: allocation works again */
  p = malloc(64);
  CHECK_NONNULL(p);
  free(p);
  p = malloc(8 * MiB);
  CHECKF(p != NULL, "malloc(8 MiB) after freeing everything failed");
  if (p) memset(p, 1, 8 * MiB);
  free(p);
  return check_finish();
}

int main(void) {
  fflush(NULL);
  pid_t pid = fork();
  if (!CHECK(pid >= 0)) return check_finish();
  if (pid == 0) _exit(child());
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 77) check_skip("the child skipped");
  CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x (%s %d)", st,
         WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  return check_finish();
}
