#!/usr/bin/env bash
# Real programs that rely on C's (and glibc's) 16-byte alignment of a block of 16 bytes
# or more, in guard mode with its default alignment: Debian's python3 with a ctypes
# callback (a long double in a 232-byte object, written with aligned SSE stores) must
# run as under glibc.  Guard mode's old default, 8, killed it with SIGSEGV (a
# general-protection fault); that value is now an opt-in, and the crash it causes must
# come with guard mode's warning naming it.  (ripgrep, whose HashMap met the same, is
# tests/programs/rust.sh's; a C program with aligned SSE accesses, tests/guard/clean_align.c.)
. "$(dirname "$0")/lib.sh"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else need python3; PY=$(command -v python3); fi
assert_preload_works
export PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP HEAPGUARD_MODE HEAPGUARD_GUARD_ALIGN HEAPGUARD_LOG_FILE \
      HEAPGUARD_ERROR_EXITCODE HEAPGUARD_LEAK_CHECK

cat >"$T/cb.py" <<'PY'
import ctypes, ctypes.util
libc = ctypes.CDLL(ctypes.util.find_library("c"))
CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
cb = CMP(lambda a, b: a[0] - b[0])
arr = (ctypes.c_int * 1000)(*[(i * 7919) % 1000 for i in range(1000)])
libc.qsort(arr, 1000, ctypes.sizeof(ctypes.c_int), cb)
print(arr[0], arr[999], list(arr) == sorted(arr))
PY

mkdir -p "$T/logs16" "$T/logs8"
run_both ctypes.guard env HEAPGUARD_MODE=guard HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/logs16/%p.log" \
  "$PY" "$T/cb.py"
HG_CHECKS=$((HG_CHECKS + 1))
bad=$(cat "$T"/logs16/*.log 2>/dev/null | grep -a '== ERROR: \|WARNING: guard mode: a general' | head -n 5)
if [ -n "$bad" ]; then fail "ctypes.guard: guard mode reported:"; printf '%s\n' "$bad" | sed 's/^/  | /'
else say "ok    ctypes.guard: no report"; fi

# the opt-in 8: Debian's python3 dies on an aligned SSE store (pyenv's build may not)
HG_CHECKS=$((HG_CHECKS + 1))
{ env LD_PRELOAD="$HG_LIB_SO" HEAPGUARD_MODE=guard HEAPGUARD_GUARD_ALIGN=8 HEAPGUARD_LEAK_CHECK=no \
    HEAPGUARD_LOG_FILE="$T/logs8/%p.log" "$PY" "$T/cb.py" >"$T/align8.out" 2>"$T/align8.err"; } 2>/dev/null
st=$?
if [ "$st" = 0 ]; then
  say "ok    ctypes.guard8: $PY ran with --guard-align=8 (not a build whose ctypes uses aligned SSE stores)"
elif [ "$st" = 139 ] &&
     grep -aq 'WARNING: guard mode: a general-protection fault .* aligned to 8 as HEAPGUARD_GUARD_ALIGN=8 (--guard-align=8) asks' \
       "$T"/logs8/*.log; then
  say "ok    ctypes.guard8: the opt-in --guard-align=8 crashes it, with the warning"
else
  fail "ctypes.guard8: status $(status_desc "$st"), without the warning naming --guard-align=8:"
  cat "$T"/logs8/*.log "$T/align8.err" 2>/dev/null | head -n 20 | cut -c1-200 | sed 's/^/  | /'
fi
finish
