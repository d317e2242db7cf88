#!/usr/bin/env bash
# The library built with clang instead of gcc (CC=clang make): it must compile with the
# same -Wall -Wextra -Werror, and the result must work preloaded — the default mode on
# python3 and sort (outputs equal to glibc's), check mode catching a use after free
# with its stacks symbolized, sampled guard mode on python3, and tests/api/cxx_new.cc
# built by clang++.  The rest of the suite runs against the gcc build; this keeps the
# clang build from rotting.
. "$(dirname "$0")/lib.sh"
need clang make python3 sort gcc

say "$(clang --version | head -n 1)"
# Its own build directory under this test's output; `make -C` so that the Makefile's
# relative paths (src/, include/) resolve.
if ! make -s -C "$HG_ROOT" CC=clang BUILD="$T/build" "$T/build/libheapguard.so" >"$T/build.log" 2>&1; then
  say "FAIL: the library does not build with clang:"
  sed 's/^/  | /' "$T/build.log" | tail -n 30
  exit 1
fi
HG_LIB_SO=$T/build/libheapguard.so
assert_preload_works

# Default mode: real programs, outputs equal to glibc's.
cat >"$T/work.py" <<'EOF'
import collections, json, re
d = collections.defaultdict(list)
for i in range(200000):
    d[i % 997].append(str(i) * (i % 7))
s = json.dumps({k: v[:50] for k, v in d.items()})
print(len(s), sum(len(v) for v in d.values()), len(re.findall(r"\d{5}", s)))
EOF
PYTHONMALLOC=malloc run_both python3 python3 "$T/work.py"
seq 1 200000 | awk '{ print ($1 * 7919) % 100003, $1 }' >"$T/sort.in"
run_both sort sort -n "$T/sort.in"

# Check mode: the stack capture and symbolizer paths built by clang.
cat >"$T/uaf.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) static char *make(void) { return malloc(40); }
int main(void) {
  char *p = make();
  free(p);
  memset(p, 'x', 8);  /* use after free */
  return 0;
}
EOF
# The program built by gcc, and by clang, which writes no .debug_aranges: libdw's
# dwfl_module_getsrc then finds no line, and reports had no file:line for any frame of a
# clang-built program (symbolise.c now searches the compilation units itself).
for cc in gcc clang; do
  $cc -O0 -g "$T/uaf.c" -o "$T/uaf-$cc" || { fail "cannot build uaf.c with $cc"; finish; }
  HG_CHECKS=$((HG_CHECKS + 1))
  HEAPGUARD_MODE=check LD_PRELOAD="$HG_LIB_SO" "$T/uaf-$cc" >"$T/uaf-$cc.out" 2>&1
  st=$?
  if [ $st -eq 0 ] || ! grep -q "use-after-free" "$T/uaf-$cc.out" || ! grep -q "make (uaf\.c:3)" "$T/uaf-$cc.out"; then
    fail "check mode (clang build), uaf.c built by $cc: expected a use-after-free report naming make (uaf.c:3) and a non-zero exit, got status $st:"
    sed 's/^/  | /' "$T/uaf-$cc.out" | head -n 30
  fi
done

# C++: tests/api/cxx_new.cc (every form of operator new and delete, the sized deletes
# among them) built with clang++ by the suite's own flags, run against the clang build.
# clang++ 14 declares the sized deletes only with -fsized-deallocation (g++ does from
# C++14 on): without it in tests/run.sh's flags, cxx_new.cc did not compile.
if ! command -v clang++ >/dev/null 2>&1; then
  say "note: no clang++: cxx_new.cc is not built with it"
elif [ -z "${HG_TCXXFLAGS:-}" ]; then
  say "note: HG_TCXXFLAGS unset (run by hand, not by tests/run.sh): cxx_new.cc is not built with clang++"
else
  HG_CHECKS=$((HG_CHECKS + 1))
  # shellcheck disable=SC2086  # the flags are words
  if ! (cd "$HG_ROOT" && clang++ $HG_TCXXFLAGS tests/api/cxx_new.cc -o "$T/cxx_new") >"$T/cxx_new.build.log" 2>&1; then
    fail "clang++ cannot build tests/api/cxx_new.cc with tests/run.sh's flags:"
    sed 's/^/  | /' "$T/cxx_new.build.log" | head -n 10
  elif ! nm -u "$T/cxx_new" | grep -Eq ' _ZdlPvm(@|$)'; then
    fail "cxx_new built by clang++ does not call the sized operator delete(void *, size_t)"
  elif ! LD_PRELOAD="$HG_LIB_SO" "$T/cxx_new" >"$T/cxx_new.out" 2>&1; then
    fail "cxx_new built by clang++ fails preloaded:"; sed 's/^/  | /' "$T/cxx_new.out" | tail -n 10
  else
    say "ok    cxx_new built by clang++, sized deletes included, passes preloaded"
  fi
fi

# Sampled guard mode, one malloc in 20, in python3: same output as glibc's.
HEAPGUARD_SAMPLE_RATE=20 PYTHONMALLOC=malloc run_both python3-sampled python3 "$T/work.py"
finish
