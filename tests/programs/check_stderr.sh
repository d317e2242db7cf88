#!/usr/bin/env bash
# Check mode's reports reach stderr even when the program closes its stderr before it
# exits (coreutils do, in close_stdout): the library writes to a copy of fd 2 made at
# start.  sort leaks 16 bytes (Valgrind agrees), so its run must end with a report and
# check mode's exit status.
set -u
: "${HG_LIB_SO:?}"
command -v sort >/dev/null || { echo "sort not installed"; exit 77; }
err=$(mktemp); trap 'rm -f "$err"' EXIT
printf 'b\na\n' | env -u HEAPGUARD_LOG_FILE LD_PRELOAD="$HG_LIB_SO" HEAPGUARD_MODE=check sort >/dev/null 2>"$err"
st=$?
cat "$err"
grep -q '== ERROR SUMMARY: ' "$err" || { echo "FAIL: no ERROR SUMMARY on stderr"; exit 1; }
grep -q '== LEAK SUMMARY:' "$err" || { echo "FAIL: no LEAK SUMMARY on stderr"; exit 1; }
[ "$st" = 99 ] || { echo "FAIL: exit status $st, expected 99 (sort's 16-byte leak)"; exit 1; }
echo "ok: reports on stderr after the program closed it; status $st"
