/* os.c — kernel memory calls (see os.h for the contract).
 *
 * Raw system calls rather than libc wrappers, for two reasons: errno must survive a
 * successful malloc and every free, and nothing here may depend on libc having been
 * initialised (malloc can be called by the dynamic loader's early users).  The program
 * break is the exception: it goes through libc's sbrk so that libc's cached break
 * (__curbrk) stays right for programs that also call sbrk themselves; errno is saved
 * and restored around it. */
#define _GNU_SOURCE 1
#include "os.h"

#include <errno.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

struct hg_os_counters hg_os_calls;

#if defined(__x86_64__)
static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;   /* -errno on failure */
}
#else
static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  int saved = errno;
  long ret = syscall(n, a, b, c, d, e, f);
  if (ret == -1) ret = -errno;
  errno = saved;
  return ret;
}
#endif

static bool out_of_memory(long err) { return err == -ENOMEM || err == -EAGAIN; }
/* A sandbox's refusal (a seccomp filter's EPERM or ENOSYS, a security module's EACCES)
 * says nothing of the allocator's state: the call is answered as if the kernel had no
 * memory for it (no mapping, the pages kept, the protection unchanged), as glibc's
 * malloc carries on, where it used to abort the program.  Other errors (EINVAL, EFAULT)
 * mean the allocator's own state is wrong: fatal. */
static inline __attribute__((always_inline)) bool refused(long err) { return err == -EPERM || err == -EACCES || err == -ENOSYS; }

/* Not per thread: a thread-local costs every process a relocation in the default
 * mode's pages, and the warnings that read it are once per process. */
static _Atomic int last_refusal;
HG_COLD int hg_os_refusal(void) { return atomic_load_explicit(&last_refusal, memory_order_relaxed); }
HG_COLD bool hg_os_forbidden(int error) { return refused(-(long)error); }
static void note_refusal(long r) { atomic_store_explicit(&last_refusal, (int)-r, memory_order_relaxed); }

static void count(_Atomic size_t *c) { atomic_fetch_add_explicit(c, 1, memory_order_relaxed); }

static HG_COLD HG_NOINLINE void *map_failed(long r, size_t size) {
  note_refusal(r);
  if (out_of_memory(r) || refused(r)) return NULL;
  hg_fatal("mmap of %zu bytes failed with error %ld", size, -r);
}

