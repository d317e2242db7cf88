#!/usr/bin/env bash
# heapguard's test runner: builds every test program and runs it; the last line is
# "N passed, N failed, N skipped" for CI.
#
# Kinds of test (a file's directory says which):
#   tests/unit/*.c      unit tests of internal modules: built with -Isrc against the
#                       static library, run directly.
#   tests/api/*.c       conformance and stress programs written against the plain C API:
#                       run preloaded (LD_PRELOAD=libheapguard.so), preloaded with
#                       HEAPGUARD_BRK=0 (mmap'd regions instead of the brk heap), linked
#                       with libheapguard.a, and preloaded from the UBSan build.  Each must also pass under glibc's own malloc, so
#                       the tests cannot encode heapguard-only assumptions by accident —
#                       except those marked "// heapguard-only" in their first 20 lines.
#   tests/death/*.c     programs that must die: header lines
#                         // expect-signal: SIGABRT
#                         // expect-stderr: <extended regex, matched against one line>
#                       run preloaded.
#   tests/programs/*.sh real programs preloaded (python3, sqlite3, sort, git, ...).
# Exit status 0 is a pass, 77 a skip, anything else a failure.
# TESTS=pattern runs only the tests whose name contains pattern.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
CC=${CC:-gcc}
LIB_SO=$ROOT/$BUILD/libheapguard.so
LIB_A=$ROOT/$BUILD/libheapguard.a
OUT=$ROOT/$BUILD/tests
LOGS=$OUT/logs
TIMEOUT=${TEST_TIMEOUT:-300}
mkdir -p "$OUT" "$LOGS"
export HG_ROOT=$ROOT HG_BUILD=$ROOT/$BUILD HG_LIB_SO=$LIB_SO HG_LIB_A=$LIB_A HG_TEST_OUT=$OUT

TCFLAGS="-std=gnu11 -O1 -g -Wall -Wextra -Werror -pthread -Iinclude -Itests -fno-builtin"
passed=0 failed=0 skipped=0
failures=()

wanted() { [ -z "${TESTS:-}" ] || [[ "$1" == *"$TESTS"* ]]; }

# result NAME STATUS LOGFILE
result() {
  case $2 in
    0)  passed=$((passed + 1)); printf 'PASS  %s\n' "$1" ;;
    77) skipped=$((skipped + 1)); printf 'SKIP  %s  (%s)\n' "$1" "$(tail -n 1 "$3" 2>/dev/null)" ;;
    *)  failed=$((failed + 1)); failures+=("$1"); printf 'FAIL  %s  (status %s; log %s)\n' "$1" "$2" "$3"
        tail -n 15 "$3" 2>/dev/null | sed 's/^/      | /' ;;
  esac
}

# compile SRC BIN EXTRA... ; a compile error is a test failure
compile() {
  local src=$1 bin=$2; shift 2
  $CC $TCFLAGS "$src" -o "$bin" "$@" >"$bin.build.log" 2>&1
}

run_logged() { # NAME LOG CMD...
  local name=$1 log=$2; shift 2
  # the group's redirection also silences bash's own "Aborted" notes for death tests
  { timeout --kill-after=10 "$TIMEOUT" "$@" >"$log" 2>&1; } 2>/dev/null
}

for src in tests/unit/*.c; do
  [ -e "$src" ] || continue
  name=unit/$(basename "$src" .c); wanted "$name" || continue
  bin=$OUT/unit_$(basename "$src" .c); log=$LOGS/unit_$(basename "$src" .c).log
  if ! compile "$src" "$bin" -Isrc "$LIB_A"; then cp "$bin.build.log" "$log"; result "$name" 1 "$log"; continue; fi
  run_logged "$name" "$log" "$bin"; result "$name" $? "$log"
done

for src in tests/api/*.c; do
  [ -e "$src" ] || continue
  base=$(basename "$src" .c); wanted "api/$base" || continue
  bin=$OUT/api_$base
  if ! compile "$src" "$bin"; then result "api/$base (build)" 1 "$bin.build.log"; continue; fi
  if ! head -n 20 "$src" | grep -q 'heapguard-only'; then
    log=$LOGS/api_$base.glibc.log
    run_logged "api/$base:glibc" "$log" "$bin"; st=$?
    [ $st -eq 0 ] || result "api/$base:glibc (the test itself is wrong)" $st "$log"
  fi
  log=$LOGS/api_$base.preload.log
  run_logged "api/$base:preload" "$log" env LD_PRELOAD="$LIB_SO" "$bin"; result "api/$base:preload" $? "$log"
  # the same with brk off: the heap lives in mmap'd regions, as when brk cannot grow
  log=$LOGS/api_$base.nobrk.log
  run_logged "api/$base:nobrk" "$log" env HEAPGUARD_BRK=0 LD_PRELOAD="$LIB_SO" "$bin"; result "api/$base:nobrk" $? "$log"
  if [ -n "${HG_UBSAN_LIB:-}" ]; then   # the allocator built with UBSan (aborts on a report)
    log=$LOGS/api_$base.ubsan.log
    run_logged "api/$base:ubsan" "$log" env LD_PRELOAD="$HG_UBSAN_LIB" "$bin"; result "api/$base:ubsan" $? "$log"
  fi
  if compile "$src" "$bin.linked" "$LIB_A"; then
    log=$LOGS/api_$base.linked.log
    run_logged "api/$base:linked" "$log" "$bin.linked"; result "api/$base:linked" $? "$log"
  else
    result "api/$base:linked (build)" 1 "$bin.linked.build.log"
  fi
done

for src in tests/death/*.c; do
  [ -e "$src" ] || continue
  base=$(basename "$src" .c); name=death/$base; wanted "$name" || continue
  bin=$OUT/death_$base; log=$LOGS/death_$base.log
  if ! compile "$src" "$bin"; then result "$name (build)" 1 "$bin.build.log"; continue; fi
  sig=$(sed -n 's|^// expect-signal: *||p' "$src" | head -n 1)
  pat=$(sed -n 's|^// expect-stderr: *||p' "$src" | head -n 1)
  run_logged "$name" "$log" env LD_PRELOAD="$LIB_SO" "$bin"; st=$?
  want=$(( 128 + $(kill -l "${sig:-SIGABRT}") ))
  # `timeout` reports a child killed by signal S as 128+S
  if [ "$st" -ne "$want" ]; then
    echo "expected death by ${sig:-SIGABRT} (status $want), got status $st" >>"$log"; result "$name" 1 "$log"
  elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$log"; then
    echo "no stderr line matches: $pat" >>"$log"; result "$name" 1 "$log"
  else
    result "$name" 0 "$log"
  fi
done

for t in tests/programs/*.sh; do
  [ -e "$t" ] || continue
  base=$(basename "$t" .sh); name=programs/$base; wanted "$name" || continue
  log=$LOGS/programs_$base.log
  run_logged "$name" "$log" bash "$t"; result "$name" $? "$log"
done

# The allocator's own code: static analysis.
if wanted lint/cppcheck; then
  log=$LOGS/lint_cppcheck.log
  if command -v cppcheck >/dev/null; then
    run_logged lint/cppcheck "$log" make -s -C "$ROOT" lint; result lint/cppcheck $? "$log"
  else
    echo "cppcheck is not installed" >"$log"; result lint/cppcheck 77 "$log"
  fi
fi

if [ ${#failures[@]} -gt 0 ]; then
  printf '\nfailed:\n'; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
