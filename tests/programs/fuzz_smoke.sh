#!/usr/bin/env bash
# The fuzzers of tests/fuzz (`make fuzz` runs them for minutes) in a few seconds: each
# libFuzzer driver (the CLI's JSON reader, the HEAPGUARD_* parsers and file name
# patterns, suppression files, the trace's line formatter) replays its committed
# corpus and 2000 mutations of a fixed seed, under ASan and UBSan; then 300 random
# command lines for the CLI.  Skipped when clang cannot build with libFuzzer.
. "$(dirname "$0")/lib.sh"
need clang python3
bash "$HG_ROOT/tests/fuzz/run.sh" --smoke "$HG_BUILD" >"$T/fuzz.log" 2>&1
st=$?
cat "$T/fuzz.log"
if [ $st -eq 77 ]; then exit 77; fi   # the reason is run.sh's last line
HG_CHECKS=$((HG_CHECKS + 1))
[ $st -eq 0 ] || fail "a fuzzer found something (status $st)"
finish
