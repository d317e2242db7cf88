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
# object with movaps, which assumes __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16).  With
# malloc's blocks aligned to 8 (the opt-in HEAPGUARD_GUARD_ALIGN=8), guard mode still
# aligns operator new's of 16 bytes or more to 16, so the program runs; so does sampled
# mode with its floor lowered to 8.
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
    run_both movaps.guard env HEAPGUARD_MODE=guard HEAPGUARD_GUARD_ALIGN=8 "$T/movaps"
    run_both movaps.sampled env HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_ALIGN=8 "$T/movaps"
  fi
else
  say "note: no clang++: the movaps runs are skipped"
fi

# Call tracing (HEAPGUARD_TRACE_CALLS) shows each operator as the program called it,
# with its arguments (size, align_val_t, nothrow), not as the malloc or free inside;
# the nothrow deletes as such (they showed as the plain ones), and a delete or free of
# NULL (not shown before: a trace of calls shows every call made).
cat >"$T/trace_ops.cc" <<'EOF'
#include <cstdlib>
#include <new>
int main() {
  std::free(std::malloc(24));
  void *a = ::operator new(24);
  char *b = new char[40];
  void *c = ::operator new(8, std::nothrow);
  void *d = ::operator new(100, std::align_val_t(64));
  void *e = ::operator new[](10, std::align_val_t(32), std::nothrow);
  ::operator delete(a, 24);
  delete[] b;
  ::operator delete(c);
  ::operator delete(d, 100, std::align_val_t(64));
  ::operator delete[](e, std::align_val_t(32));
  void *g = ::operator new(16, std::nothrow);
  void *h = ::operator new[](8, std::nothrow);
  ::operator delete(g, std::nothrow);              // what the runtime calls when a
  ::operator delete[](h, std::nothrow);            // nothrow new's constructor throws
  ::operator delete(nullptr);                      // calls like any other: traced
  void *volatile none = nullptr;                   // (gcc drops a free of a null constant)
  std::free(none);
  return 0;
}
EOF
if ! g++ -std=gnu++17 -O0 -fno-allocation-dce -o "$T/trace_ops" "$T/trace_ops.cc" 2>"$T/trace_ops.build.log"; then
  fail "trace_ops: build failed: $(head -n 3 "$T/trace_ops.build.log")"
else
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/trace_ops.trace"
  HEAPGUARD_TRACE_CALLS=1 HEAPGUARD_TRACE="$T/trace_ops.trace" LD_PRELOAD="$HG_LIB_SO" "$T/trace_ops"
  sed -n 's/^heapguard\[[0-9/]*\] [0-9.]* \(operator .*\)$/\1/p' "$T/trace_ops.trace" |
    sed -e 's/(0x0)/(NULL)/' -e 's/0x[0-9a-f]*/P/g' >"$T/trace_ops.got"
  cat >"$T/trace_ops.want" <<'EOF'
operator new(24) = P
operator new[](40) = P
operator new(8, nothrow) = P
operator new(100, align_val_t(64)) = P
operator new[](10, align_val_t(32), nothrow) = P
operator delete(P, 24)
operator delete[](P)
operator delete(P)
operator delete(P, 100, align_val_t(64))
operator delete[](P, align_val_t(32))
operator new(16, nothrow) = P
operator new[](8, nothrow) = P
operator delete(P, nothrow)
operator delete[](P, nothrow)
operator delete(NULL)
EOF
  if cmp -s "$T/trace_ops.want" "$T/trace_ops.got" && grep -q ' free(0x0)$' "$T/trace_ops.trace"; then
    say "ok    trace_ops: each operator traced as called, the nothrow deletes and the NULL ones too"
  else
    fail "trace_ops: the traced operators (want -> got), and free(NULL):"
    diff "$T/trace_ops.want" "$T/trace_ops.got" | sed 's/^/  | /'
    grep -c ' free(0x0)$' "$T/trace_ops.trace" | sed 's/^/  | free(0x0) lines: /'
  fi
  # the same with every block sampled by guard mode (outside the page map): the free
  # and the deletes of sampled blocks under call tracing (free's crashed before)
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/trace_ops_sampled.trace"
  HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_TRACE_CALLS=1 HEAPGUARD_TRACE="$T/trace_ops_sampled.trace" \
    LD_PRELOAD="$HG_LIB_SO" "$T/trace_ops" 2>"$T/trace_ops_sampled.err"
  st=$?
  sed -n 's/^heapguard\[[0-9/]*\] [0-9.]* \(operator .*\)$/\1/p' "$T/trace_ops_sampled.trace" |
    sed -e 's/(0x0)/(NULL)/' -e 's/0x[0-9a-f]*/P/g' >"$T/trace_ops_sampled.got"
  if [ $st -eq 0 ] && cmp -s "$T/trace_ops.want" "$T/trace_ops_sampled.got" &&
     grep -q ' free(0x' "$T/trace_ops_sampled.trace"; then
    say "ok    trace_ops, every block sampled: the same operator lines, and the free"
  else
    fail "trace_ops with HEAPGUARD_SAMPLE_RATE=1: status $st"
    diff "$T/trace_ops.want" "$T/trace_ops_sampled.got" | sed 's/^/  | /'; head -n 5 "$T/trace_ops_sampled.err"
  fi
  # the trace's checker (tests/programs/trace) reads these lines as call lines
  if command -v strace >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 &&
     strace -f -o "$T/probe.strace" -e trace=brk true >/dev/null 2>&1; then
    HG_CHECKS=$((HG_CHECKS + 1))
    rm -f "$T/trace_ops.trace"
    strace -f -o "$T/trace_ops.strace" -e trace=brk,mmap,munmap,madvise,mremap,mprotect \
      env HEAPGUARD_TRACE_CALLS=1 HEAPGUARD_TRACE="$T/trace_ops.trace" LD_PRELOAD="$HG_LIB_SO" "$T/trace_ops"
    if python3 "$HG_ROOT/tests/programs/trace/trace_check.py" "$T/trace_ops.strace" "$T/trace_ops.trace" \
         >"$T/trace_ops.check" 2>&1; then
      say "ok    trace_ops: trace_check.py: $(tail -n 1 "$T/trace_ops.check")"
    else
      fail "trace_ops: trace_check.py:"; sed 's/^/  | /' "$T/trace_ops.check" | head -n 10
    fi
  fi
fi
finish
