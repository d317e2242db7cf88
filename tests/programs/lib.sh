# tests/programs/lib.sh — helpers shared by tests/programs/*.sh, which source it.  Run
# directly (tests/run.sh runs every tests/programs/*.sh) it tests run_both itself.
#
# tests/run.sh exports HG_ROOT, HG_LIB_SO and HG_TEST_OUT; when a test is run by hand
# they default to the repository, build/libheapguard.so and build/tests.
#
#   need CMD...              skip (exit 77) when a command is missing
#   no_heapguard_env [NAME...]
#                            unset every HEAPGUARD_ variable but NAME...: for a test
#                            that checks the defaults, or sets its own
#   build NAME CMD...        run the build command CMD, its output in
#                            $T/NAME.build.log; if it fails, the test fails showing that
#                            log, and ends
#   assert_preload_works     the library really loads and its malloc is the one in use
#   run_both NAME [opts] CMD...
#                            run CMD with glibc's malloc, then with LD_PRELOAD=$HG_LIB_SO;
#                            compare exit status and stdout (and optionally stderr); fail if
#                            the preloaded run printed "heapguard:" to stderr.
#   build_cli                make the CLI, $HG_BUILD/heapguard (HG_BUILD: build/ by
#                            default), and set HG to it; exits failing if it cannot
#   small_prog NAME          $T/NAME: a program that mallocs 100 bytes, says "allocated"
#                            (or "no memory") and frees them; exits failing if it cannot
#                            be built
#   first_ulimit FROM STEP TO FOUND CMD...
#                            run CMD under `ulimit -v KIB` for KIB from FROM to TO KiB by
#                            STEP (stdout and stderr in $T/ulimit.out and $T/ulimit.err)
#                            until the command FOUND succeeds; prints that KIB, or nothing
#   refuses OPTION EXPECTED VALUE...
#                            a check per VALUE: `$HG check --OPTION=VALUE -- true` exits 2
#                            saying "bad value 'VALUE' for --OPTION: expected EXPECTED..."
#   finish                   exit 0 if every check passed, 1 otherwise
#
# Everything a test writes goes to $T (= $HG_TEST_OUT/programs_NAME), emptied at start.
# Exit status: 0 pass, 77 skip (reason on the last line), anything else fail.

set -uo pipefail

: "${HG_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${HG_LIB_SO:=$HG_ROOT/build/libheapguard.so}"
: "${HG_TEST_OUT:=$HG_ROOT/build/tests}"
HG_TEST_NAME=$(basename "$0" .sh)
T=$HG_TEST_OUT/programs_$HG_TEST_NAME
rm -rf "$T" && mkdir -p "$T" || { echo "cannot create $T"; exit 1; }
cd "$T" || exit 1

# One environment for both runs of every command: no glibc malloc tuning from outside,
# a fixed locale and time zone.  HEAPGUARD_* settings do pass through (to run the suite
# under other settings) and are shown.
unset LD_PRELOAD LD_LIBRARY_PATH GLIBC_TUNABLES MALLOC_CHECK_ MALLOC_PERTURB_ \
      MALLOC_ARENA_MAX MALLOC_TOP_PAD_ MALLOC_MMAP_THRESHOLD_ LANGUAGE LC_CTYPE
export LC_ALL=C LANG=C TZ=UTC
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

env | grep '^HEAPGUARD_' | sed 's/^/setting: /'
HG_CMD_TIMEOUT=${HG_CMD_TIMEOUT:-150}  # seconds per run of one command
HG_FAILS=0
HG_CHECKS=0

say() { printf '%s\n' "$*"; }
fail() { HG_FAILS=$((HG_FAILS + 1)); printf 'FAIL: %s\n' "$*"; }

# need CMD... — a missing command skips the test.  CI installs all of them (.ci/run),
# so a skip there means .ci/run lacks a package.
need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 && continue
    if [ "${CI:-}" = true ]; then   # in CI a skip would hide a gap in .ci/run
      say "CI=true but '$c' is not installed: .ci/run must install it"
      exit 1
    fi
    say "missing command: $c"
    exit 77
  done
}

no_heapguard_env() {
  local v k keep
  for v in $(env | sed -n 's/^\(HEAPGUARD_[A-Z_]*\)=.*/\1/p'); do
    keep=0
    for k in "$@"; do [ "$v" = "$k" ] && keep=1; done
    [ $keep = 1 ] || unset "$v"
  done
}

build() {
  local name=$1; shift
  "$@" >"$T/$name.build.log" 2>&1 && return 0
  fail "cannot build $name: $*"
  sed 's/^/  | /' "$T/$name.build.log"
  finish
}

