#!/usr/bin/env bash
# libunwind's memory-validation pipe, opened at its first use (check mode's start) on
# the lowest free descriptors: 3 and 4.  A program that put its own files there (dup2,
# a shell's `exec 4>file`) had, whenever a walk fell back from DWARF to the frame chain,
# a byte of its input read away, a byte of memory written into its output, or both its
# descriptors closed under it by libunwind reopening the pipe (its writes then went into
# the pipe: output lost).  CPython's test_subprocess (test_pass_fds_redirected) saw the
# two descriptors it did not open.  Now the pipe is moved to 500 or above
# (unwind_pipe.c).  unwind_pipe/fds.c, started with 3 and 4 closed, must find both free
# and copy its input through 3 and 4 intact, in check mode and in sampled guard mode
# (every allocation sampled: its first sample loads libunwind).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build fds.c gcc -O1 -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-omit-frame-pointer \
  -Wall -Wextra -Werror -o "$T/fds" "$HG_ROOT/tests/programs/unwind_pipe/fds.c"
assert_preload_works
seq 1 2000 >"$T/input"

for run in "check:HEAPGUARD_MODE=check" "sampled:HEAPGUARD_SAMPLE_RATE=1"; do
  name=${run%%:*}
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/$name.output"
  { timeout -k 5 60 env "${run#*:}" LD_PRELOAD="$HG_LIB_SO" "$T/fds" "$T/input" "$T/$name.output" \
      >"$T/$name.out" 2>"$T/$name.err" 3<&- 4<&-; } 2>/dev/null
  st=$?
  if [ $st -ne 0 ] || [ "$(cat "$T/$name.out")" != $'3 free\n4 free' ] || ! cmp -s "$T/input" "$T/$name.output"; then
    fail "$name: wanted status 0, descriptors 3 and 4 free at start and the output equal to the input; got status $(status_desc $st), $(tr '\n' ' ' <"$T/$name.out"), output $(wc -c <"$T/$name.output" 2>/dev/null || echo missing) bytes of $(wc -c <"$T/input")"
    sed 's/^/  | /' "$T/$name.err" | head -n 8
  else say "ok    $name: descriptors 3 and 4 the program's, its data through them intact"; fi
done
finish
