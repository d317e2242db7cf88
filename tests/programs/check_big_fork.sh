#!/usr/bin/env bash
# Check mode's big blocks and fork.  Every check-mode slot above the small classes came
# from the brk heap, so a freed big block left its address space there whenever
# anything above it lived, and a realloc's new block sat above the old one: the heap's
# one VMA grew to the sum of the program's big blocks.  The kernel's overcommit
# heuristic (vm.overcommit_memory 0) refuses a fork that would copy a private writable
# VMA larger than RAM + swap, so a program that had freed two blocks of 0.6 x (RAM +
# swap) could not fork (ENOMEM), nor one holding a block realloc'd from 0.4 to 0.7 x,
# where under glibc (a mapping per big block, unmapped at free; mremap) both could.
# Now slots of 32 MiB or more get mappings of their own (region_large.c:
# hg_region_alloc_mapped), unmapped when they leave the quarantine.  Only address
# space: each block has one page touched.  The same program under glibc is the
# control: where its forks fail too (another overcommit policy, a limit), skipped.
. "$(dirname "$0")/lib.sh"
need gcc
[ "$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)" = 0 ] ||
  { say "vm.overcommit_memory is not 0 (the heuristic): the case does not arise"; exit 77; }
[ "$(ulimit -v)" = unlimited ] || { say "ulimit -v is set: the blocks cannot be had"; exit 77; }
kib=$(awk '/^(MemTotal|SwapTotal):/ { t += $2 } END { print t }' /proc/meminfo)
[ -n "$kib" ] && [ "$kib" -gt 0 ] || { say "cannot read MemTotal and SwapTotal"; exit 77; }

cat >"$T/bigfork.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static int try_fork(const char *what) {
  pid_t pid = fork();
  if (pid < 0) { printf("%s: fork failed: %s\n", what, strerror(errno)); return 1; }
  if (pid == 0) _exit(0);
  waitpid(pid, NULL, 0);
  printf("%s: fork ok\n", what);
  return 0;
}
int main(int argc, char **argv) {
  size_t total = strtoull(argv[2], NULL, 10) << 10, part = total / 10;   /* RAM + swap */
  void *volatile pin;
  if (strcmp(argv[1], "freed") == 0) {   /* two blocks of 0.6 x, freed below a live block */
    char *a = malloc(6 * part), *b = malloc(6 * part);
    if (!a || !b) { printf("no memory for the blocks\n"); return 77; }
    a[0] = b[0] = 1;
    pin = malloc(200000);
    free(a);
    free(b);
    int st = try_fork("two big blocks freed");
    free(pin);
    return st;
  }
  char *p = malloc(4 * part);             /* realloc'd from 0.4 x to 0.7 x, held */
  if (!p) { printf("no memory for the block\n"); return 77; }
  p[0] = 1;
  char *q = realloc(p, 7 * part);
  if (!q) { printf("no memory for the realloc\n"); return 77; }
  int st = try_fork("a big block realloc'd");
  free(q);
  return st;
}
C
build bigfork.c gcc -O1 -o "$T/bigfork" "$T/bigfork.c"
for how in freed realloc; do
  "$T/bigfork" "$how" "$kib" >"$T/$how.glibc" 2>&1; st=$?
  if [ $st != 0 ]; then say "$how under glibc: status $st, $(cat "$T/$how.glibc"): skipped"; continue; fi
  HG_CHECKS=$((HG_CHECKS + 1))
  HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/$how.log" LD_PRELOAD="$HG_LIB_SO" \
    timeout "$HG_CMD_TIMEOUT" "$T/bigfork" "$how" "$kib" >"$T/$how.out" 2>&1
  st=$?
  say "$how: $(cat "$T/$how.out"); status $st"
  if [ $st != 0 ]; then fail "$how: check mode: status $(status_desc $st): $(cat "$T/$how.out")"
  elif grep -q ERROR: "$T/$how.log"; then fail "$how: check mode reported an error: $(grep -m1 ERROR: "$T/$how.log")"; fi
done
finish