# status_desc STATUS — "134 (SIGABRT)" style description of an exit status
status_desc() {
  local st=$1
  case $st in
    124) printf '124 (timed out after %ss)' "$HG_CMD_TIMEOUT" ;;
    12[5-7]) printf '%s (could not run the command)' "$st" ;;
    *) if [ "$st" -gt 128 ] && [ "$st" -lt 160 ]; then
         printf '%s (SIG%s)' "$st" "$(kill -l $((st - 128)) 2>/dev/null || echo '?')"
       else printf '%s' "$st"; fi ;;
  esac
}

# assert_preload_works — the library exists, ld.so preloads it, and malloc, free, calloc
# and realloc resolve to it.  Any failure here makes every other result meaningless,
# so it exits at once.
assert_preload_works() {
  local err=$T/preload-check
  if [ ! -f "$HG_LIB_SO" ]; then
    say "FAIL: $HG_LIB_SO does not exist (run make first)"; exit 1
  fi
  env LD_PRELOAD="$HG_LIB_SO" cat /proc/self/maps >"$err.maps" 2>"$err.err"
  if ! grep -q 'libheapguard\.so' "$err.maps"; then
    say "FAIL: libheapguard.so is not mapped in a preloaded process (LD_PRELOAD=$HG_LIB_SO cat /proc/self/maps)"
    sed 's/^/  stderr| /' "$err.err" | head -n 20; exit 1
  fi
  if grep -Eq 'cannot be preloaded|heapguard:' "$err.err"; then
    say "FAIL: preloading printed:"; sed 's/^/  stderr| /' "$err.err" | head -n 20; exit 1
  fi
  # Which library each allocation entry point resolves to in a preloaded process.
  if command -v gcc >/dev/null 2>&1; then
    cat >"$err.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  static const char *const names[] = { "malloc", "free", "calloc", "realloc",
    "posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc",
    "reallocarray", "malloc_usable_size", NULL };
  for (int i = 0; names[i]; i++) {
    Dl_info info;
    void *p = dlsym(RTLD_DEFAULT, names[i]);
    printf("%s %s\n", names[i], p && dladdr(p, &info) && info.dli_fname ? info.dli_fname : "?");
  }
  void *q = malloc(100); free(q);
  return 0;
}
EOF
    if ! gcc -O1 "$err.c" -o "$err.bin" -ldl >"$err.build" 2>&1; then
      say "FAIL: cannot build the preload checker:"; sed 's/^/  | /' "$err.build"; exit 1
    fi
    if ! env LD_PRELOAD="$HG_LIB_SO" "$err.bin" >"$err.syms" 2>"$err.err"; then
      say "FAIL: the preload checker failed under the preload:"; cat "$err.err"; exit 1
    fi
    local f missing_core=0 others=""
    for f in malloc free calloc realloc; do
      grep -q "^$f .*libheapguard\.so" "$err.syms" || missing_core=1
    done
    if [ $missing_core -ne 0 ]; then
      say "FAIL: malloc/free/calloc/realloc do not all resolve to libheapguard.so:"
      sed 's/^/  | /' "$err.syms"; exit 1
    fi
    others=$(grep -v 'libheapguard\.so' "$err.syms" | cut -d' ' -f1 | tr '\n' ' ')
    if [ -n "$others" ]; then
      say "WARNING: these resolve to glibc, not heapguard: $others"
      say "         (calling them on a pointer from heapguard hands it to glibc's malloc)"
    fi
  fi
  say "preload ok: $HG_LIB_SO"
}

# Core files: with core_pattern "core" (the default) a crashing process leaves
# core[.PID] in its working directory.  hg_core_report prints a backtrace of each one
# newer than the stamp (under $T, the current directory or $HG_ROOT) and moves it into
# $T/cores.
hg_core_report() { # STAMP
  local stamp=$1 core exe n=0
  command -v gdb >/dev/null 2>&1 || { say "  (no gdb: no backtrace)"; return; }
  while IFS= read -r core; do
    [ -n "$core" ] || continue
    n=$((n + 1)); [ $n -le 3 ] || break
    exe=$(gdb -batch -c "$core" 2>/dev/null | sed -n "s/^Core was generated by \`\([^ ']*\).*/\1/p" | head -n 1)
    [ -n "$exe" ] && [ "${exe#/}" = "$exe" ] && exe=$(command -v "$exe" || echo "$exe")
    say "  core file $core (from $exe); backtrace:"
    timeout 120 gdb -batch -ex 'info threads' -ex 'thread apply all bt 25' "$exe" "$core" 2>&1 \
      | grep -Ev '^\[(New|Thread debugging)|^Using host libthread|^warning: (Can.t|Could not|core file may)' \
      | head -n 120 | sed 's/^/  gdb| /'
    mkdir -p "$T/cores" && mv -f "$core" "$T/cores/$(basename "$core").$n" 2>/dev/null
  done < <({ find "$T" "$PWD" -maxdepth 6 -path "$T/cores" -prune -o -type f \( -name core -o -name 'core.[0-9]*' \) -newer "$stamp" -print
             find "$HG_ROOT" -maxdepth 1 -type f \( -name core -o -name 'core.[0-9]*' \) -newer "$stamp" -print
           } 2>/dev/null | sort -u)
  [ $n -gt 0 ] || say "  (no core file found; core_pattern: $(cat /proc/sys/kernel/core_pattern 2>/dev/null))"
}

