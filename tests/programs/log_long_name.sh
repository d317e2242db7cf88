#!/usr/bin/env bash
# A file name pattern (--log-file, HEAPGUARD_LOG_FILE) longer than the library's name
# buffer (4095 bytes once %p is expanded) was cut silently: the reports went to another
# file, a prefix of the name.  Now the CLI refuses it (status 2, one line), and the
# library, given it by the environment, says so on one line and writes to stderr, as
# for a log file it cannot open.  The name is a valid path ("./" repeated), so only its
# length is wrong.
. "$(dirname "$0")/lib.sh"
need gcc
cat >"$T/dbl.c" <<'C'
#include <stdlib.h>
int main(void) { char *p = malloc(16); free(p); free(p); return 0; }
C
build dbl gcc -O0 -g -o "$T/dbl" "$T/dbl.c"
mkdir -p "$T/d"
dots=$(printf './%.0s' $(seq 2040))
pattern="$T/d/${dots}log.%p.txt"   # about 4100 bytes: the cut fell inside "log"

HG_CHECKS=$((HG_CHECKS + 1))
out=$("$HG_BUILD/heapguard" check --log-file="$pattern" -- "$T/dbl" 2>&1)
st=$?
if [ $st -ne 2 ] || ! grep -q 'value of --log-file is too long' <<<"$out" || [ -n "$(ls -A "$T/d")" ]; then
  fail "heapguard check --log-file=<4100 bytes>: wanted status 2 and a 'too long' line; got status $st"
  printf '%s\n' "$out" | cut -c1-200 | sed 's/^/  | /'
else say "ok: the CLI refuses a log file name too long"; fi

HG_CHECKS=$((HG_CHECKS + 1))
rm -rf "$T/d"/*
env HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$pattern" LD_PRELOAD="$HG_LIB_SO" "$T/dbl" >/dev/null 2>"$T/err"
st=$?
lines=$(grep -c 'longer than 4095 bytes: writing to stderr instead' "$T/err")
if [ $st -ne 99 ] || [ "$lines" -ne 1 ] || ! grep -q 'ERROR: double-free' "$T/err" || [ -n "$(ls -A "$T/d")" ]; then
  fail "HEAPGUARD_LOG_FILE=<4100 bytes>: wanted one line saying so, the report on stderr, no file; got status $st"
  cut -c1-200 "$T/err" | sed 's/^/  | /'
  ls -A "$T/d" | sed 's/^/  file: /'
else say "ok: the library says the name is too long and writes to stderr"; fi
finish
