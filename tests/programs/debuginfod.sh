#!/usr/bin/env bash
# A check-mode report symbolises without loading the debuginfod client (libcurl, GnuTLS
# and two dozen more libraries, pulled into the program as it exits) unless
# DEBUGINFOD_URLS names a server, and still finds a separate debug file installed
# beside the program (.gnu_debuglink) or by build ID, as libdw's own search does.
. "$(dirname "$0")/lib.sh"
need gcc objcopy strip
no_heapguard_env
unset DEBUGINFOD_URLS DEBUGINFOD_PROGRESS
# (grep reads all of its input, not -q: under pipefail, ldconfig's 66 KB would die of
# SIGPIPE after an early match and the test would skip, as it did now and then.)
if ! ldconfig -p 2>/dev/null | grep 'libdebuginfod\.so\.1 ' >/dev/null; then
  say "libdebuginfod.so.1 is not installed: nothing would load it"
  exit 77
fi
assert_preload_works

cat >"$T/leaky.c" <<'C'
#include <stdlib.h>
#include <string.h>
void *keep;
__attribute__((noinline)) void lose_one(void) {
  char *p = malloc(40);
  memset(p, 1, 40);
  keep = p + 1;   /* an interior pointer only: the block is possibly lost... */
  keep = NULL;    /* ...and then definitely */
}
int main(void) {
  lose_one();
  return 0;
}
C
build leaky gcc -O0 -g -fno-omit-frame-pointer -Wl,--build-id -o "$T/leaky" "$T/leaky.c"
# stripped, no debug file anywhere: libdw's search ends at debuginfod
build stripped cp "$T/leaky" "$T/stripped"
build strip strip "$T/stripped"
# stripped, its debug file beside it (.gnu_debuglink)
mkdir -p "$T/linked"
build debug objcopy --only-keep-debug "$T/leaky" "$T/linked/leaky.debug"
build linked cp "$T/leaky" "$T/linked/leaky"
build strip-linked strip "$T/linked/leaky"
( cd "$T/linked" && objcopy --add-gnu-debuglink=leaky.debug leaky ) >"$T/link.log" 2>&1 \
  || { fail "objcopy --add-gnu-debuglink"; finish; }

# run NAME PROG [ENV...] — check mode, full leak check; ld.so's list of the objects
# it loaded in $T/NAME.ld.*, the report in $T/NAME.err
run() {
  local name=$1 prog=$2; shift 2
  rm -f "$T/$name".ld.*
  env "$@" LD_DEBUG=files LD_DEBUG_OUTPUT="$T/$name.ld" HEAPGUARD_MODE=check \
    HEAPGUARD_LEAK_CHECK=full LD_PRELOAD="$HG_LIB_SO" timeout 60 "$prog" >/dev/null 2>"$T/$name.err"
}
loaded_debuginfod() { cat "$T/$1".ld.* 2>/dev/null | grep 'file=libdebuginfod\.so' >/dev/null; }   # (not -q: above)

HG_CHECKS=$((HG_CHECKS + 1))
run stripped "$T/stripped"
if ! grep -q 'definitely lost in loss record' "$T/stripped.err"; then
  fail "stripped: no leak report"; sed 's/^/  | /' "$T/stripped.err" | tail -n 15
elif loaded_debuginfod stripped; then
  fail "stripped: the report loaded libdebuginfod with DEBUGINFOD_URLS unset"
  grep -h 'file=' "$T"/stripped.ld.* | tail -n 30 | sed 's/^/  | /'
else
  say "ok    stripped program, no debug file: reported, libdebuginfod not loaded"
fi

HG_CHECKS=$((HG_CHECKS + 1))
run linked "$T/linked/leaky"
if ! grep -q 'lose_one (leaky.c:5)' "$T/linked.err"; then
  fail "linked: the debug file beside the program was not used (no 'lose_one (leaky.c:5)')"
  sed 's/^/  | /' "$T/linked.err" | tail -n 15
elif loaded_debuginfod linked; then
  fail "linked: libdebuginfod loaded"
else
  say "ok    stripped program, .gnu_debuglink beside it: file:line, libdebuginfod not loaded"
fi

# Asked for: DEBUGINFOD_URLS names a server (a closed local port: refused at once;
# its cache in $T, not the user's home).
HG_CHECKS=$((HG_CHECKS + 1))
run asked "$T/stripped" DEBUGINFOD_URLS=http://127.0.0.1:1/ DEBUGINFOD_TIMEOUT=5 \
  DEBUGINFOD_CACHE_PATH="$T/cache"
if ! grep -q 'definitely lost in loss record' "$T/asked.err"; then
  fail "asked: no leak report"; sed 's/^/  | /' "$T/asked.err" | tail -n 15
elif ! loaded_debuginfod asked; then
  fail "asked: DEBUGINFOD_URLS was set but libdebuginfod was not loaded"
else
  say "ok    DEBUGINFOD_URLS set: libdw's search asks debuginfod, as the user asked"
fi
finish