void *hg_os_map(size_t size) {
  HG_ASSERT(size > 0 && size % HG_PAGE == 0);
  count(&hg_os_calls.mmap);
  long r = raw_syscall6(SYS_mmap, 0, (long)size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  HG_TRACE_SYSCALL(HG_SYS_MMAP, r, HG_WHY_NONE, 0, 0, (long)size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return r < 0 && r > -4096 ? map_failed(r, size) : (void *)r;
}

void *hg_os_map_aligned(size_t size, size_t align) {
  if (align <= HG_PAGE) return hg_os_map(size);
  size_t over = size + align - HG_PAGE;
  if (over < size) return NULL;
  char *p = hg_os_map(over);
  if (!p) return NULL;
  uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
  size_t head = start - (uintptr_t)p, tail = over - head - size;
  if (head) { hg_trace_why(HG_WHY_ALIGN_TRIM, align, 0); hg_os_unmap(p, head); }
  if (tail) { hg_trace_why(HG_WHY_ALIGN_TRIM, align, 0); hg_os_unmap((char *)start + size, tail); }
  return (void *)start;
}

const void *hg_os_map_file(int fd, size_t size) {
  HG_ASSERT(size > 0 && size % HG_PAGE == 0);
  count(&hg_os_calls.mmap);
  long r = raw_syscall6(SYS_mmap, 0, (long)size, PROT_READ, MAP_PRIVATE, fd, 0);
  HG_TRACE_SYSCALL(HG_SYS_MMAP, r, HG_WHY_NONE, 0, 0, (long)size, PROT_READ, MAP_PRIVATE, fd, 0);
  return r < 0 && r > -4096 ? NULL : (const void *)r;
}

void hg_os_unmap(void *p, size_t size) {
  HG_ASSERT(size > 0 && size % HG_PAGE == 0 && (uintptr_t)p % HG_PAGE == 0);
  count(&hg_os_calls.munmap);
  long r = raw_syscall6(SYS_munmap, (long)p, (long)size, 0, 0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MUNMAP, r, HG_WHY_NONE, 0, (long)p, (long)size, 0, 0, 0, 0);
  if (r == -ENOMEM || refused(r)) {
    /* The kernel merges neighbouring anonymous mappings of the same protection into one
     * (a large block's with the program's own, or with another block's), and unmapping
     * a range inside one splits it: at vm.max_map_count mappings that is refused.  glibc
     * ignores the failure; aborting the program would be worse.  The memory goes back
     * (MADV_DONTNEED splits nothing); the addresses stay mapped, unused: the caller has
     * forgotten them, so a stale pointer into them is still "not allocated". */
    hg_os_decommit(p, size);
    return;
  }
  if (r < 0) hg_fatal("munmap(%p, %zu) failed with error %ld", p, size, -r);
}

void *hg_os_remap(void *p, size_t old_size, size_t new_size) {
  count(&hg_os_calls.mremap);
  long r = raw_syscall6(SYS_mremap, (long)p, (long)old_size, (long)new_size, MREMAP_MAYMOVE, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MREMAP, r, HG_WHY_NONE, 0, (long)p, (long)old_size, (long)new_size,
                   MREMAP_MAYMOVE, 0, 0);
  if (r < 0 && r > -4096) {
    note_refusal(r);
    /* Growing past the user address space (128 TiB with 4-level page tables) is
     * EINVAL from mremap where mmap says ENOMEM: realloc(p, 1 << 62) is out of memory
     * (NULL, the block kept), as glibc answers it, not a fatal error. */
    if (out_of_memory(r) || refused(r) || (r == -EINVAL && new_size > old_size)) return NULL;
    hg_fatal("mremap(%p, %zu, %zu) failed with error %ld", p, old_size, new_size, -r);
  }
  return (void *)r;
}

bool hg_os_decommit(void *p, size_t size) {
  HG_ASSERT(size > 0 && size % HG_PAGE == 0 && (uintptr_t)p % HG_PAGE == 0);
  count(&hg_os_calls.madvise);
  long r = raw_syscall6(SYS_madvise, (long)p, (long)size, MADV_DONTNEED, 0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MADVISE, r, HG_WHY_NONE, 0, (long)p, (long)size, MADV_DONTNEED, 0, 0, 0);
  /* EAGAIN/ENOMEM here only means the kernel could not do it now: the pages stay.  So
   * does EINVAL, which (the range being checked above) is the kernel refusing to drop
   * locked pages: a program that called mlockall(MCL_FUTURE) (chronyd, cryptsetup,
   * real-time programs) has every page of ours locked, and glibc's trims ignore it too
   * (tests/api/mlockall.c). */
  if (r < 0 && !out_of_memory(r) && !refused(r) && r != -EINVAL)
    hg_fatal("madvise(%p, %zu) failed with error %ld", p, size, -r);
  return r == 0;
}

void hg_os_no_huge_pages(void *p, size_t size) {
  count(&hg_os_calls.madvise);
  long r = raw_syscall6(SYS_madvise, (long)p, (long)size, MADV_NOHUGEPAGE, 0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MADVISE, r, HG_WHY_NONE, 0, (long)p, (long)size, MADV_NOHUGEPAGE, 0, 0, 0);
}

void hg_os_no_dump(void *p, size_t size) {
  count(&hg_os_calls.madvise);
  long r = raw_syscall6(SYS_madvise, (long)p, (long)size, MADV_DONTDUMP, 0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MADVISE, r, HG_WHY_NONE, 0, (long)p, (long)size, MADV_DONTDUMP, 0, 0, 0);
}

/* Linux 5.14's MADV_POPULATE_WRITE (older <sys/mman.h> lack the name). */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

bool hg_os_populating;

void hg_os_populate(void *p, size_t size) {
  static _Atomic bool refused;
  HG_ASSERT(size > 0 && size % HG_PAGE == 0 && (uintptr_t)p % HG_PAGE == 0);
  if (atomic_load_explicit(&refused, memory_order_relaxed)) return;
  count(&hg_os_calls.madvise);
  long r = raw_syscall6(SYS_madvise, (long)p, (long)size, MADV_POPULATE_WRITE, 0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MADVISE, r, HG_WHY_POPULATE, 0, (long)p, (long)size, MADV_POPULATE_WRITE, 0, 0, 0);
  /* An older kernel (EINVAL) or a sandbox that forbids it (EPERM) is not asked again;
   * out of memory (ENOMEM, EFAULT, EHWPOISON) leaves the rest to fault in on use, when
   * the program will get its usual answer. */
  if (r == -EINVAL || r == -EPERM || r == -ENOSYS) atomic_store_explicit(&refused, true, memory_order_relaxed);
}

bool hg_os_huge_on;

void hg_os_huge_pages(void *p, size_t size) {
  static _Atomic bool refused;
  if (!hg_os_huge_on || atomic_load_explicit(&refused, memory_order_relaxed) ||
      hg_align_up((uintptr_t)p, HG_HUGE_PAGE) + HG_HUGE_PAGE > (uintptr_t)p + size)
    return;
  count(&hg_os_calls.madvise);
  long r = raw_syscall6(SYS_madvise, (long)p, (long)size, MADV_HUGEPAGE, 0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MADVISE, r, HG_WHY_HUGE_PAGES, 0, (long)p, (long)size, MADV_HUGEPAGE, 0, 0, 0);
  if (r == -EINVAL || r == -EPERM || r == -ENOSYS) atomic_store_explicit(&refused, true, memory_order_relaxed);
}

/* Linux 6.13's guard markers (older <sys/mman.h> lack the name). */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

bool hg_os_guard_pages(void *p, size_t size) {
  count(&hg_os_calls.madvise);
  long r = raw_syscall6(SYS_madvise, (long)p, (long)size, MADV_GUARD_INSTALL, 0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MADVISE, r, HG_WHY_NONE, 0, (long)p, (long)size, MADV_GUARD_INSTALL, 0, 0, 0);
  return r == 0;
}

/* process_madvise(2) on the calling process: the PIDFD_SELF sentinel is Linux 6.15's,
 * and any advice is allowed on oneself from Linux 6.13; an older kernel (EBADF,
 * EINVAL), or a sandbox that forbids the call, is not asked again. */
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#define PIDFD_SELF_THREAD (-10000)

static long advice_of(enum hg_advice advice) {
  switch (advice) {
  case HG_ADVISE_GUARD: return MADV_GUARD_INSTALL;
  case HG_ADVISE_RANDOM: return MADV_RANDOM;
  case HG_ADVISE_NORMAL: return MADV_NORMAL;
  default: return MADV_DONTDUMP;
  }
}

bool hg_os_advise_pages(const uintptr_t *pages, size_t n, size_t size, enum hg_advice advice) {
  static _Atomic bool refused;
  struct iovec iov[64];
  if (n > sizeof iov / sizeof *iov || atomic_load_explicit(&refused, memory_order_relaxed)) return false;
  for (size_t i = 0; i < n; i++) iov[i] = (struct iovec){ (void *)pages[i], size };
  long a = advice_of(advice);
  count(&hg_os_calls.madvise);
  long r = raw_syscall6(SYS_process_madvise, PIDFD_SELF_THREAD, (long)iov, (long)n, a, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_PROCESS_MADVISE, r, HG_WHY_NONE, 0, PIDFD_SELF_THREAD, (long)iov, (long)n, a, 0, 0);
  if (r < 0 && !out_of_memory(r)) atomic_store_explicit(&refused, true, memory_order_relaxed);
  return r == (long)(n * size);
}

bool hg_os_advise(void *p, size_t size, enum hg_advice advice) {
  long a = advice_of(advice);
  count(&hg_os_calls.madvise);
  long r = raw_syscall6(SYS_madvise, (long)p, (long)size, a, 0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MADVISE, r, HG_WHY_NONE, 0, (long)p, (long)size, a, 0, 0, 0);
  return r == 0;
}

/* libc's cached break (glibc): NULL until libc's first sbrk, which then reads the
 * break from the kernel with brk(NULL) — a system call the allocator causes, so it is
 * counted and traced like the others. */
extern void *__curbrk __attribute__((weak));

/* glibc's brk() takes what the system call returns for the new break, and the kernel's
 * brk never fails with an error, it returns the old break: so a seccomp filter's answer
 * (SECCOMP_RET_ERRNO: -EPERM, -ENOSYS, ... as an address at the top of the address
 * space) becomes libc's cached break, above any address asked for, and sbrk reports
 * success: the allocator then used pages the kernel never gave (check mode crashed at
 * start; tests/programs/seccomp.sh).  A break in the last page of the address space is
 * such an error.  The cache is left as it is: every later sbrk that grows the heap then
 * fails without a system call (libc's overflow check of the error's address and the
 * increment), and hg_os_brk_current answers NULL, so the allocator does not ask again
 * (a filter stays for the life of the process) and the heap goes on in mmap'd regions.
 * (The program's own sbrk(0) gets the error's address, as it would with glibc's
 * malloc, which is confused the same way.) */
static bool brk_error(const void *p) { return (uintptr_t)p >= -(uintptr_t)4096; }
static bool brk_refused(void) { return &__curbrk != NULL && brk_error(__curbrk); }

void *hg_os_brk_current(void) {
  int saved = errno;
  bool first = &__curbrk != NULL && __curbrk == NULL;
  if (first) count(&hg_os_calls.brk);
  void *p = sbrk(0);
  errno = saved;
  if (first) HG_TRACE_SYSCALL(HG_SYS_BRK, (long)p, HG_WHY_BRK_READ, 0, 0, 0, 0, 0, 0, 0);
  return brk_error(p) ? NULL : p;   /* (void *)-1 included */
}

/* The brk system call as strace shows it: brk(the break asked for) = the break now
 * (the old one when the kernel refused).  sbrk leaves libc's cached break right. */
HG_COLD static void trace_brk(void *old, intptr_t delta) {
  void *now = hg_os_brk_current();
  if (old == (void *)-1) old = now;
  HG_TRACE_SYSCALL(HG_SYS_BRK, (long)now, HG_WHY_NONE, 0, (long)old + delta,
                   delta < 0 ? -delta : delta, 0, 0, 0, 0);
}

void *hg_os_brk_grow(size_t n) {
  if (n > (size_t)PTRDIFF_MAX) return NULL;
  int saved = errno;
  count(&hg_os_calls.brk);
  void *p = sbrk((intptr_t)n);
  errno = saved;
  if (brk_refused()) p = (void *)-1;
  if (hg_unlikely(hg_trace_on)) trace_brk(p, (intptr_t)n);
  return p == (void *)-1 ? NULL : p;
}

bool hg_os_brk_shrink(size_t n) {
  int saved = errno;
  count(&hg_os_calls.brk);
  void *p = sbrk(-(intptr_t)n);
  errno = saved;
  if (brk_refused()) p = (void *)-1;
  if (hg_unlikely(hg_trace_on)) trace_brk(p, -(intptr_t)n);
  return p != (void *)-1;
}

uint64_t hg_os_monotonic_us(void) {
  struct timespec ts;
  if (raw_syscall6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

size_t hg_os_page_size(void) {
  size_t ps = getauxval(AT_PAGESZ);
  return ps ? ps : HG_PAGE;
}

bool hg_os_protect(void *p, size_t size, bool access) {
  HG_ASSERT(size > 0 && size % HG_PAGE == 0 && (uintptr_t)p % HG_PAGE == 0);
  count(&hg_os_calls.mprotect);
  long r = raw_syscall6(SYS_mprotect, (long)p, (long)size, access ? PROT_READ | PROT_WRITE : PROT_NONE,
                        0, 0, 0);
  HG_TRACE_SYSCALL(HG_SYS_MPROTECT, r, access ? HG_WHY_UNPROTECT : HG_WHY_PROTECT, 0, (long)p, (long)size,
                   access ? PROT_READ | PROT_WRITE : PROT_NONE, 0, 0, 0);
  if (r < 0 && !out_of_memory(r) && !refused(r)) hg_fatal("mprotect(%p, %zu) failed with error %ld", p, size, -r);
  if (r < 0) note_refusal(r);
  return r == 0;
}
