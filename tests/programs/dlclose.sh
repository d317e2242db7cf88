#!/usr/bin/env bash
# Check mode's cached unwinding rules after dlclose.  Rules are cached by return
# address; when a plugin is unloaded and another one is mapped at the same address, a
# rule learnt in the first would read the second's frames at the wrong offsets: a
# truncated stack, or a read past the top of the stack (a crash in malloc).  The two
# plugins here are the same code but for the size of grab()'s frame (dlclose/plugin.c,
# 4 KiB and 8 KiB of locals), so the return address of grab's malloc call is the same
# in both and the distance to grab's caller is not.  The host loads, calls and unloads
# the first, then the second, then frees the second's block twice: the report's
# "alloc'd at" stack must go on past grab to use() and main().
. "$(dirname "$0")/lib.sh"
need gcc
SRC=$HG_ROOT/tests/programs/dlclose
for pad in 4096 8192; do
  gcc -O2 -g -fomit-frame-pointer -fPIC -shared -DPAD=$pad -o "$T/plugin$pad.so" "$SRC/plugin.c" ||
    { fail "cannot build the plugin"; finish; }
done
gcc -O0 -g -o "$T/host" "$SRC/host.c" -ldl || { fail "cannot build the host"; finish; }

HG_CHECKS=$((HG_CHECKS + 1))
HEAPGUARD_MODE=check LD_PRELOAD="$HG_LIB_SO" "$T/host" "$T/plugin4096.so" "$T/plugin8192.so" >"$T/out" 2>&1
st=$?
sed 's/^/  | /' "$T/out" | head -n 24
if ! grep -q "grab at the same address" "$T/out"; then
  fail "the second plugin was not mapped where the first was: this test shows nothing (status $st)"
elif ! grep -q "ERROR: double-free" "$T/out"; then
  fail "no double-free report (status $st)"
elif ! sed -n "/Block was alloc'd at/,/LEAK SUMMARY/p" "$T/out" | grep -q "use (host\.c:15)"; then
  fail "the allocation stack stops at grab: a rule learnt in the unloaded plugin was used"
elif ! sed -n "/Block was alloc'd at/,/LEAK SUMMARY/p" "$T/out" | grep -q "main (host\.c:26)"; then
  fail "the allocation stack does not reach main"
elif [ $st -eq 0 ]; then
  fail "exit status 0 after a double free"
fi
finish
