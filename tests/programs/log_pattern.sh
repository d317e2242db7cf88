#!/usr/bin/env bash
# HEAPGUARD_LOG_FILE's pattern read the same way in a forked child as in its parent:
# "%p" is the process id, "%%" a literal '%' (hg_pid_path).  The child used to look for
# "%p" itself, so "log.%%p" (one shared file, named "log.%p") counted as per-process in
# the child: it dropped the parent's descriptor and opened the name again.  Checked with
# a parent that renames its log before forking: the child's report must land in the
# renamed file (the shared descriptor), not in a new file under the old name.
. "$(dirname "$0")/lib.sh"
need gcc
cat >"$T/forker.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc != 3 || rename(argv[1], argv[2]) != 0) return 2;
  pid_t pid = fork();
  if (pid == 0) {
    char *p = malloc(16);
    free(p);
    free(p);   /* the child's double free: reported, then it exits with 99 */
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}
C
build forker gcc -O0 -g -o "$T/forker" "$T/forker.c"

HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/log* "$T/moved"
env HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/log.%%p" LD_PRELOAD="$HG_LIB_SO" \
  "$T/forker" "$T/log.%p" "$T/moved" >/dev/null 2>&1
st=$?
if [ $st -ne 99 ] || ! grep -q 'ERROR: double-free' "$T/moved" 2>/dev/null || [ -e "$T/log.%p" ]; then
  fail "log.%%p: wanted the child's report in the parent's (renamed) file, status 99; got status $st"
  ls "$T" | sed 's/^/  | /'
  for f in "$T"/log* "$T/moved"; do [ -e "$f" ] && { echo "  $f:"; sed 's/^/  | /' "$f"; }; done
else say "ok: log.%%p is one file shared by parent and child"; fi

# "%p" itself still gives the child a file of its own.
HG_CHECKS=$((HG_CHECKS + 1))
rm -f "$T"/log* "$T/moved"
env HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/log.%p" LD_PRELOAD="$HG_LIB_SO" \
  sh -c 'exec "$1" "$2/log.$$" "$2/moved"' sh "$T/forker" "$T" >/dev/null 2>&1
st=$?
n=$(ls "$T"/log.* 2>/dev/null | wc -l)
if [ $st -ne 99 ] || [ "$n" -ne 1 ] || ! grep -q 'ERROR: double-free' "$T"/log.* 2>/dev/null; then
  fail "log.%p: wanted the child's report in a file of its own, status 99; got status $st, $n files"
  ls "$T" | sed 's/^/  | /'
else say "ok: log.%p gives the child a file of its own"; fi
finish
