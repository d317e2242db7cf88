/* unwind_pipe.c — libunwind's memory-validation pipe moved out of the program's way.
 *
 * libunwind (1.6 for x86-64: Ginit.c) opens a pipe at its first use, close-on-exec and
 * non-blocking, and when a step falls back from DWARF to the frame chain it checks each
 * address by reading a byte from the pipe's read end and writing the byte at the address
 * to its write end.  pipe2 takes the lowest free descriptors: 3 and 4 in most processes.
 * A program that opens its own files there or dup2s onto them (shells: `exec 4>file`;
 * CPython's subprocess tests) then had a byte of memory written to its file, a byte of
 * its input eaten, or - the read end now at end of file or closed - both its
 * descriptors closed under it by libunwind's reopening, its later writes going into the
 * new pipe.  Its descriptor listings (/proc/self/fd, fstat over 0..N) showed two it did
 * not open.
 *
 * The pipe's numbers live in a static pair of ints in libunwind's writable data
 * (mem_validate_pipe[2]), which nothing exports.  After libunwind's first use, the one
 * int-aligned pair there that names the two ends of one pipe (fstat: both FIFOs, same inode)
 * is that pair; its descriptors are copied to 500 or above (where the library's own
 * are: hg_stderr_copy), the pair rewritten, the low numbers closed.  No such pair, or
 * more than one: nothing is changed (another libunwind's layout).  A program that
 * closes every descriptor above 2 (daemons, close_range) makes libunwind reopen its pipe
 * at the lowest numbers again: that is not repaired. */
#define _GNU_SOURCE
#include "stack.h"

#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


struct pipe_search {
  int *found;       /* the pair, once found; NULL while none */
  int matches;      /* pairs that name one pipe: 1 to act */
};

/* Both descriptors the ends of one pipe (read end first: pipe2's order). */
static bool one_pipe(int rd, int wr) {
  if (rd < 0 || wr < 0 || rd == wr || rd >= 500 || wr >= 500) return false;
  struct stat a, b;
  if (fstat(rd, &a) != 0 || fstat(wr, &b) != 0) return false;
  if (!S_ISFIFO(a.st_mode) || !S_ISFIFO(b.st_mode) || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
    return false;
  return (fcntl(rd, F_GETFL) & O_ACCMODE) == O_RDONLY && (fcntl(wr, F_GETFL) & O_ACCMODE) == O_WRONLY;
}

static int search_object(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  struct pipe_search *s = arg;
  const char *slash = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
  if (!slash || strncmp(slash + 1, "libunwind.so", 12) != 0) return 0;
  uintptr_t relro_lo = 0, relro_hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
      relro_lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
      relro_hi = relro_lo + info->dlpi_phdr[i].p_memsz;
    }
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
    /* (an int[2] is aligned to an int, not to 8: every int is a pair's possible start;
     * two overlapping candidates cannot both name one pipe's read and write ends) */
    uintptr_t lo = (info->dlpi_addr + ph->p_vaddr + sizeof(int) - 1) & ~(uintptr_t)(sizeof(int) - 1);
    uintptr_t hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    for (uintptr_t a = lo; a + 2 * sizeof(int) <= hi; a += sizeof(int)) {
      if (a >= relro_lo && a < relro_hi) continue;   /* read-only since relocation */
      int *pair = (int *)a;
      /* cheap test first: two small non-negative ints, most words are neither */
      if ((unsigned)pair[0] >= 500 || (unsigned)pair[1] >= 500 || !one_pipe(pair[0], pair[1])) continue;
      s->found = pair;
      s->matches++;
    }
  }
  return 1;
}

void hg_unwind_pipe_move(void) {
  struct pipe_search s = {NULL, 0};
  dl_iterate_phdr(search_object, &s);
  if (s.matches != 1) return;
  int rd = fcntl(s.found[0], F_DUPFD_CLOEXEC, 500);
  int wr = rd < 0 ? -1 : fcntl(s.found[1], F_DUPFD_CLOEXEC, 500);
  if (wr < 0) {
    if (rd >= 0) hg_sys_close(rd);
    return;
  }
  /* (the status flags, O_NONBLOCK, belong to the open pipe: the copies share them) */
  int old_rd = s.found[0], old_wr = s.found[1];
  s.found[0] = rd;
  s.found[1] = wr;
  hg_sys_close(old_rd);
  hg_sys_close(old_wr);
}
