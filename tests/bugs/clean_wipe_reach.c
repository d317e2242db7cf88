// expect-clean
/* Check mode's calls leave nothing below the program's stack pointer (wipe.h): every
   byte an allocation call wrote there is zero again once it returned.  Each call here
   runs on a stack whose 16 KiB below are filled with a pattern first; afterwards each
   byte there must be the pattern or zero.  A byte of anything else is a write the wipe
   missed: a path deeper than the wipe reaches (a saved register of the program's, a
   block's address: a leak scan's false "still reachable", bugs/bug_leak_register).
   Each call is made twice from the same place (the stack capture's first walk, then its
   memo's answer) and with sizes that take each kind of block (small, medium, large). */
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__x86_64__)
int main(void) { return 77; }
#else
#define BELOW 16384

/* probe(fn, a, b, c, save): fills the BELOW bytes under its stack pointer with 0xa5,
   calls fn(a, b, c), then copies those bytes to save (rep stosb and rep movsb: nothing
   of its own is written there meanwhile); returns fn's result. */
uintptr_t probe(void *fn, uintptr_t a, uintptr_t b, uintptr_t c, unsigned char *save);
__asm__(".text\n"
        ".globl probe\n"
        ".type probe, @function\n"
        "probe:\n"
        ".cfi_startproc\n"
        "  push %rbx\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %rbx, 0\n"
        "  push %r12\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r12, 0\n"
        "  push %r13\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r13, 0\n"
        "  push %r14\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r14, 0\n"
        "  push %r15\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r15, 0\n"
        "  mov %rdi, %r12\n  mov %rsi, %r13\n  mov %rdx, %r14\n  mov %rcx, %r15\n  mov %r8, %rbx\n"
        "  lea -16384(%rsp), %rdi\n  mov $16384, %ecx\n  mov $0xa5, %eax\n  cld\n  rep stosb\n"
        "  mov %r13, %rdi\n  mov %r14, %rsi\n  mov %r15, %rdx\n  xor %eax, %eax\n"
        "  call *%r12\n"
        "  mov %rax, %r13\n"
        "  lea -16384(%rsp), %rsi\n  mov %rbx, %rdi\n  mov $16384, %ecx\n  rep movsb\n"
        "  mov %r13, %rax\n"
        "  pop %r15\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r14\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r13\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r12\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %rbx\n  .cfi_adjust_cfa_offset -8\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size probe, .-probe\n");

static unsigned char save[BELOW];
static int failures;

/* The executable mappings: a return address left below the stack pointer (the
   program's own call's, one a wipe's own call pushed) is no block's address. */
static uintptr_t code_lo[256], code_hi[256];
static int ncode;

static void read_code(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (f && ncode < 256 && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char perm[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 && perm[2] == 'x') code_lo[ncode] = lo, code_hi[ncode++] = hi;
  }
  if (f) fclose(f);
}

static int is_code(uint64_t w) {
  for (int i = 0; i < ncode; i++)
    if (w >= code_lo[i] && w < code_hi[i]) return 1;
  return 0;
}

static int stale(uint64_t w) { return w != 0 && w != 0xa5a5a5a5a5a5a5a5ull && !is_code(w); }

/* (A volatile pointer: the compiler must not know which function is called.) */
static uintptr_t call(const char *what, void *fn, uintptr_t a, uintptr_t b, uintptr_t c) {
  uintptr_t r = probe(fn, a, b, c, save);
  int k = 0;
  for (size_t j = 0; j < BELOW; j += 8) {
    uint64_t w;
    memcpy(&w, save + j, 8);
    if (!stale(w)) continue;
    if (!k++) fprintf(stderr, "%s: words below the caller's stack pointer written and not wiped:", what);
    if (k <= 8) fprintf(stderr, " %zu: 0x%llx", (size_t)BELOW - j, (unsigned long long)w);
  }
  if (k) fprintf(stderr, "\n"), failures++;
  return r;
}

#define F(f) ((void *)(uintptr_t)&(f))
#define A(x) ((uintptr_t)(x))

static void *sym(const char *name) {
  void *f = dlsym(RTLD_DEFAULT, name);
  if (!f) {
    fprintf(stderr, "no %s\n", name);
    exit(1);
  }
  return f;
}

int main(void) {
  read_code();
  void *nw = sym("_Znwm"), *na = sym("_Znam"), *nwa = sym("_ZnwmSt11align_val_t"), *dl = sym("_ZdlPv"),
       *das = sym("_ZdaPvm"), *dla = sym("_ZdlPvSt11align_val_t");
  static const size_t sizes[] = { 8, 40, 1000, 40000, 1 << 20 };
  for (int round = 0; round < 2; round++)
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
      size_t n = sizes[s];
      void *p = (void *)call("malloc", F(malloc), n, 0, 0);
      void *q = (void *)call("calloc", F(calloc), 1, n, 0);
      p = (void *)call("realloc (grow)", F(realloc), A(p), 2 * n, 0);
      p = (void *)call("realloc (shrink)", F(realloc), A(p), n / 2 + 1, 0);
      call("malloc_usable_size", F(malloc_usable_size), A(p), 0, 0);
      call("free", F(free), A(p), 0, 0);
      call("realloc (to 0)", F(realloc), A(q), 0, 0);
      q = (void *)call("realloc (of NULL)", F(realloc), 0, n, 0);
      q = (void *)call("reallocarray", F(reallocarray), A(q), 2, n);
      call("free", F(free), A(q), 0, 0);
      void *r = NULL;
      call("posix_memalign", F(posix_memalign), A(&r), 64, n);
      call("free", F(free), A(r), 0, 0);
      call("free", F(free), call("memalign", F(memalign), 256, n, 0), 0, 0);
      call("free", F(free), call("aligned_alloc", F(aligned_alloc), 64, n, 0), 0, 0);
      call("free", F(free), call("valloc", F(valloc), n, 0, 0), 0, 0);
      call("free", F(free), call("pvalloc", F(pvalloc), n, 0, 0), 0, 0);
      call("operator delete", dl, call("operator new", nw, n, 0, 0), 0, 0);
      call("operator delete[] (sized)", das, call("operator new[]", na, n, 0, 0), n, 0);
      call("operator delete (aligned)", dla, call("operator new (aligned)", nwa, n, 64, 0), 64, 0);
      call("free (NULL)", F(free), 0, 0, 0);
    }
  return failures != 0;
}
#endif