# hg_gdb_rerun STDIN CMD... — re-run a crashed command preloaded under gdb and print the
# backtrace (only the first process: a crash in a child shows up as a core file instead).
hg_gdb_rerun() {
  local in=$1; shift
  command -v gdb >/dev/null 2>&1 || return 0
  local exe; exe=$(command -v "$1") || return 0
  case $(basename "$exe") in bash|sh|dash|env|timeout|xargs) return 0 ;; esac
  say "  re-running under gdb (preloaded):"
  local runargs; runargs=$(printf '%q ' "${@:2}")
  SHELL=/bin/bash timeout -k 5 "$HG_CMD_TIMEOUT" gdb -batch -nx \
      -ex "set environment LD_PRELOAD=$HG_LIB_SO" -ex 'set pagination off' \
      -ex "run $runargs >/dev/null 2>&1 <$(printf '%q' "$in")" -ex 'info threads' -ex 'thread apply all bt 25' \
      "$exe" </dev/null 2>&1 \
    | grep -Ev '^\[(New|Thread debugging|Detaching|Inferior)|^Using host libthread' \
    | head -n 100 | sed 's/^/  gdb| /'
}

# run_both NAME [--stdin FILE] [--stderr] [--any-status] [--] CMD...
#   Runs CMD twice from the current directory, with stdin from FILE (default /dev/null):
#   "glibc" plainly, then "hg" with LD_PRELOAD=$HG_LIB_SO.  In both runs HG_VARIANT is
#   set to glibc or hg, and "@V@" in any argument is replaced by it, so commands that
#   write files can write different ones.  Output lands in $T/NAME.{glibc,hg}.{out,err}.
#   Fails when the exit statuses differ, the stdouts differ, (--stderr) the stderrs
#   differ, or the hg run's stderr has "heapguard:" or a preload error.  Without
#   --any-status the glibc run must exit 0 (otherwise the test itself is wrong).
#   Returns 0 when the check passed.
run_both() {
  local name=$1; shift
  local in=/dev/null cmp_err=0 any_status=0
  while [ $# -gt 0 ]; do
    case $1 in
      --stdin) in=$2; shift 2 ;;
      --stderr) cmp_err=1; shift ;;
      --any-status) any_status=1; shift ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  local v a st_g st_h t0 t1 tg th ok=1 why=()
  local -a args
  local stamp=$T/.stamp.$name
  for v in glibc hg; do
    args=()
    for a in "$@"; do args+=("${a//@V@/$v}"); done
    [ $v = hg ] && touch "$stamp"
    t0=${EPOCHREALTIME/[,.]/}
    if [ $v = glibc ]; then
      HG_VARIANT=$v timeout -s ABRT -k 10 "$HG_CMD_TIMEOUT" "${args[@]}" \
        <"$in" >"$T/$name.$v.out" 2>"$T/$name.$v.err"
      st_g=$?
    else
      ( ulimit -c unlimited 2>/dev/null
        HG_VARIANT=$v exec timeout -s ABRT -k 10 "$HG_CMD_TIMEOUT" env LD_PRELOAD="$HG_LIB_SO" "${args[@]}" \
          <"$in" >"$T/$name.$v.out" 2>"$T/$name.$v.err" )
      st_h=$?
    fi
    t1=${EPOCHREALTIME/[,.]/}
    if [ $v = glibc ]; then tg=$(( (t1 - t0) / 1000 )); else th=$(( (t1 - t0) / 1000 )); fi
  done
  HG_CHECKS=$((HG_CHECKS + 1))
  local og=$T/$name.glibc.out oh=$T/$name.hg.out eg=$T/$name.glibc.err eh=$T/$name.hg.err

  if [ $any_status -eq 0 ] && [ "$st_g" -ne 0 ]; then
    ok=0; why+=("TEST BUG: the glibc run itself exited with status $(status_desc "$st_g")")
  fi
  [ "$st_g" -eq "$st_h" ] || { ok=0; why+=("exit status: glibc $(status_desc "$st_g"), heapguard $(status_desc "$st_h")"); }
  cmp -s "$og" "$oh" || { ok=0; why+=("stdout differs"); }
  if [ $cmp_err -eq 1 ] && ! cmp -s "$eg" "$eh"; then ok=0; why+=("stderr differs"); fi
  if grep -aq 'heapguard:' "$eh"; then ok=0; why+=("heapguard reported an error on stderr"); fi
  if grep -aq 'cannot be preloaded' "$eh"; then ok=0; why+=("ld.so could not preload the library"); fi

  if [ $ok -eq 1 ]; then
    printf 'ok    %-28s glibc %6d ms, heapguard %6d ms, stdout %s bytes, status %s\n' \
      "$name" "$tg" "$th" "$(wc -c <"$oh")" "$st_h"
    rm -f "$stamp"
    return 0
  fi
  fail "$name: ${why[*]}"
  say "  command: $*"
  say "  stdin: $in; glibc $tg ms, heapguard $th ms"
  say "  stdout sha256: glibc $(sha256sum <"$og" | cut -c1-16), heapguard $(sha256sum <"$oh" | cut -c1-16) ($(wc -c <"$og") / $(wc -c <"$oh") bytes)"
  if ! cmp -s "$og" "$oh"; then
    say "  $(cmp "$og" "$oh" 2>&1 | head -n 1)"
    say "  diff (glibc -> heapguard), first 40 lines:"
    diff -a "$og" "$oh" | head -n 40 | cut -c1-200 | sed 's/^/  | /'
  fi
  if [ $cmp_err -eq 1 ] && ! cmp -s "$eg" "$eh"; then
    say "  stderr diff (glibc -> heapguard):"
    diff -a "$eg" "$eh" | head -n 20 | cut -c1-200 | sed 's/^/  | /'
  fi
  say "  heapguard stderr (last 25 lines of $eh):"
  tail -n 25 "$eh" | cut -c1-300 | sed 's/^/  | /'
  say "  glibc stderr (last 8 lines):"
  tail -n 8 "$eg" | cut -c1-300 | sed 's/^/  | /'
  if [ "$st_h" -gt 128 ] || [ "$st_h" -eq 124 ]; then
    hg_core_report "$stamp"
    [ "$st_h" -gt 128 ] && hg_gdb_rerun "$in" "${args[@]}"
  fi
  return 1
}

