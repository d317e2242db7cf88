#!/usr/bin/env bash
# C++ programs in every mode: heapguard's operator new and delete (src/cxx.c) with
# libstdc++.  tests/bugs/clean_cxx_*.cc (every form of new and delete, containers,
# exceptions, threads, a new_handler and failing news) run under glibc (the
# reference) and preloaded in the default mode, guard mode, sampled guard mode (every
# malloc and new sampled) and check mode: same stdout and exit status, and no error in
# the report.  The mismatched ones (tests/bugs/bug_cxx_*.cc) must run to their end in
# the default mode, as under glibc (the bug is check mode's to report, not a crash).
. "$(dirname "$0")/lib.sh"
need g++
assert_preload_works
unset HEAPGUARD_MODE HEAPGUARD_LOG_FILE HEAPGUARD_LEAK_CHECK HEAPGUARD_ERROR_EXITCODE \
      HEAPGUARD_SAMPLE_RATE

for src in "$HG_ROOT"/tests/bugs/clean_cxx_*.cc "$HG_ROOT"/tests/bugs/bug_cxx_*.cc; do
  base=$(basename "$src" .cc)
  bin=$T/$base
  if ! g++ -std=gnu++17 -O2 -g -pthread -w -fno-allocation-dce -o "$bin" "$src" 2>"$bin.build.log"; then
    fail "$base: build failed: $(head -n 3 "$bin.build.log")"; continue
  fi
  case $base in
    bug_*) run_both "$base" "$bin" ;;   # the default mode only
    *)
      run_both "$base" "$bin"
      for mode in guard sampled check; do
        log=$T/$base.$mode.report
        rm -f "$log"
        if [ $mode = sampled ]; then set -- HEAPGUARD_SAMPLE_RATE=1; else set -- HEAPGUARD_MODE=$mode; fi
        # (the glibc run ignores the settings)
        run_both "$base.$mode" env "$@" HEAPGUARD_LOG_FILE="$log" "$bin"
        if grep -q 'ERROR:' "$log" 2>/dev/null; then
          fail "$base in $mode mode: $(grep -m 1 'ERROR:' "$log")"
        elif [ $mode != sampled ] && ! grep -q 'ERROR SUMMARY: 0 errors' "$log" 2>/dev/null; then
          fail "$base in $mode mode: no 'ERROR SUMMARY: 0 errors' in its report"
        fi
      done
      ;;
  esac
done

# Guard mode and operator new's alignment: clang -O2 zeroes a new 24-, 32- or 40-byte
# object with movaps, which assumes __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16).  Guard mode
# aligns malloc's blocks to 8 (HEAPGUARD_GUARD_ALIGN), but operator new's of 16 bytes
# or more to 16, so the program runs; so does sampled mode with its floor lowered to 8.
if command -v clang++ >/dev/null 2>&1; then
  cat >"$T/movaps.cc" <<'EOF'
#include <cstdio>
struct S24 { long a, b, c; };
struct S32 { long double x; long a; };
struct S40 { long a, b, c, d, e; };
void *volatile sink;   // each object escapes: the compiler must allocate it
int main() {
  long sum = 0;
  for (int i = 0; i < 100; i++) {
    S24 *a = new S24();
    sink = a;
    S32 *b = new S32();
    sink = b;
    S40 *c = new S40();
    sink = c;
    sum += a->c + b->a + c->e;
    delete a;
    delete b;
    delete c;
  }
  std::printf("%ld\n", sum);
  return 0;
}
EOF
  if ! clang++ -O2 -o "$T/movaps" "$T/movaps.cc" 2>"$T/movaps.build.log"; then
    fail "movaps: clang++ -O2 failed: $(head -n 3 "$T/movaps.build.log")"
  elif ! objdump -d "$T/movaps" | grep -q 'movaps %xmm[0-9]*,\(0x[0-9a-f]*\)\?(%r'; then
    say "note: clang++ -O2 stores no movaps into a new'd object here; the alignment runs prove less"
  fi
  if [ -x "$T/movaps" ]; then
    run_both movaps.guard env HEAPGUARD_MODE=guard "$T/movaps"
    run_both movaps.sampled env HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_ALIGN=8 "$T/movaps"
  fi
else
  say "note: no clang++: the movaps runs are skipped"
fi
finish
