#!/usr/bin/env bash
# heapguard's test runner: builds every test program and runs it; the last line is
# "N passed, N failed, N skipped" for CI.
#
# Kinds of test (a file's directory says which):
#   tests/unit/*.c      unit tests of internal modules: built with -Isrc against the
#                       static library, run directly.
#   tests/api/*.c       conformance and stress programs written against the plain C API
#   (and *.cc: C++'s operator new and delete, built with $CXX):
#                       run preloaded (LD_PRELOAD=libheapguard.so), preloaded with
#                       HEAPGUARD_BRK=0 (mmap'd regions instead of the brk heap), linked
#                       with libheapguard.a, and preloaded from the UBSan build.  Each must also pass under glibc's own malloc, so
#                       the tests cannot encode heapguard-only assumptions by accident —
#                       except those marked "// heapguard-only" in their first 20 lines.
#   tests/death/*.c     programs that must die: header lines
#                         // expect-signal: SIGABRT
#                         // expect-stderr: <extended regex, matched against one line>
#                       run preloaded.
#   tests/bugs/*.c      check mode (HEAPGUARD_MODE=check): one program per heap-bug shape,
#   (and *.cc, C++)     and clean programs it must not flag.  Header lines (first 30):
#                         // expect-error: <kind>    an "==PID== ERROR: <kind>:" line must be
#                                                    in the report (repeatable)
#                         // expect-text: <regex>    an extended regex that must match a line
#                                                    of the report (repeatable)
#                         // expect-status: <n>      exit status (default: 99 for a bug
#                                                    program, 0 for a clean one)
#                         // expect-clean            no ERROR line at all
#                       A program needs expect-error or expect-clean.  Built with -O0, and
#                       again with -O2 -fomit-frame-pointer (bugs/NAME:nofp) when an
#                       expect-text names a file:line; run preloaded, the report going to
#                       HEAPGUARD_LOG_FILE and the program's own stderr kept apart.
#   tests/guard/*.c     guard mode (HEAPGUARD_MODE=guard): the same headers, plus
#                       "// env: NAME=value" and "// sampled: <status>" (also run in
#                       sampled guard mode, HEAPGUARD_SAMPLE_RATE=1); see its section.
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
# C++ tests (*.cc): g++ whatever CC is (the Makefile's test-deps installs it).
CXX=${CXX:-g++}
TCXXFLAGS="-std=gnu++17 -O1 -g -Wall -Wextra -Werror -pthread -Iinclude -Itests -fno-builtin -fsized-deallocation"
export HG_TCXXFLAGS=$TCXXFLAGS   # tests/programs/clang.sh builds with clang++ by it
passed=0 failed=0 skipped=0
failures=()

wanted() { [ -z "${TESTS:-}" ] || [[ "$1" == *"$TESTS"* ]]; }

# result NAME STATUS LOGFILE [LINES]: a failure shows the log's last LINES lines (15)
result() {
  case $2 in
    0)  passed=$((passed + 1)); printf 'PASS  %s\n' "$1" ;;
    77) skipped=$((skipped + 1)); printf 'SKIP  %s  (%s)\n' "$1" "$(tail -n 1 "$3" 2>/dev/null)" ;;
    *)  failed=$((failed + 1)); failures+=("$1"); printf 'FAIL  %s  (status %s; log %s)\n' "$1" "$2" "$3"
        tail -n "${4:-15}" "$3" 2>/dev/null | sed 's/^/      | /' ;;
  esac
}

# compile SRC BIN EXTRA... ; a compile error is a test failure
compile() {
  local src=$1 bin=$2; shift 2
  if [[ $src == *.cc ]]; then
    $CXX $TCXXFLAGS "$src" -o "$bin" "$@" >"$bin.build.log" 2>&1
  else
    $CC $TCFLAGS "$src" -o "$bin" "$@" >"$bin.build.log" 2>&1
  fi
}

# no_cxx NAME LOG: true (and the test counted) if there is no $CXX for a C++ test: a
# skip, or a failure in CI (CI=true), where `make test-deps` installed it
no_cxx() {
  command -v "$CXX" >/dev/null 2>&1 && return 1
  echo "no C++ compiler ($CXX): make test-deps installs g++" >"$2"
  if [ "${CI:-}" = true ]; then result "$1" 1 "$2"; else result "$1" 77 "$2"; fi
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

for src in tests/api/*.c tests/api/*.cc; do
  [ -e "$src" ] || continue
  base=${src##*/}; base=${base%.*}; wanted "api/$base" || continue
  bin=$OUT/api_$base
  [[ $src == *.cc ]] && no_cxx "api/$base" "$LOGS/api_$base.log" && continue
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

