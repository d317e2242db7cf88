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
finish
