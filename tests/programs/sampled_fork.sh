#!/usr/bin/env bash
# Sampled guard mode's fork handlers before the first sample (issue 5).  They took the
# pool's, guard mode's, check mode's and the unwinder's locks at every fork, and so
# wrote pages of the library's data that the default mode's handlers do not touch:
# about 8 more page faults in each child and 5 in the parent, +45 us a fork.  No sample,
# none of those locks can be held, and the handlers leave them alone (src/init.c:
# sampled_forks).  Checks:
#   * a child that only exits takes no more page faults in sampled mode without a
#     sample than in the default mode (+2 allowed; before the change the difference was
#     8);
#   * after samples (1 in 50 of 1000 mallocs), a child that only exits, and its parent
#     for each fork, take at most 2 page faults more than in the default mode.  Those
#     locks, and what the child resets, were on six pages of .bss and the handlers in
#     the cold text: 26-27 faults a child against 19-20, 9-10 in the parent against
#     4-5 (this check failed); now on .data's one page (HG_FORK_DATA, src/internal.h),
#     the handlers in the warm text: 1 more in each;
#   * a process that forks before its first sample, whose child then samples every
#     malloc and forks in turn, runs to the end in both (the handlers take the locks
#     from the first sample on).
. "$(dirname "$0")/lib.sh"
need gcc

cat >"$T/forks.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#define FORKS 300

static int churn(void) {
  void *p[64];
  for (int i = 0; i < 64; i++) memset(p[i] = malloc(40), 1, 40);
  for (int i = 0; i < 64; i++) free(p[i]);
  return 0;
}

static int forked(int (*child)(void)) {
  pid_t pid = fork();
  if (pid == 0) _exit(child ? child() : 0);
  int st;
  return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* The child samples (at rate 1) for the first time, then forks, as its parent did. */
static int child_samples(void) { return churn() | forked(churn) | churn(); }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "faults") == 0) {
    static void *keep[1000];
    for (int i = 0; i < 1000; i++) keep[i] = malloc(32);
    struct rusage self0, self1, ru;
    getrusage(RUSAGE_SELF, &self0);
    for (int i = 0; i < FORKS; i++)
      if (forked(NULL)) return 1;
    getrusage(RUSAGE_SELF, &self1);
    getrusage(RUSAGE_CHILDREN, &ru);
    /* tenths of a fault: a child's, and the parent's for each fork */
    printf("%ld %ld\n", (ru.ru_minflt * 10 + FORKS / 2) / FORKS,
           ((self1.ru_minflt - self0.ru_minflt) * 10 + FORKS / 2) / FORKS);
    return keep[999] == NULL;
  }
  int st = forked(child_samples);
  return st | churn() | forked(churn);
}
C
build the-program gcc -O2 -o "$T/forks" "$T/forks.c"

# The counts are measured without address-space randomisation where setarch can turn it
# off: with it, where the stack, the heap and the libraries fall against page boundaries
# moved a child's count by 2 either way from run to run, in every mode, and the check
# failed about one run in four at 4de318f (child 200/10 against the default mode's
# 170/10; 190 against 180 every time without randomisation).
norand=()
setarch "$(uname -m)" -R true 2>/dev/null && norand=(setarch "$(uname -m)" -R)
faults() {   # MODE-SETTINGS...: tenths of a page fault a child and a fork's in the parent, or ""
  env "$@" LD_PRELOAD="$HG_LIB_SO" "${norand[@]}" "$T/forks" faults 2>>"$T/faults.err"
}
HG_CHECKS=$((HG_CHECKS + 1))
read -r def def_parent < <(faults HG_DEFAULT_MODE=1)
read -r smp _ < <(faults HEAPGUARD_SAMPLE_RATE=1000000000)
if [ -z "$def" ] || [ -z "$smp" ] || [ "$smp" -gt $((def + 20)) ]; then
  fail "a child's page faults, sampled without a sample: wanted at most the default mode's + 2, got ${smp:-?}/10 against ${def:-?}/10"
  sed 's/^/  | /' "$T/faults.err" | head -n 20
else say "ok: a child's page faults, sampled without a sample: $smp/10, default mode $def/10"; fi

HG_CHECKS=$((HG_CHECKS + 1))
read -r aft aft_parent < <(faults HEAPGUARD_SAMPLE_RATE=50)
if [ -z "$def" ] || [ -z "$aft" ] || [ -z "${def_parent:-}" ] || [ -z "${aft_parent:-}" ] ||
   [ "$aft" -gt $((def + 20)) ] || [ "$aft_parent" -gt $((def_parent + 20)) ]; then
  fail "page faults a fork after samples: wanted at most the default mode's + 2 in a child and in the parent, got ${aft:-?}/10 and ${aft_parent:-?}/10 against ${def:-?}/10 and ${def_parent:-?}/10"
  sed 's/^/  | /' "$T/faults.err" | head -n 20
else say "ok: page faults a fork after samples: child $aft/10, parent $aft_parent/10; default mode $def/10, $def_parent/10"; fi

HG_CHECKS=$((HG_CHECKS + 1))
HEAPGUARD_SAMPLE_RATE=1 LD_PRELOAD="$HG_LIB_SO" timeout 60 "$T/forks" >"$T/first.out" 2>"$T/first.err"
st=$?
if [ $st -ne 0 ] || grep -q 'heapguard:' "$T/first.err"; then
  fail "forks before and after the first sample, every malloc sampled: wanted status 0 and no report (status $st)"
  sed 's/^/  | /' "$T/first.out" "$T/first.err" | head -n 20
else say "ok: forks before and after the first sample"; fi
finish
