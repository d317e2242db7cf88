#!/usr/bin/env bash
# A setuid program linked with heapguard ignores HEAPGUARD_* (as glibc's malloc ignores
# MALLOC_* in secure mode, AT_SECURE): the user who starts it sets the environment, and
# the file options would have the privileged process empty and write any file they name.
# Run as root: a setuid-root copy of a program linked with libheapguard.a is started as
# nobody with HEAPGUARD_TRACE naming a root-only file, HEAPGUARD_MODE=check and a leak;
# the file must be untouched, the exit status the program's own, stderr silent.  The
# same settings in a plain run by root (no AT_SECURE) must take effect, so the test
# cannot pass by the options being ignored everywhere.
. "$(dirname "$0")/lib.sh"
: "${HG_LIB_A:=$(dirname "$HG_LIB_SO")/libheapguard.a}"
need gcc setpriv
[ "$(id -u)" = 0 ] || { say "not root: cannot make a setuid program"; exit 77; }
NOBODY=65534

# a directory every user can enter (the suite's may not be), removed at exit
dir=$(mktemp -d /tmp/hg-secure.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
mkdir -m 700 "$dir/secret"

cat >"$T/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
void *volatile kept;
int main(void) {
  kept = malloc(100);
  kept = NULL;   /* a leak: check mode would exit with 99 */
  printf("ruid=%d euid=%d\n", (int)getuid(), (int)geteuid());
  return 0;
}
C
gcc -O1 -o "$dir/prog" "$T/prog.c" "$HG_LIB_A" -pthread || { say "cannot build the program"; exit 1; }
chmod 4755 "$dir/prog"

settings() { # FILE: the settings a user could pass
  echo HEAPGUARD_TRACE="$1" HEAPGUARD_MODE=check HEAPGUARD_STATS=text HEAPGUARD_NO_SUCH_OPTION=1
}

# the control: root, real and effective ids equal, so no AT_SECURE
# shellcheck disable=SC2046
env $(settings "$dir/secret/control") "$dir/prog" >"$T/control.out" 2>"$T/control.err"; st=$?
HG_CHECKS=$((HG_CHECKS + 1))
if [ $st -ne 99 ] || ! grep -q 'brk\|mmap' "$dir/secret/control" 2>/dev/null ||
   ! grep -q 'unknown option' "$T/control.err"; then
  fail "control run (not setuid): the settings did not take effect (status $st, want 99; trace file and 'unknown option' line expected)"
  tail -n 5 "$T/control.err" | sed 's/^/  | /'
fi

echo "root's secret" >"$dir/secret/victim"
touch -d '2001-01-01' "$dir/secret/victim"   # older than the run: a log file would be emptied
# shellcheck disable=SC2046
setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
  env $(settings "$dir/secret/victim") "$dir/prog" >"$T/secure.out" 2>"$T/secure.err"; st=$?
HG_CHECKS=$((HG_CHECKS + 3))
if ! grep -q "^ruid=$NOBODY euid=0\$" "$T/secure.out"; then
  say "the setuid bit had no effect here (a nosuid file system?): $(cat "$T/secure.out")"
  exit 77
fi
fails=$HG_FAILS
[ "$(cat "$dir/secret/victim")" = "root's secret" ] ||
  fail "setuid run: the root-only file named by HEAPGUARD_TRACE was written: $(head -c 200 "$dir/secret/victim")"
[ $st -eq 0 ] || fail "setuid run: exit status $st, want the program's own 0 (HEAPGUARD_MODE=check applied?)"
[ -s "$T/secure.err" ] && fail "setuid run: stderr is not empty: $(head -n 3 "$T/secure.err")"
[ "$HG_FAILS" = "$fails" ] && say "setuid run: status $st, the named file untouched, stderr empty"
finish