# build_cli — the CLI of this tree, made if it is out of date (the tests of the CLI run
# it, and `make test` may have built only the library), in HG.
build_cli() {
  : "${HG_BUILD:=$HG_ROOT/build}"
  local rel=${HG_BUILD#"$HG_ROOT"/}
  if ! make -s -C "$HG_ROOT" BUILD="$rel" MODE="${MODE:-release}" "$rel/heapguard" >"$T/make.log" 2>&1; then
    say "FAIL: make $rel/heapguard:"; sed 's/^/  | /' "$T/make.log"; exit 1
  fi
  HG=$HG_BUILD/heapguard
}

# small_prog NAME — the smallest program that allocates, built as $T/NAME.
small_prog() {
  cat >"$T/$1.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  char *p = malloc(100);
  printf("%s\n", p ? "allocated" : "no memory");
  free(p);
  return 0;
}
C
  gcc -O1 -o "$T/$1" "$T/$1.c" || { fail "cannot build $1.c"; finish; }
}

# first_ulimit FROM STEP TO FOUND CMD... — the least address-space limit (KiB, from FROM
# to TO by STEP) at which CMD run under it makes FOUND (a command, usually a function
# looking at $T/ulimit.out, $T/ulimit.err or a log) succeed; nothing if there is none.
first_ulimit() {
  local from=$1 step=$2 to=$3 found=$4 kib; shift 4
  for kib in $(seq "$from" "$step" "$to"); do
    ( ulimit -v "$kib" && exec "$@" ) >"$T/ulimit.out" 2>"$T/ulimit.err"
    if "$found"; then echo "$kib"; return; fi
  done
}

# finish — summary line and exit status; big scratch files go on success unless HG_KEEP=1.
refuses() {
  local opt=$1 expected=$2 v st
  shift 2
  for v in "$@"; do
    HG_CHECKS=$((HG_CHECKS + 1))
    "$HG" check --"$opt"="$v" -- true 2>"$T/refused.err"; st=$?
    if [ $st -ne 2 ] || ! grep -qF "bad value '$v' for --$opt: expected $expected" "$T/refused.err"; then
      fail "--$opt='$v': status $st"; sed 's/^/  | /' "$T/refused.err"
    else say "ok: --$opt='$v' refused"; fi
  done
}

