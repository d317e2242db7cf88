/* os.h — the only seam between heapguard and the kernel's memory calls.
 *
 * Contract for every function: addresses and sizes are multiples of HG_PAGE and sizes
 * are > 0.  A call that fails for lack of memory (ENOMEM, or EAGAIN from mmap) reports
 * failure to its caller, which turns it into malloc's NULL/ENOMEM; any other failure
 * means the allocator's own bookkeeping is wrong and is fatal.  errno is never touched:
 * the calls are raw system calls (sbrk is the exception, see os.c), so a successful
 * malloc leaves errno as it was and free never changes it.
 *
 * Every call made is traced when HEAPGUARD_TRACE is set (trace.h): a function added
 * here reports its call with HG_TRACE_SYSCALL, and its callers say why with
 * hg_trace_why() just before calling it. */
#ifndef HG_OS_H
#define HG_OS_H

#include "internal.h"

/* Anonymous private read-write pages (zeroed), or NULL. */
void *hg_os_map(size_t size);
/* Like hg_os_map, aligned to `align` (a power of two above HG_PAGE), or NULL. */
void *hg_os_map_aligned(size_t size, size_t align);
void hg_os_unmap(void *p, size_t size);
/* File fd's first `size` bytes, read-only and private (report time: the program's
 * own ELF symbols, elf_symtab.c); NULL on any failure, none of them fatal. */
const void *hg_os_map_file(int fd, size_t size);
/* Resize a mapping, moving it if needed (realloc of large blocks); NULL on ENOMEM, or
 * when growing past the address space (the kernel's EINVAL). */
void *hg_os_remap(void *p, size_t old_size, size_t new_size);
/* Give the pages back to the kernel; they read as zero afterwards (MADV_DONTNEED).
 * False if the kernel could not do it now (EAGAIN, ENOMEM): the pages keep their bytes. */
bool hg_os_decommit(void *p, size_t size);
/* Ask for small pages only (MADV_NOHUGEPAGE): for sparse metadata, where one touched
 * entry must not bring in a 2 MiB huge page on kernels with THP "always".  Advisory:
 * failure is ignored. */
void hg_os_no_huge_pages(void *p, size_t size);
/* Fault the pages in now, writable (MADV_POPULATE_WRITE, Linux 5.14), in one call rather
 * than a page fault each: for memory about to be written page after page (check mode's
 * slots and records).  Advisory: a kernel that refuses is not asked again, and pages
 * it could not provide fault in on use as before.  Its callers ask only when
 * hg_os_populating is set (check and guard modes, init.c), where a quarantine filling
 * 64 MiB of fresh pages took a fault each (wl_churn, 1 M pairs: 17,800 faults, 45 ms
 * of system time in 115 ms of CPU; populated 64 pages a call, 2,700 faults and 28 ms).
 * Elsewhere memory is faulted in only as it is used. */
extern HG_HIDDEN bool hg_os_populating;
void hg_os_populate(void *p, size_t size);
/* Ask for transparent huge pages (MADV_HUGEPAGE) on memory check mode's quarantine
 * fills page after page (the region's runs, the block records, the ring): its callers
 * ask only when hg_os_populating is set (the call is cold text, heapguard.ld.in), and
 * only a range holding a whole aligned HG_HUGE_PAGE is advised: a
 * 64 MiB quarantine then costs about 32 faults of 2 MiB instead of 16,000 of 4 KiB
 * (the kernel zeroes a huge page in one go) and fewer TLB misses.  Advisory: a kernel
 * without THP (EINVAL) is not asked again; with THP "never" the call succeeds and
 * changes nothing.  Never in the default mode (its RSS: a huge page is resident whole). */
#define HG_HUGE_PAGE (2 * HG_MiB)
void hg_os_huge_pages(void *p, size_t size);
/* Whether check mode's memory is asked for in huge pages: hg_os_populating and
 * HEAPGUARD_HUGE_PAGES (off by default: on this project's virtual machine a third to
 * a half of the runs with them took 0.1-0.2 s more system time; docs/architecture.md). */
extern HG_HIDDEN bool hg_os_huge_on;
/* Leave the pages out of core dumps (MADV_DONTDUMP).  Advisory.  Guard mode uses it on
 * guard pages for its side effect: a mapping's pages with and without the flag are
 * never merged into one kernel VMA, so protecting a slot between two guard pages
 * changes one VMA instead of splitting (and later re-merging) a large one. */
void hg_os_no_dump(void *p, size_t size);
/* Guard markers on [p, p + size) (MADV_GUARD_INSTALL, Linux 6.13): an access to those
 * pages faults (SIGSEGV) whatever their protection, until they are unmapped; the
 * markers survive mprotect, MADV_DONTNEED and fork.  False if the kernel refused (an
 * older one: EINVAL). */
bool hg_os_guard_pages(void *p, size_t size);
/* Advice on n ranges of `size` bytes (at most 64) in one process_madvise call; false if
 * not all of them were advised (the caller then makes a madvise call each: the advice
 * may be given twice).  HG_ADVISE_RANDOM (MADV_RANDOM: no swap readahead, harmless for
 * anonymous memory) and HG_ADVISE_NORMAL (its undoing) are used by sampled mode for
 * their side effect on VMA merging, as MADV_DONTDUMP above (guard_sample.c: POOL_PAIRS). */
enum hg_advice { HG_ADVISE_NO_DUMP, HG_ADVISE_GUARD, HG_ADVISE_RANDOM, HG_ADVISE_NORMAL };
bool hg_os_advise_pages(const uintptr_t *pages, size_t n, size_t size, enum hg_advice advice);
/* One madvise call with that advice; false if the kernel refused.  Advisory. */
bool hg_os_advise(void *p, size_t size, enum hg_advice advice);

/* The program break.  hg_os_brk_current() is sbrk(0).  hg_os_brk_grow(n) moves the break
 * up by n bytes and returns the old break (the start of the new memory), or NULL.
 * hg_os_brk_shrink(n) moves it down by n bytes; returns false if the kernel refused. */
void *hg_os_brk_current(void);
void *hg_os_brk_grow(size_t n);
bool hg_os_brk_shrink(size_t n);

size_t hg_os_page_size(void);

/* The error of the calling thread's last refused hg_os_map, hg_os_remap or
 * hg_os_protect (ENOMEM, EAGAIN; or a sandbox's EPERM, EACCES, ENOSYS), 0 if none yet:
 * for the warnings that say why guard mode made no guard page.  hg_os_forbidden(e):
 * e is a sandbox's refusal (a seccomp filter, a security module), not a lack of
 * memory or a limit. */
int hg_os_refusal(void);
bool hg_os_forbidden(int error);

/* CLOCK_MONOTONIC in microseconds, by a system call rather than libc's clock_gettime
 * (a vDSO call, faster): for the allocator's start time, taken in every process, which
 * then maps no page of libc's code for it (a 64 KiB window, by fault-around, in a
 * program that does not call clock_gettime itself).  0 if the call fails. */
uint64_t hg_os_monotonic_us(void);

/* Counters of kernel calls made (read by stats). */
struct hg_os_counters {
  _Atomic size_t brk, mmap, munmap, madvise, mremap, mprotect;
};
extern HG_HIDDEN struct hg_os_counters hg_os_calls;

/* Make pages accessible (read-write) or not (PROT_NONE): guard mode's guard pages and
 * freed blocks.  Returns false if the kernel refused for lack of memory (ENOMEM: the
 * mapping count limit, when the change splits a mapping) or a sandbox forbids it
 * (hg_os_refusal says which); fatal otherwise. */
bool hg_os_protect(void *p, size_t size, bool access);

#endif
