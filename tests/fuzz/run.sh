#!/usr/bin/env bash
# tests/fuzz/run.sh — build and run heapguard's fuzzers (`make fuzz`; not part of
# `make test`, whose tests/programs/fuzz_smoke.sh runs `run.sh --smoke BUILD`).
#
#   run.sh BUILD [SECONDS] [CLI_RUNS]   each libFuzzer driver for SECONDS (default 60),
#                                       one after the other, in one process each, from the corpus
#                                       in tests/fuzz/corpus/NAME (copied: new inputs
#                                       stay in BUILD/fuzz), then tests/fuzz/cli_argv.py
#                                       with CLI_RUNS command lines (default 20000)
#   run.sh --smoke BUILD                each driver replays its committed corpus, then
#                                       2000 fixed-seed mutations; 300 command lines
#
# The drivers (tests/fuzz/*.c) are built with clang -fsanitize=fuzzer,address,undefined
# and any sanitizer report stops them; a crash leaves its input in BUILD/fuzz/NAME.crash-*.
# Exit status: 0 clean, 1 a finding, 77 when clang or libFuzzer is not there.
set -u
cd "$(dirname "$0")/../.."
smoke=false
if [ "${1:-}" = --smoke ]; then smoke=true; shift; fi
BUILD=${1:?usage: run.sh [--smoke] BUILD [SECONDS] [CLI_RUNS]}
SECONDS_EACH=${2:-60}
CLI_RUNS=${3:-20000}
OUT=$BUILD/fuzz
mkdir -p "$OUT"
CLANG=${CLANG:-clang}
FLAGS="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1 -Isrc -Iinclude"

# NAME: the sources of each driver, beyond tests/fuzz/NAME.c
declare -A SOURCES=(
  [json]="src/cli/json.c"
  [options]="src/report.c src/options_text.c"
  [suppressions]=""                              # supp_parse.h is header-only
  [trace_format]="src/options.c src/options_text.c src/report.c"   # trace_format.c is included
)

if ! command -v "$CLANG" >/dev/null 2>&1; then echo "no $CLANG: the fuzzers need clang (libFuzzer)"; exit 77; fi
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$OUT/probe.c"
if ! $CLANG $FLAGS "$OUT/probe.c" -o "$OUT/probe" >"$OUT/probe.log" 2>&1; then
  echo "$CLANG cannot build with -fsanitize=fuzzer (no libFuzzer)"; exit 77
fi

status=0
for name in json options suppressions trace_format; do
  bin=$OUT/fuzz_$name
  # shellcheck disable=SC2086
  if ! $CLANG $FLAGS "tests/fuzz/$name.c" ${SOURCES[$name]:-} -o "$bin" >"$bin.build.log" 2>&1; then
    echo "FAIL: fuzz_$name does not build:"; tail -n 20 "$bin.build.log"; status=1; continue
  fi
  corpus=tests/fuzz/corpus/$name
  log=$OUT/fuzz_$name.log
  # options prints a line for each value it ignores: stderr closed (-close_fd_mask=2)
  common=(-close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$OUT/$name." -rss_limit_mb=1024)
  if $smoke; then   # from a fresh copy: libFuzzer adds what it finds to the first directory
    rm -rf "$OUT/smoke_$name" && cp -r "$corpus" "$OUT/smoke_$name"
    "$bin" "${common[@]}" -runs=2000 -seed=1 "$OUT/smoke_$name" >"$log" 2>&1
  else   # one process (no -jobs): new inputs go to the first directory
    work=$OUT/corpus_$name
    mkdir -p "$work"
    "$bin" "${common[@]}" -max_total_time="$SECONDS_EACH" "$work" "$corpus" >"$log" 2>&1
  fi
  st=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ $st -ne 0 ] || grep -qE '^==[0-9]+==ERROR|runtime error|deadly signal' "$log"; then
    echo "FAIL: fuzz_$name (status $st; log $log):"
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -n 10
    status=1
  else
    echo "ok: fuzz_$name, ${runs:-?} runs"
  fi
done

if command -v python3 >/dev/null 2>&1; then
  if $smoke; then CLI_RUNS=300; fi
  if ! python3 tests/fuzz/cli_argv.py "$BUILD" "$CLI_RUNS" 1 >"$OUT/cli_argv.log" 2>&1; then
    echo "FAIL: cli_argv (log $OUT/cli_argv.log):"; head -n 20 "$OUT/cli_argv.log"; status=1
  else
    echo "ok: $(tail -n 1 "$OUT/cli_argv.log") (cli_argv)"
  fi
fi
exit $status
