#!/usr/bin/env bash
# The line saying libunwind cannot be loaded names the mode actually running: it said
# "check mode:" in guard mode and in sampled guard mode too.  libunwind is made
# unloadable with a library path holding an empty libunwind.so.8 ("file too short").
. "$(dirname "$0")/lib.sh"
need gcc
small_prog prog
mkdir -p "$T/lib" && : >"$T/lib/libunwind.so.8"

for mode in "check mode:HEAPGUARD_MODE=check" "guard mode:HEAPGUARD_MODE=guard" \
            "sampled guard mode:HEAPGUARD_SAMPLE_RATE=1"; do
  name=${mode%%:*} setting=${mode#*:}
  HG_CHECKS=$((HG_CHECKS + 1))
  env -u HEAPGUARD_MODE -u HEAPGUARD_SAMPLE_RATE "$setting" LD_LIBRARY_PATH="$T/lib" \
    LD_PRELOAD="$HG_LIB_SO" "$T/prog" >"$T/out" 2>"$T/err"
  st=$?
  line=$(grep libunwind "$T/err")
  if [ $st -ne 0 ] || ! grep -qx "heapguard: $name: cannot load libunwind.so.8 (.*); reports will have no stacks" "$T/err"; then
    fail "$setting: wanted 'heapguard: $name: cannot load libunwind.so.8 (why)', status 0; got status $st: $line"
  else say "ok: $setting: $line"; fi
done
finish
