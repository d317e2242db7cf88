// expect-error: memory-leak
// expect-text: definitely lost: 320 bytes in 8 blocks
// expect-text: bug_leak_register_api\.c:60\)
// expect-text: bug_leak_register_api\.c:61\)
// expect-text: bug_leak_register_api\.c:62\)
// expect-text: bug_leak_register_api\.c:63\)
// expect-text: bug_leak_register_api\.c:64\)
// expect-text: bug_leak_register_api\.c:65\)
// expect-text: bug_leak_register_api\.c:66\)
// expect-text: bug_leak_register_api\.c:67\)
/* bug_leak_register.c's leak, across heapguard's own calls that enter check mode,
   hg_check_heap(), hg_stats_get() and hg_stats_print(), and glibc's mallinfo2,
   mallinfo, malloc_stats, malloc_info and malloc_trim.  Not behind check
   mode's entry stubs (wipe.h), their frames kept copies of the program's registers
   below its stack pointer, and the block was "still reachable" at exit (this test
   failed so, each case). */
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if !defined(__x86_64__)
int main(void) { return 77; }
#else
#include "../common/leak_across.h"

/* Case k runs 8 KiB below case k - 1, all of them below the 12 KiB that a later call
   may wipe (stack.c's scrub_deep). */
__attribute__((noinline)) static uintptr_t at_depth(int k, void *fn, uintptr_t a, uintptr_t b) {
  volatile char *pad = __builtin_alloca(16384 + 8192 * (size_t)k);
  __asm__ volatile("" : : "r"(pad) : "memory");
  return leak_across(fn, a, b, 0);
}

static void *sym(const char *name) {
  void *f = dlsym(RTLD_DEFAULT, name);
  if (!f) exit(1);
  return f;
}

/* (Not static: the stores must stay.) */
char stats_buf[4096];
struct mallinfo2 info2;
struct mallinfo info;

/* Exits from inside a frame that covers every case's stack, unwritten (bug_leak_register.c). */
__attribute__((noinline)) static void deep(void) {
  volatile char buf[160 * 1024];
  __asm__ volatile("" : : "r"(buf) : "memory");
  exit(0);
}

int main(void) {
  void *check_heap = sym("hg_check_heap"), *stats_get = sym("hg_stats_get"), *stats_print = sym("hg_stats_print");
  void *info2_f = sym("mallinfo2"), *info_f = sym("mallinfo"), *stats_f = sym("malloc_stats"),
       *info_xml = sym("malloc_info"), *trim = sym("malloc_trim");
  FILE *null = fopen("/dev/null", "w");
  if (!null) return 2;
  at_depth(0, check_heap, 0, 0);
  at_depth(1, stats_get, (uintptr_t)stats_buf, sizeof stats_buf);
  at_depth(2, stats_print, 0, 0);
  at_depth(3, info2_f, (uintptr_t)&info2, 0);   /* (rdi: where the result goes) */
  at_depth(4, info_f, (uintptr_t)&info, 0);
  at_depth(5, stats_f, 0, 0);
  at_depth(6, info_xml, 0, (uintptr_t)null);
  at_depth(7, trim, 0, 0);
  deep();
}
#endif
