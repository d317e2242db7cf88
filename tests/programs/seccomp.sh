#!/usr/bin/env bash
# Under a sandbox's seccomp filter that refuses one memory call with an error (EPERM,
# or ENOSYS: SECCOMP_RET_ERRNO), glibc's malloc carries on (no mapping, pages kept).
# heapguard took any error but ENOMEM as a sign of its own corruption and aborted
# ("heapguard: madvise(...) failed with error 1") in every mode, at the first trim,
# free of a large block, realloc of one, or (check and guard mode) block protected.
# Now a refusal (EPERM, EACCES, ENOSYS) is answered as the lack of memory is (os.c:
# refused).  A refused mmap of a large block's own mapping (refused above 1 MiB: the
# allocator's metadata must still be mapped) made the allocation fail with ENOMEM, where
# glibc grows its heap instead; now the block comes from the heap too.  A refused brk is worse: glibc's sbrk takes the
# error (-EPERM) for the new break and says it grew, and heapguard used pages that were
# never there (check mode crashed at start); os.c now sees through it (brk_refused).
# seccomp/deny.c, with brk, munmap, mremap, madvise or mprotect refused,
# must print "done" and exit 0 in the default mode, check and guard mode (no error in
# their summary) and sampled guard mode (every block sampled, and 1 in 100), with no
# "failed with error" line, and no warning that blames vm.max_map_count (guard mode's
# for a refused mprotect, sampled mode's for a refused pool did: they say the error).  Skipped where no seccomp filter can be installed.
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build deny.c gcc -O1 -g -Wall -Wextra -Werror -o "$T/deny" "$HG_ROOT/tests/programs/seccomp/deny.c"
"$T/deny" madvise 1 >"$T/glibc.out" 2>&1
st=$?
[ $st -eq 77 ] && { say "$(cat "$T/glibc.out")"; exit 77; }
[ $st -eq 0 ] || { fail "glibc's malloc under the filter: status $st: $(cat "$T/glibc.out")"; finish; }
assert_preload_works

for call in "brk 1" "brk 38" "mmap 1 1048576" "madvise 1" "madvise 38" "munmap 1" "mremap 1" "mprotect 1"; do
  set -- $call
  for mode in default HEAPGUARD_MODE=check HEAPGUARD_MODE=guard HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_RATE=100; do
    name="$1-$2${3:+-$3}-${mode#*=}"; name=${name//=/}
    HG_CHECKS=$((HG_CHECKS + 1))
    env=(); [ "$mode" = default ] || env=("$mode")
    { timeout -k 5 60 env "${env[@]}" LD_PRELOAD="$HG_LIB_SO" "$T/deny" "$@" >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
    st=$?
    if grep -q 'max_map_count' "$T/$name.err"; then   # a filter's refusal is no mapping limit
      fail "$1 refused with errno $2, $mode: the warning blames vm.max_map_count: $(grep -m 1 max_map_count "$T/$name.err" | cut -c1-200)"
    elif [ $st -ne 0 ] || [ "$(cat "$T/$name.out")" != done ] || grep -q 'failed with error' "$T/$name.err" ||
       { [ "${mode#HEAPGUARD_MODE}" != "$mode" ] && ! grep -q 'ERROR SUMMARY: 0 errors' "$T/$name.err"; }; then
      fail "$1 refused with errno $2${3:+ above $3 bytes}, $mode: status $(status_desc $st), stdout '$(head -c 200 "$T/$name.out")'"
      grep -v ' by \| at ' "$T/$name.err" | sed 's/^/  | /' | head -n 6
    else say "ok    $1 refused (errno $2${3:+, above $3 bytes}), $mode"; fi
  done
done
finish
