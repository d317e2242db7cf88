#!/usr/bin/env bash
# gdb's backtrace from inside check mode's call, which runs on the thread's side stack
# (src/wipe.h): the stub's CFI names the program's frame (a DWARF expression: the
# program's stack pointer kept on the side stack), so the backtrace goes on from the
# allocator's frames to the program's, up to main.  Without that rule an unwinder
# reading the side stack as the caller's frame went in circles or stopped at the stub.
. "$(dirname "$0")/lib.sh"
need gcc
need gdb
for v in $(env | sed -n 's/^\(HEAPGUARD_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
cat >"$T/prog.c" <<'C'
#include <stdlib.h>
__attribute__((noinline)) void *inner(size_t n) { return malloc(n); }
__attribute__((noinline)) void *outer(size_t n) { return inner(n); }
int main(void) { free(outer(24)); return 0; }
C
gcc -O0 -g -o "$T/prog" "$T/prog.c" || fail "cannot build prog.c"
bt=$(timeout 120 gdb -batch -nx -ex "set environment LD_PRELOAD=$HG_LIB_SO" \
  -ex 'set environment HEAPGUARD_MODE=check' -ex 'break main' -ex run \
  -ex 'break hg_check_malloc' -ex continue -ex bt "$T/prog" 2>&1 | grep '^#')
printf '%s\n' "$bt" | sed 's/^/  | /'
for f in hg_check_malloc inner outer main; do
  printf '%s\n' "$bt" | grep -q " $f (" || fail "gdb's backtrace has no frame of $f"
done
finish