finish() {
  if [ "$HG_FAILS" -ne 0 ]; then
    say "$HG_TEST_NAME: $HG_FAILS of $HG_CHECKS checks failed (outputs in $T)"
    exit 1
  fi
  [ "${HG_KEEP:-0}" = 1 ] || find "$T" -type f -size +1M -delete 2>/dev/null
  say "$HG_TEST_NAME: all $HG_CHECKS checks passed"
  exit 0
}

# ---- run directly (tests/run.sh runs every tests/programs/*.sh): test the helpers ----
# run_both must pass identical runs and catch each kind of difference.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # expect_caught NAME REASON RUN_BOTH_ARGS... — run_both must fail, saying REASON
  expect_caught() {
    local name=$1 reason=$2; shift 2
    HG_CHECKS=$((HG_CHECKS + 1))
    if ( run_both "$name" "$@" ) >"$T/$name.selftest" 2>&1; then
      fail "run_both did not catch $name"; sed 's/^/  | /' "$T/$name.selftest"
    elif ! grep -q -- "$reason" "$T/$name.selftest"; then
      fail "run_both caught $name without saying '$reason':"; sed 's/^/  | /' "$T/$name.selftest"
    else
      say "ok    caught: $name ($reason)"
    fi
  }
  assert_preload_works
  printf 'line one\nline two\n' >"$T/input.txt"
  run_both self-same --stdin "$T/input.txt" bash -c 'cat; echo "$0 $1"; echo to-stderr >&2' a b
  run_both self-status --any-status --stderr bash -c 'echo x >&2; exit 3'
  expect_caught self-preloaded 'stdout differs' bash -c 'grep -c libheapguard /proc/$$/maps'
  expect_caught self-stdout 'stdout differs' bash -c 'echo "$HG_VARIANT"'
  expect_caught self-status-diff 'exit status: glibc 0, heapguard 1' --any-status bash -c '[ "$HG_VARIANT" = glibc ]'
  expect_caught self-report 'heapguard reported an error' bash -c '[ "$HG_VARIANT" = glibc ] || echo "heapguard: invented report" >&2'
  expect_caught self-stderr 'stderr differs' --stderr bash -c 'echo "$HG_VARIANT" >&2'
  expect_caught self-testbug 'TEST BUG' false
  expect_caught self-crash 'SIGSEGV' bash -c '[ "$HG_VARIANT" = glibc ] || kill -SEGV $$'
  HG_CMD_TIMEOUT=2 expect_caught self-timeout 'timed out after 2s' bash -c '[ "$HG_VARIANT" = glibc ] || sleep 30'
  # no_heapguard_env keeps only what it is told to; build ends a failing test
  HG_CHECKS=$((HG_CHECKS + 1))
  got=$(HEAPGUARD_A=1 HEAPGUARD_B=2 bash -c '. "$1" >/dev/null; no_heapguard_env HEAPGUARD_B; env | grep ^HEAPGUARD_' env-test "$HG_ROOT/tests/programs/lib.sh")
  if [ "$got" = HEAPGUARD_B=2 ]; then say "ok    no_heapguard_env: HEAPGUARD_B kept, HEAPGUARD_A gone"
  else fail "no_heapguard_env left: $got"; fi
  HG_CHECKS=$((HG_CHECKS + 1))
  if ( build broken false ) >"$T/build.selftest" 2>&1; then fail "build did not fail on a failing command"
  elif ! grep -q 'cannot build broken: false' "$T/build.selftest"; then fail "build failed without saying so:"; sed 's/^/  | /' "$T/build.selftest"
  else say "ok    build: a failing build fails the test, saying so"; fi
  # first_ulimit must give the first limit of its range at which FOUND succeeds
  HG_CHECKS=$((HG_CHECKS + 1))
  at_least_20m() { [ "$(cat "$T/ulimit.out")" -ge 20000 ]; }
  never() { false; }
  got=$(first_ulimit 16384 2048 32768 at_least_20m bash -c 'ulimit -v')
  none=$(first_ulimit 16384 2048 32768 never bash -c 'ulimit -v')
  if [ "$got" = 20480 ] && [ -z "$none" ]; then say "ok    first_ulimit: 20480 KiB, and none when never found"
  else fail "first_ulimit gave '$got' (wanted 20480) and '$none' (wanted nothing)"; fi
  finish
fi
