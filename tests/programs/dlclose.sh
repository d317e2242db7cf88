#!/usr/bin/env bash
# Check mode's stacks across dlclose.  The two plugins here are the same code but for
# the size of grab()'s frame (dlclose/plugin.c, 4 KiB and 8 KiB of locals), so the
# return address of grab's malloc call is the same in both and the distance to grab's
# caller is not.  The host loads, calls and unloads the first, then the second (mapped
# where the first was), from the same call site, then frees each block twice; each
# report's "alloc'd at" stack must
#  - go on past grab to use() and main(): cached unwinding rules are keyed by return
#    address, and a rule learnt in the first plugin would read the second's frames at
#    the wrong offsets (a truncated stack, or a read past the top of the stack: a crash
#    in malloc);
#  - name the plugin that was mapped there when the block was allocated, marked
#    unloaded: not whatever is mapped at that address when the report is printed
#    (nothing, libunwind, or the other plugin), and not the other plugin's stack (the
#    two stacks have the same return addresses).
# A second run removes the first plugin's file after unloading it: its frame is then
# printed as "???" with the path and the file offset.
. "$(dirname "$0")/lib.sh"
need gcc
SRC=$HG_ROOT/tests/programs/dlclose
for pad in 4096 8192; do
  gcc -O2 -g -fomit-frame-pointer -fPIC -shared -DPAD=$pad -o "$T/plugin$pad.so" "$SRC/plugin.c" ||
    { fail "cannot build the plugin"; finish; }
done
build the-host gcc -O0 -g -o "$T/host" "$SRC/host.c" -ldl

# The "alloc'd at" stack of the report on the block of $2 bytes in file $1.
alloc_stack() {
  awk -v size="$2" '/ERROR:/ { on = 0 } /LEAK SUMMARY/ { on = 0 }
                    $0 ~ "block of size " size " free.d" { found = 1 }
                    found && /Block was alloc.d at/ { on = 1; found = 0; next }
                    on' "$1"
}

HG_CHECKS=$((HG_CHECKS + 1))
HEAPGUARD_MODE=check LD_PRELOAD="$HG_LIB_SO" "$T/host" "$T/plugin4096.so" "$T/plugin8192.so" >"$T/out" 2>&1
st=$?
sed 's/^/  | /' "$T/out" | head -n 30
alloc_stack "$T/out" 111 >"$T/first"
alloc_stack "$T/out" 222 >"$T/second"
if ! grep -q "grab at the same address" "$T/out"; then
  fail "the second plugin was not mapped where the first was: this test shows nothing (status $st)"
elif [ "$(grep -c "ERROR: double-free" "$T/out")" != 2 ]; then
  fail "not two double-free reports (status $st)"
elif ! grep -q "use (host\.c:18)" "$T/second"; then
  fail "the allocation stack stops at grab: a rule learnt in the unloaded plugin was used"
elif ! grep -q "main (host\.c:31)" "$T/second" || ! grep -q "main (host\.c:31)" "$T/first"; then
  fail "an allocation stack does not reach main"
elif ! grep -q "grab (plugin\.c:[0-9]*) (in $T/plugin4096\.so, unloaded)" "$T/first"; then
  fail "the first block's grab frame is not the unloaded plugin4096.so's: $(grep -v 'at malloc' "$T/first" | head -n 1)"
elif ! grep -q "grab (plugin\.c:[0-9]*) (in $T/plugin8192\.so, unloaded)" "$T/second"; then
  fail "the second block's grab frame is not the unloaded plugin8192.so's: $(grep -v 'at malloc' "$T/second" | head -n 1)"
elif [ $st -eq 0 ]; then
  fail "exit status 0 after a double free"
fi

HG_CHECKS=$((HG_CHECKS + 1))
cp "$T/plugin4096.so" "$T/gone.so"
HEAPGUARD_MODE=check LD_PRELOAD="$HG_LIB_SO" "$T/host" "$T/gone.so" "$T/plugin8192.so" unlink >"$T/out2" 2>&1
alloc_stack "$T/out2" 111 >"$T/first2"
if [ -e "$T/gone.so" ]; then
  fail "the host did not remove gone.so"
elif ! grep -q "by 0x[0-9a-f]*: ??? (in $T/gone\.so+0x[0-9a-f]*, unloaded)" "$T/first2"; then
  fail "the removed plugin's frame is not \"??? (in .../gone.so+OFFSET, unloaded)\": $(grep -v 'at malloc' "$T/first2" | head -n 1)"
fi
finish
