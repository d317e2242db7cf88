// expect-error: memory-leak
// expect-text: definitely lost: 800 bytes in 20 blocks
// expect-text: bug_leak_register\.c:69\)
// expect-text: bug_leak_register\.c:70\)
// expect-text: bug_leak_register\.c:71\)
// expect-text: bug_leak_register\.c:72\)
// expect-text: bug_leak_register\.c:73\)
// expect-text: bug_leak_register\.c:74\)
// expect-text: bug_leak_register\.c:75\)
// expect-text: bug_leak_register\.c:76\)
// expect-text: bug_leak_register\.c:77\)
// expect-text: bug_leak_register\.c:78\)
// expect-text: bug_leak_register\.c:79\)
// expect-text: bug_leak_register\.c:80\)
// expect-text: bug_leak_register\.c:81\)
// expect-text: bug_leak_register\.c:82\)
// expect-text: bug_leak_register\.c:83\)
// expect-text: bug_leak_register\.c:84\)
// expect-text: bug_leak_register\.c:85\)
// expect-text: bug_leak_register\.c:86\)
// expect-text: bug_leak_register\.c:87\)
// expect-text: bug_leak_register\.c:88\)
/* A leaked block whose address the program held only in callee-saved registers
   (rbx, rbp, r12-r15: what gcc -O2 keeps a pointer in across a call) while it
   called an allocation function: the allocator's own frames saved those registers
   on the program's stack, check mode's wipe did not reach them (it wiped below its
   entry point's frame), and at exit, inside a live frame of the program's (deep's
   buffer, never written), the copy made the block "still reachable" where Valgrind
   says "definitely lost" (/tmp/lead/s23/where2.c, every function it tried).  One
   case per allocation function (each line below is one loss record), each at its
   own depth so that no case's residue is overwritten by another's. */
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#if !defined(__x86_64__)
int main(void) { return 77; }
#else
#include "../common/leak_across.h"

#define F(f) ((void *)(uintptr_t)&(f))
#define A(x) ((uintptr_t)(x))

/* The blocks the calls return, held to the end (not static: the stores must stay). */
void *leak_register_results[32];
int leak_register_n;
#define results leak_register_results
#define nresults leak_register_n

/* Case k runs 2 KiB below case k - 1, all of them below the 12 KiB that a later call
   may wipe (stack.c's scrub_deep, when a new stack needs libunwind). */
__attribute__((noinline)) static uintptr_t at_depth(int k, void *fn, uintptr_t a, uintptr_t b, uintptr_t c) {
  volatile char *pad = __builtin_alloca(16384 + 2048 * (size_t)k);
  __asm__ volatile("" : : "r"(pad) : "memory");
  return leak_across(fn, a, b, c);
}

static void *sym(const char *name) { return dlsym(RTLD_DEFAULT, name); }

__attribute__((noinline)) static void cases(void) {
  void *q1 = malloc(8), *q2 = malloc(8), *q3 = malloc(8), *q4 = malloc(8);
  /* (Looked up first: dlsym's deep stack would overwrite the earlier cases' copies.) */
  void *nw = sym("_Znwm"), *na = sym("_Znam"), *nwa = sym("_ZnwmSt11align_val_t"), *dl = sym("_ZdlPv"),
       *das = sym("_ZdaPvm");
  void *r = NULL, *n1 = ((void *(*)(size_t))nw)(8), *n2 = ((void *(*)(size_t))na)(8);
  int k = 0;
  results[nresults++] = (void *)at_depth(k++, F(malloc), 8, 0, 0);
  results[nresults++] = (void *)at_depth(k++, F(malloc), 40000, 0, 0);
  results[nresults++] = (void *)at_depth(k++, F(calloc), 1, 8, 0);
  results[nresults++] = (void *)at_depth(k++, F(realloc), 0, 8, 0);
  results[nresults++] = (void *)at_depth(k++, F(realloc), A(q1), 200, 0);
  at_depth(k++, F(realloc), A(q2), 0, 0);
  results[nresults++] = (void *)at_depth(k++, F(reallocarray), 0, 2, 8);
  at_depth(k++, F(posix_memalign), A(&r), 64, 8);
  results[nresults++] = (void *)at_depth(k++, F(memalign), 64, 8, 0);
  results[nresults++] = (void *)at_depth(k++, F(aligned_alloc), 64, 64, 0);
  results[nresults++] = (void *)at_depth(k++, F(valloc), 8, 0, 0);
  results[nresults++] = (void *)at_depth(k++, F(pvalloc), 8, 0, 0);
  at_depth(k++, F(malloc_usable_size), A(q3), 0, 0);
  at_depth(k++, F(free), A(q4), 0, 0);
  results[nresults++] = (void *)at_depth(k++, nw, 8, 0, 0);
  results[nresults++] = (void *)at_depth(k++, na, 8, 0, 0);
  results[nresults++] = (void *)at_depth(k++, nwa, 8, 64, 0);
  at_depth(k++, dl, A(n1), 0, 0);
  at_depth(k++, das, A(n2), 8, 0);
  at_depth(k++, dl, 0, 0, 0);   /* delete of NULL */
  free(q3);
  results[nresults++] = r;
}

/* Exits from inside a frame that covers every case's stack, unwritten: a copy left
   there is in live memory, read by the scan. */
__attribute__((noinline)) static void deep(void) {
  volatile char buf[80 * 1024];
  __asm__ volatile("" : : "r"(buf) : "memory");
  exit(0);
}

int main(void) {
  cases();
  deep();
}
#endif
