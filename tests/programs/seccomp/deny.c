/* Installs a seccomp filter that answers one system call with an error (argv[1]: its
 * name, argv[2]: the errno; argv[3], optional: only when its length argument is above
 * that), as sandboxes do, then allocates: small, medium and large
 * blocks (the mmap threshold's own mappings, unmapped at free), a block grown by
 * realloc past it (mremap), malloc_trim (madvise), each block's contents checked.
 * glibc's malloc carries on whatever the call (a refused brk: it maps memory instead);
 * heapguard aborted ("... failed with error 1"), or (brk) used heap pages that libc's
 * sbrk said it had, but had not.  Prints "done", or what went wrong; exits 77 if no filter can be set. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct { const char *name; long nr; } calls[] = {
  { "brk", SYS_brk }, { "mmap", SYS_mmap }, { "munmap", SYS_munmap }, { "mremap", SYS_mremap },
  { "madvise", SYS_madvise }, { "mprotect", SYS_mprotect },
};

/* Refuses call nr with errno err when its second argument (a length) is above `over`
 * (its low 32 bits: the lengths here are below 4 GiB). */
static int deny(long nr, int err, unsigned over) {
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, over, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { sizeof f / sizeof *f, f };
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int check(const unsigned char *p, size_t n, unsigned char v) {
  for (size_t i = 0; i < n; i += 509)
    if (p[i] != v) return 1;
  return n && p[n - 1] != v;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) return 2;
  long nr = -1;
  for (size_t i = 0; i < sizeof calls / sizeof *calls; i++)
    if (strcmp(argv[1], calls[i].name) == 0) nr = calls[i].nr;
  if (nr < 0) return 2;
  /* The heap in use before the filter, as in a program that allocated at start: the
   * later growths are the ones refused. */
  void *before = malloc(100);
  if (deny(nr, atoi(argv[2]), argc == 4 ? (unsigned)strtoul(argv[3], NULL, 0) : 0) != 0) {
    printf("cannot install a seccomp filter: %s\n", strerror(errno));
    return 77;
  }
  static unsigned char *keep[2000];
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 2000; i++) {
      size_t n = (size_t)(i * 37 + round) % 70000 + 1;
      if (i % 250 == 0) n = 200000 + (size_t)i * 1000;   /* above the mmap threshold, to 1.9 MB */
      keep[i] = malloc(n);
      if (!keep[i]) { printf("malloc(%zu) failed\n", n); return 1; }
      memset(keep[i], i & 255, n);
    }
    for (int i = 0; i < 2000; i += 2) free(keep[i]);
    for (int i = 1; i < 2000; i += 2) {
      size_t n = (size_t)(i * 37 + round) % 70000 + 1;
      if (i % 250 == 0) n = 200000 + (size_t)i * 1000;
      if (check(keep[i], n, (unsigned char)(i & 255))) { printf("block %d changed\n", i); return 1; }
      free(keep[i]);
    }
    unsigned char *big = malloc(300000);
    if (!big) { puts("malloc(300000) failed"); return 1; }
    memset(big, 7, 300000);
    unsigned char *grown = realloc(big, 3000000);   /* a large block's mremap */
    if (!grown || check(grown, 300000, 7)) { puts("realloc to 3 MB failed or lost the contents"); return 1; }
    free(grown);
    malloc_trim(0);
  }
  free(before);
  puts("done");
  return 0;
}