# ---- check mode: tests/bugs ------------------------------------------------------------
# -fno-builtin: the compiler must neither delete nor merge the bugs (it knows malloc and
# free, and may drop a block that is written and never read); -w: the bugs are on purpose.
BUGS_CFLAGS="-g -pthread -w -fno-builtin -Iinclude"
BUGS_TIMEOUT=${BUGS_TIMEOUT:-30}
BUGS_KINDS="heap-buffer-overflow heap-buffer-underflow heap-use-after-free double-free invalid-free invalid-realloc invalid-pointer memory-leak fatal-signal"
# C++ (*.cc): new-expressions the optimiser could drop (allocation DCE) are kept: by
# -fno-builtin with clang++, which has no -fno-allocation-dce, and by that with g++.
BUGS_CXXFLAGS="-std=gnu++17 -g -pthread -w -fno-builtin -fsized-deallocation -Iinclude"
$CXX -fno-allocation-dce -fsyntax-only -x c++ /dev/null 2>/dev/null && BUGS_CXXFLAGS+=" -fno-allocation-dce"
BUGS_KINDS+=" mismatched-free mismatched-delete-size mismatched-delete-alignment"

# bugs_verdict SRC REPORT STDERR STATUS: prints why the run does not meet SRC's header
# lines, one reason a line; returns 1 if there is any.
bugs_verdict() {
  local src=$1 report=$2 stderr=$3 st=$4 hdr kind pat want bad=0
  hdr=$(head -n 30 "$src")
  want=$(sed -n 's|^// expect-status: *||p' <<<"$hdr" | head -n 1)
  if grep -q '^// expect-clean' <<<"$hdr"; then
    if grep -q 'ERROR:' "$report"; then
      echo "expected a clean run, but the report has: $(grep -m 1 'ERROR:' "$report")"; bad=1
    fi
    if grep -q 'ERROR:' "$stderr"; then
      echo "expected a clean run, but stderr has: $(grep -m 1 'ERROR:' "$stderr")"; bad=1
    fi
    want=${want:-0}
  else
    want=${want:-99}
  fi
  while IFS= read -r kind; do
    [ -n "$kind" ] || continue
    if ! grep -Eq "^==[0-9]+== ERROR: $kind:" "$report"; then
      if grep -Eq "ERROR: $kind:" "$stderr"; then
        echo "'ERROR: $kind:' is on stderr, not in HEAPGUARD_LOG_FILE"
      else
        echo "no '==PID== ERROR: $kind:' line in the report"
      fi
      bad=1
    fi
  done < <(sed -n 's|^// expect-error: *||p' <<<"$hdr")
  while IFS= read -r pat; do
    [ -n "$pat" ] || continue
    grep -Eq -- "$pat" "$report" || { echo "no report line matches: $pat"; bad=1; }
  done < <(sed -n 's|^// expect-text: *||p' <<<"$hdr")
  if [ "$st" != "$want" ]; then
    # timeout(1) reports a child killed by signal S as 128+S
    if [ "$st" -gt 128 ] && [ "$st" -lt 160 ]; then
      echo "exit status $st (killed by SIG$(kill -l $((st - 128)))), expected $want"
    else
      echo "exit status $st, expected $want"
    fi
    bad=1
  fi
  return $bad
}

# bugs_header_error SRC: what is wrong with SRC's header lines, if anything
bugs_header_error() {
  local hdr kind
  hdr=$(head -n 30 "$1")
  local nerr nclean
  nerr=$(grep -c '^// expect-error:' <<<"$hdr"); nclean=$(grep -c '^// expect-clean' <<<"$hdr")
  if [ "$nerr" -eq 0 ] && [ "$nclean" -eq 0 ]; then
    echo "$1: no '// expect-error: <kind>' and no '// expect-clean' header line"; return
  fi
  if [ "$nerr" -gt 0 ] && [ "$nclean" -gt 0 ]; then
    echo "$1: both expect-error and expect-clean"; return
  fi
  while IFS= read -r kind; do
    [[ " $BUGS_KINDS " == *" $kind "* ]] || { echo "$1: unknown kind '$kind' (kinds: $BUGS_KINDS)"; return; }
  done < <(sed -n 's|^// expect-error: *||p' <<<"$hdr")
}

# the reports are checked against the defaults: no HEAPGUARD_ setting from the caller
bugs_env=(env); for v in $(compgen -e | grep '^HEAPGUARD_'); do bugs_env+=(-u "$v"); done

