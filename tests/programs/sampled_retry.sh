#!/usr/bin/env bash
# Sampled guard mode after a transient shortage of address space: the pool of guarded
# slots is mapped at the first sample, and if the kernel refuses it (RLIMIT_AS, `ulimit
# -v`, or vm.max_map_count), samples are not taken; it used to be for the rest of the
# run, even once the program had freed its memory.  Now the pool is tried again every
# 1024 samples due (src/guard_sample.c: POOL_RETRY), as the stack depot does.  The program
# (every malloc sampled, HEAPGUARD_SAMPLE_BUDGET=0: its 3,100 mallocs within a few ms
# are over the default budget; 4096 slots: a 32 MiB pool) holds a 48 MiB block under a
# limit of its address space + 64 MiB, so the first sample loads the unwinder but its pool is
# refused; then it frees the block, allocates some more, and reads a freed block: a
# sample again, so the read faults and is reported (exit status 99).
. "$(dirname "$0")/lib.sh"
need gcc

cat >"$T/retry.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#define MiB ((size_t)1 << 20)
/* VmSize in bytes, without stdio (its buffers are small mallocs: samples). */
static size_t vm_size_raw(void) {
  static char buf[8192];
  int fd = open("/proc/self/status", O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
  if (fd >= 0) close(fd);
  buf[n > 0 ? n : 0] = 0;
  char *v = strstr(buf, "VmSize:");
  return v ? strtoul(v + 7, NULL, 10) * 1024 : 0;
}
static void say(const char *s) { if (write(1, s, strlen(s)) < 0) _exit(2); }
int main(void) {
  struct rlimit rl;
  size_t vm = vm_size_raw();
  if (!vm || getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_max != RLIM_INFINITY) return 77;
  rl.rlim_cur = vm + 64 * MiB;
  if (setrlimit(RLIMIT_AS, &rl) != 0) return 77;
  char *big = malloc(48 * MiB);      /* above the mmap threshold: never sampled */
  if (!big) return 77;
  memset(big, 1, 4096);
  for (int i = 0; i < 100; i++) free(malloc(24));   /* the pool is refused */
  free(big);                         /* the shortage passes */
  for (int i = 0; i < 3000; i++) free(malloc(24));
  char *volatile p = malloc(24);
  memset(p, 1, 24);
  free(p);
  volatile char c = p[3];            /* a sample's freed page: faults */
  (void)c;
  say("read after free not caught: not sampled\n");
  return 0;
}
C
build retry.c gcc -O1 -g -fno-builtin -o "$T/retry" "$T/retry.c"
HG_CHECKS=$((HG_CHECKS + 1))
{ HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_BUDGET=0 HEAPGUARD_SAMPLE_MAX=4096 HEAPGUARD_LOG_FILE="$T/retry.log" LD_PRELOAD="$HG_LIB_SO" \
    timeout 120 "$T/retry" >"$T/retry.out" 2>"$T/retry.err"; } 2>/dev/null
st=$?
say "status $(status_desc "$st"); stderr: $(tr '\n' ' ' <"$T/retry.err" | cut -c1-300)"
[ "$st" = 77 ] && { say "RLIMIT_AS cannot be set here"; exit 77; }
touch "$T/retry.log"
if ! grep -q 'refused the pool of 4096 guarded slots' "$T/retry.err"; then
  fail "the pool was never refused under the limit: the test does not test the retry"
elif [ "$st" != 99 ] || ! grep -Eq '^==[0-9]+== ERROR: heap-use-after-free' "$T/retry.log"; then
  fail "after the shortage passed, a read after free was not caught (status $(status_desc "$st"); $(cat "$T/retry.out")): sampling never resumed"
  sed 's/^/  | /' "$T/retry.log" | head -n 10
elif ! grep -q 'pool of 4096 guarded slots is mapped now; allocations are sampled again' "$T/retry.err"; then
  fail "sampling resumed without the line saying so"
else
  say "ok    the pool refused, then mapped once memory was freed: sampling resumed, the read after free reported"
fi
finish
