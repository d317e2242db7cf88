#!/bin/bash
# tools/real-programs-round8.sh — round 8 (docs/real-programs.md): CPython's own regression
# tests (Debian's libpython3.11-testsuite, not a project dependency) run the way a CI job
# runs them under Valgrind, once per mode:
#
#   tools/real-programs-round8.sh MODE OUTDIR [test_name...]
#
# MODE: glibc (baseline), check (`heapguard check -q --error-exitcode=99
# --log-file=OUTDIR/logs/TEST.%p.log`, children checked: heapguard's default), run, guard.
# Each test is its own `python3 -m test` invocation, so a hang or crash costs one test and
# the CPU time (user+sys, children included: regrtest runs the test in a worker) is the
# test's own.  Writes OUTDIR/results.tsv: test, regrtest's status, exit status, CPU s.
# HG_OPTS: more heapguard options (check: --errors-for-leak-kinds=none, Valgrind's default
# with no --leak-check=full: leaks reported, not counted towards --error-exitcode).
set -u
HG=${HG:-$(cd "$(dirname "$0")/.." && pwd)/build/heapguard}
PY=${PY:-/usr/bin/python3.11}
TIMEOUT=${TIMEOUT:-1800}
mode=${1:?mode: glibc, check, run or guard}; out=${2:?output directory}; shift 2
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_list test_dict test_set test_bytes test_unicode test_re
  test_json test_pickle test_io test_fileio test_subprocess test_signal test_threading
  test_thread test_os test_posix test_mmap test_ctypes test_gc test_weakref test_array
  test_struct test_zlib test_hashlib test_tempfile test_shutil test_resource
  test_faulthandler test_sys test_exceptions test_memoryview test_buffer test_decimal)
[ -d "$($PY -c 'import test, os; print(os.path.dirname(test.__file__))')/test_list.py" ] ||
  [ -f "$($PY -c 'import test, os; print(os.path.dirname(test.__file__))')/test_list.py" ] ||
  { echo "no CPython test suite for $PY (apt-get install libpython3.11-testsuite)" >&2; exit 2; }
mkdir -p "$out/logs" "$out/out"
# test_subprocess runs children as nobody (user=, group=): their logs too
chmod 1777 "$out/logs"
# PYTHONMALLOC=malloc: every object through malloc, not pymalloc's arenas, as under Valgrind.
export PYTHONMALLOC=malloc
for t in "${tests[@]}"; do
  case $mode in
    glibc) pre=() ;;
    check) pre=("$HG" check -q --error-exitcode=99 --log-file="$out/logs/$t.%p.log" ${HG_OPTS:-} --) ;;
    run|guard) pre=("$HG" "$mode" ${HG_OPTS:-} --) ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
  esac
  # -j1: the test runs in a worker process, as CI runs it; --timeout: regrtest's own
  # per-test watchdog (faulthandler dumps the stacks) under timeout(1)'s outer one.
  /usr/bin/time -f '%U %S' -o "$out/out/$t.time" \
    timeout -k 30 "$TIMEOUT" "${pre[@]}" "$PY" -m test -j1 --timeout=$((TIMEOUT - 60)) "$t" \
    >"$out/out/$t.txt" 2>&1
  rc=$?
  status=$(grep -oE '^Tests? result: [A-Z_, ]+' "$out/out/$t.txt" | tail -1 | sed 's/.*: //')
  cpu=$(awk 'END { printf "%.1f", $1 + $2 }' "$out/out/$t.time" 2>/dev/null)
  printf '%s\t%s\t%s\t%s\n' "$t" "${status:-none}" "$rc" "$cpu" | tee -a "$out/results.tsv"
done