# corpus_run DIR MODE: builds and runs every DIR/*.c under HEAPGUARD_MODE=MODE and checks
# its report against its header lines (bugs_verdict).  Variants: :O0 always; :nofp (-O2
# -fomit-frame-pointer) when an expected error names a file:line, so the stacks must be
# right without frame pointers too.  Two more header lines (used by tests/guard):
#   // env: NAME=value...      more environment for the run (e.g. HEAPGUARD_GUARD_SIDE=before)
#   // sampled: <n>            also run in the default allocator with HEAPGUARD_SAMPLE_RATE=1
#                              and HEAPGUARD_SAMPLE_BUDGET=0 (sampled guard mode: every
#                              malloc sampled), expecting exit
#                              status n there and the same report lines (:sampled)
corpus_run() {
  local dir=$1 mode_name=$2 src base hdr variants extra variant name id bin log report expect herr opt st
  local -a mode
  local cc
  for src in "$dir"/*.c "$dir"/*.cc; do
    [ -e "$src" ] || continue
    base=${src##*/}; base=${base%.*}
    cc="$CC $BUGS_CFLAGS"; [[ $src == *.cc ]] && cc="$CXX $BUGS_CXXFLAGS"
    hdr=$(head -n 30 "$src")
    variants=":O0"
    if grep -q '^// expect-error:' <<<"$hdr" && grep -Eq '^// expect-text: .*\.(c|cc):[0-9]' <<<"$hdr"; then variants+=" :nofp"; fi
    grep -q '^// sampled:' <<<"$hdr" && variants+=" :sampled"
    extra=$(sed -n 's|^// env: *||p' <<<"$hdr" | head -n 1)
    for variant in $variants; do
      name=$(basename "$dir")/$base; [ "$variant" = :O0 ] || name+=$variant
      wanted "$name" || continue
      id=$(basename "$dir")_$base${variant/:/_}
      bin=$OUT/$id; log=$LOGS/$id.log; report=$LOGS/$id.report; expect=$src
      [[ $src == *.cc ]] && no_cxx "$name" "$log" && continue
      herr=$(bugs_header_error "$src")
      if [ -n "$herr" ]; then echo "$herr" >"$log"; result "$name (header)" 1 "$log"; continue; fi
      opt="-O0"; mode=(HEAPGUARD_MODE="$mode_name")
      [ "$variant" = :nofp ] && opt="-O2 -fomit-frame-pointer"
      if [ "$variant" = :sampled ]; then
        mode=(HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_BUDGET=0)   # no budget: every malloc, however fast
        expect=$bin.expect   # the header with the sampled run's exit status
        sed -e '/^\/\/ expect-status:/d' -e 's|^// sampled: *|// expect-status: |' "$src" >"$expect"
      fi
      if ! $cc $opt "$src" -o "$bin" >"$bin.build.log" 2>&1; then
        result "$name (build)" 1 "$bin.build.log"; continue
      fi
      rm -f "$report".*
      # %p: a process that forks writes its own report file
      # shellcheck disable=SC2086  # $extra: NAME=value words
      { timeout --kill-after=5 "$BUGS_TIMEOUT" "${bugs_env[@]}" LD_PRELOAD="$LIB_SO" "${mode[@]}" $extra \
          HEAPGUARD_LOG_FILE="$report.%p" "$bin" >"$bin.stdout" 2>"$bin.stderr"; } 2>/dev/null
      st=$?
      cat "$report".* >"$report" 2>/dev/null
      {
        echo "--- $cc $opt $src; LD_PRELOAD=$LIB_SO ${mode[*]} $extra $bin"
        echo "--- report (HEAPGUARD_LOG_FILE):"; cat "$report"
        echo "--- program stderr:"; head -n 20 "$bin.stderr"
        echo "--- verdict:"
      } >"$log"
      if bugs_verdict "$expect" "$report" "$bin.stderr" "$st" >>"$log"; then
        echo ok >>"$log"; result "$name" 0 "$log"
      else
        result "$name" 1 "$log" 60
      fi
    done
  done
}

corpus_run tests/bugs check
# ---- guard mode: tests/guard -----------------------------------------------------------
corpus_run tests/guard guard

for t in tests/programs/*.sh; do
  [ -e "$t" ] || continue
  base=$(basename "$t" .sh); name=programs/$base
  if wanted "$name"; then
    log=$LOGS/programs_$base.log
    run_logged "$name" "$log" bash "$t"; result "$name" $? "$log"
  fi
  # Sampled guard mode in real programs: one malloc in 20 in a guarded slot (freed,
  # quarantined, recycled many times over), outputs still equal to glibc's runs.
  case $base in python|sqlite) ;; *) continue ;; esac
  name=programs/$base:sampled; wanted "$name" || continue
  log=$LOGS/programs_${base}_sampled.log
  run_logged "$name" "$log" env HEAPGUARD_SAMPLE_RATE=20 bash "$t"; result "$name" $? "$log"
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
