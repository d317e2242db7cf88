#!/usr/bin/env bash
# The library's own resident pages in the default mode (docs/architecture.md, "Resident
# memory"): a program that only mallocs, callocs and frees, from two threads, must map
# none of the library's cold text, warm text or .rodata (src/heapguard.ld.in puts each
# in a mapping of its own, which such a process never touches), and at most 6 pages of
# its hot text; the same program forking and setting a signal handler as well (the fork
# handlers and the library's signal() are warm text) must still map no cold text or
# .rodata; nor must the same program in sampled guard mode at a rate that never samples
# (its start and countdown are the settings text's).  The program reads its own
# /proc/self/smaps; the sections' file offsets come from readelf.
. "$(dirname "$0")/lib.sh"
need readelf nm gcc
[ "${MODE:-release}" = release ] || { say "the layout is checked on release builds"; exit 77; }
case "${HEAPGUARD_MODE:-run}:${HEAPGUARD_SAMPLE_RATE:-0}:${HEAPGUARD_STATS:-}${HEAPGUARD_TRACE:-}" in
  run:0:) ;;
  *) say "only the default mode keeps to its pages"; exit 77 ;;
esac

cat >"$T/resident.c" <<'EOF'
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *arg) {
  void *p[64];
  for (int round = 0; round < 200; round++) {
    for (int i = 0; i < 64; i++) p[i] = round & 1 ? calloc(1, 16 + i * 40) : malloc(16 + i * 24);
    for (int i = 0; i < 64; i++) free(p[i]);
  }
  return arg;
}

/* argv: "fork" or "plain", then pairs "name offset" of sections whose pages must not be
 * resident (and .text, the hot text, at most 6 pages). */
int main(int argc, char **argv) {
  pthread_t t;
  if (pthread_create(&t, NULL, work, NULL) != 0) return 2;
  work(NULL);
  pthread_join(t, NULL);
  if (strcmp(argv[1], "fork") == 0) {
    if (signal(SIGUSR1, SIG_IGN) == SIG_ERR) return 2;
    pid_t pid = fork();
    if (pid == 0) {
      work(NULL);
      _exit(0);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0) return 2;
  }
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) return 2;
  char line[512], cur[512] = "";
  unsigned long lo = 0, hi = 0;
  int bad = 0, mine = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long a, b, o;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s %lx", &a, &b, perms, &o) == 4) {
      mine = strstr(line, "libheapguard") != NULL;
      lo = o, hi = o + (b - a);
      snprintf(cur, sizeof cur, "%s", line);
      continue;
    }
    long kb;
    if (!mine || sscanf(line, "Rss: %ld kB", &kb) != 1) continue;
    printf("%5ld KiB  %s", kb, cur);
    for (int i = 2; i + 1 < argc; i += 2) {
      unsigned long s = strtoul(argv[i + 1], NULL, 16);
      if (s >= lo && s < hi && kb > 0 && strcmp(argv[i], ".text") != 0) {
        printf("   ^ %s is resident\n", argv[i]);
        bad = 1;
      }
      if (s >= lo && s < hi && strcmp(argv[i], ".text") == 0 && kb > 6 * 4) {
        printf("   ^ more than 6 pages of hot text\n");
        bad = 1;
      }
    }
  }
  return bad;
}
EOF
gcc -O1 -pthread -o "$T/resident" "$T/resident.c" || { echo "cannot build the program"; exit 1; }

# The pages every process maps whole or writes (docs/architecture.md, "Resident memory:
# the library's own pages"), from the file's layout: the headers' mapping (the loader
# reads it for every symbol lookup; fault-around maps all of it) at most 2 pages (the
# relocations sit in the hot text's last page, src/heapguard.ld.in); the relro part,
# which the loader writes, within one page (a table of string pointers there took it
# to two); the .bss variables the default mode writes, of the core files, within two
# pages (the page map's 3 MiB comes after them: between them it made three).
HG_CHECKS=$((HG_CHECKS + 1))
layout=$(readelf -lW "$HG_LIB_SO" | awk '
  $1 == "LOAD" && !seen { seen = 1; printf "headers %d\n", strtonum($5) }
  $1 == "GNU_RELRO" { a = strtonum($3); printf "relro %d\n", int((a + strtonum($6) - 1) / 4096) - int(a / 4096) + 1 }')
pages=$(nm -S "$HG_LIB_SO" 2>/dev/null | awk '
  $3 ~ /^[bB]$/ && $4 ~ /^(heaps_all|hg_region_lock|bump_cur|hg_os_calls|init_lock|hg_class_of_index|hg_classes)$/ {
    a = strtonum("0x" $1); for (p = int(a / 4096); p <= int((a + strtonum("0x" $2) - 1) / 4096); p++) seen[p] = 1; n++ }
  END { for (p in seen) k++; printf "%d %d", n, k }')
if echo "$layout" | awk '($1 == "headers" && $2 > 8192) || ($1 == "relro" && $2 > 1) { bad = 1 } END { exit bad }' &&
   [ "${pages% *}" = 7 ] && [ "${pages#* }" -le 2 ]; then
  say "ok    headers in 2 pages, relro in 1, the default mode's .bss variables in ${pages#* }"
else
  fail "the library's layout: $(echo $layout) (bytes, pages); .bss variables found, pages: $pages"
fi

# "name offset" of the sections that must stay out of memory, and of the hot text.
sections=$(readelf -SW "$HG_LIB_SO" | sed 's/^ *\[ *[0-9]*\] *//' |
  awk '$1 == ".text.hg_cold" || $1 == ".text.hg_warm" || $1 == ".rodata" || $1 == ".eh_frame" ||
       $1 == ".text" { print $1, $4 }')
[ "$(echo "$sections" | wc -l)" = 5 ] || { echo "sections not found:"; echo "$sections"; exit 1; }
# shellcheck disable=SC2086
HG_CHECKS=$((HG_CHECKS + 1))
if LD_PRELOAD=$HG_LIB_SO "$T/resident" plain $sections; then
  say "ok    malloc/calloc/free: no cold text, warm text or .rodata resident"
else
  fail "the default mode maps pages it should not (above)"
fi
# shellcheck disable=SC2086
HG_CHECKS=$((HG_CHECKS + 1))
if LD_PRELOAD=$HG_LIB_SO "$T/resident" fork $(echo "$sections" | grep -v '^\.text\.hg_warm '); then
  say "ok    and a fork and signal(): no cold text or .rodata resident"
else
  fail "a default-mode fork maps pages it should not (above)"
fi
# Sampled guard mode at a rate that never samples here: its start and countdown and the
# setting's parsing are the settings text's; none of the other modes' code (cold text)
# nor .rodata is mapped.
# shellcheck disable=SC2086
HG_CHECKS=$((HG_CHECKS + 1))
if HEAPGUARD_SAMPLE_RATE=1000000000 LD_PRELOAD=$HG_LIB_SO "$T/resident" plain $sections; then
  say "ok    sampled mode that never samples: no cold text, warm text or .rodata resident"
else
  fail "sampled mode, never sampling, maps pages it should not (above)"
fi
finish
