#!/usr/bin/env bash
# Check mode in a program linked fully statically with libheapguard.a (gcc -static, and
# -static-pie): its reports.  There dlopen is glibc's partial static dlopen, whose
# libraries' thread-local variables are not set up: libdw crashed in
# dwfl_module_getsrc at the first report (SIGSEGV, status 139, the report cut after its
# first frame).  Now the report is whole, its frames given as module+offset, and the
# status is check mode's (99).
. "$(dirname "$0")/lib.sh"
: "${HG_LIB_A:=$(dirname "$HG_LIB_SO")/libheapguard.a}"
need gcc
for v in $(env | sed -n 's/^\(HEAPGUARD_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

cat >"$T/uaf.c" <<'C'
#include <stdlib.h>
int main(void) {
  int *volatile p = malloc(sizeof(int));
  *p = 42;
  free(p);
  *p = 99;   /* use after free: found at exit */
  return 0;
}
C
if ! gcc -O0 -g -o "$T/static" "$T/uaf.c" "$HG_LIB_A" -static -pthread 2>"$T/static.build"; then
  say "cannot link statically (no libc.a?):"; grep -v 'warning\|in function' "$T/static.build" | head -n 3
  exit 77
fi
gcc -O0 -g -o "$T/static_pie" "$T/uaf.c" "$HG_LIB_A" -static-pie -pthread 2>/dev/null ||
  say "(no -static-pie here: that case is not checked)"

for prog in static static_pie; do
  [ -x "$T/$prog" ] || continue
  HG_CHECKS=$((HG_CHECKS + 1))
  HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/$prog.report" "$T/$prog" >"$T/$prog.out" 2>"$T/$prog.err"
  st=$?
  r=$T/$prog.report
  if [ "$st" -ne 99 ]; then
    fail "$prog: exit status $st, not 99"
  elif ! grep -q 'ERROR: heap-use-after-free' "$r" ||
       ! grep -q 'is 0 bytes inside a block of size 4 free.d' "$r" ||
       ! grep -q 'Block was alloc.d at' "$r" ||
       ! grep -Eq "by 0x[0-9a-f]+: \?\?\? \(in .*/$prog\+0x[0-9a-f]+\)" "$r" ||
       ! grep -q 'ERROR SUMMARY' "$r"; then
    fail "$prog: the report is not whole"
  else
    continue
  fi
  sed 's/^/  report| /' "$r" | head -n 20
  sed 's/^/  stderr| /' "$T/$prog.err" | head -n 5
done
finish
