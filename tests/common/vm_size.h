/* The process's address space, for the tests that put a limit on it (RLIMIT_AS) a
   little above what it uses already, so that the limit is reached soon and at a known
   headroom whatever the libraries mapped first (tests/api: enomem_rlimit.c, cxx_new.cc;
   tests/bugs: clean_records_limit.c; tests/programs: depot_retry.sh, limits.sh).  C and
   C++.  Included as "../common/vm_size.h" (tests/programs' scripts build their programs
   with -I"$HG_ROOT/tests/common" and include "vm_size.h"). */
#ifndef HEAPGUARD_TESTS_VM_SIZE_H
#define HEAPGUARD_TESTS_VM_SIZE_H

#include <stdio.h>
#include <sys/resource.h>

/* VmSize from /proc/self/status, in bytes; 0 if it cannot be read. */
static inline size_t vm_size(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  size_t kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmSize: %zu kB", &kb) == 1) break;
  if (f) fclose(f);
  return kb * 1024;
}

/* RLIMIT_AS, soft and hard, to the address space in use now + headroom bytes:
   setrlimit's result (0, or -1 with errno). */
static inline int limit_as(size_t headroom) {
  size_t vm = vm_size();
  struct rlimit rl = { vm + headroom, vm + headroom };
  return setrlimit(RLIMIT_AS, &rl);
}

#endif
