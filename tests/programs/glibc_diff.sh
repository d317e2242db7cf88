#!/usr/bin/env bash
# Differential test against glibc's malloc: glibc_diff/api_seq.c calls the whole malloc
# API with edge-case arguments and in seeded random sequences and prints each call's
# observable outcome (NULL or not, errno, return values, alignment, usable size,
# zeroing, contents kept, errno kept by free; never an address).  It runs under glibc
# (the reference) and under heapguard in every mode: preloaded, without brk, linked
# statically, check mode, guard mode, sampled guard mode (every block and one in 7),
# trace (with every call traced), stats; each output must be glibc's, line for line.
# Then the same in 4 threads at once (blocks freed by other threads) and across fork
# (the child continues the sequence).  Guard mode runs with its default alignment, 16,
# glibc's (the sequence checks every block's alignment).  A heapguard run
# must also exit 0 and report no error (check and guard modes: "ERROR SUMMARY: 0
# errors" in every process's report).  GLIBC_DIFF_SCALE multiplies the calls per seed.
# Last, glibc_diff/new_seq.cc: every form of C++'s operator new and delete, libstdc++'s
# own operators (on glibc's malloc) the reference.
. "$(dirname "$0")/lib.sh"
need gcc g++
assert_preload_works
no_heapguard_env
SRC=$HG_ROOT/tests/programs/glibc_diff
: "${HG_LIB_A:=${HG_LIB_SO%.so}.a}"
SCALE=${GLIBC_DIFF_SCALE:-1}
CFLAGS=(-std=gnu11 -O1 -g -Wall -Wextra -Werror -pthread -fno-builtin)
build api_seq.c gcc "${CFLAGS[@]}" -o "$T/api_seq" "$SRC/api_seq.c" -ldl
build api_seq.linked gcc "${CFLAGS[@]}" -o "$T/api_seq.linked" -DAPI_SEQ_NO_CFREE "$SRC/api_seq.c" "$HG_LIB_A" -ldl
# C++: glibc_diff/new_seq.cc, every form of operator new and delete (libstdc++'s own
# operators are the reference; heapguard's replace them)
CXXFLAGS=(-std=gnu++17 -O1 -g -Wall -Wextra -Werror -fno-builtin -fsized-deallocation -fno-allocation-dce)
build new_seq.cc g++ "${CXXFLAGS[@]}" -o "$T/new_seq" "$SRC/new_seq.cc"
build new_seq.linked g++ "${CXXFLAGS[@]}" -o "$T/new_seq.linked" "$SRC/new_seq.cc" "$HG_LIB_A" -pthread -ldl

mode_env() {
  case $1 in
    default|linked) ;;
    nobrk) echo "HEAPGUARD_BRK=0" ;;
    check) echo "HEAPGUARD_MODE=check" ;;
    guard) echo "HEAPGUARD_MODE=guard" ;;
    sampled) echo "HEAPGUARD_SAMPLE_RATE=1" ;;
    sampled7) echo "HEAPGUARD_SAMPLE_RATE=7" ;;
    trace) echo "HEAPGUARD_TRACE=$T/trace.out HEAPGUARD_TRACE_CALLS=1" ;;
    stats) echo "HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE=$T/stats.out" ;;
  esac
}

# compare KIND MODE ARGS...: one heapguard run against KIND's glibc run
compare() {
  local kind=$1 mode=$2 name=$1.$2 st t0 t1; shift 2
  local out=$T/$name.out err=$T/$name.err rep=$T/$name.report
  local prog=$T/api_seq
  [ "$kind" = new ] && prog=$T/new_seq && set --   # (new_seq: its own defaults)
  local -a cmd=(env LD_PRELOAD="$HG_LIB_SO" "$prog")
  [ "$mode" = linked ] && cmd=("$prog.linked")
  [ "$kind" = new ] || set -- "$kind" "$@"
  rm -f "$rep".*
  t0=${EPOCHREALTIME/[,.]/}
  # shellcheck disable=SC2046  # mode_env: NAME=value words
  { timeout -k 10 "$HG_CMD_TIMEOUT" env $(mode_env "$mode") HEAPGUARD_LOG_FILE="$rep.%p" "${cmd[@]}" "$@" \
      >"$out" 2>"$err"; } 2>/dev/null
  st=$?
  t1=${EPOCHREALTIME/[,.]/}
  HG_CHECKS=$((HG_CHECKS + 1))
  local why=()
  [ $st -eq 0 ] || why+=("exit status $(status_desc $st)")
  # check and guard modes map no block of its own: hblks and hblkhd stay 0 there
  # (docs/architecture.md, "mallinfo2"), a documented difference
  local ref=$T/$kind.glibc.out
  if [ "$mode" = check ] || [ "$mode" = guard ]; then
    ref=$T/$name.glibc.out
    sed 's/^\(malloc(8 MiB): hblks\) [^;]*;/\1 (0 in this mode);/' "$T/$kind.glibc.out" >"$ref"
    sed -i 's/^\(malloc(8 MiB): hblks\) +0, hblkhd grew by >= 8 MiB: no;/\1 (0 in this mode);/' "$out"
  fi
  cmp -s "$ref" "$out" || why+=("output differs from glibc's")
  cat "$rep".* >"$rep" 2>/dev/null
  if grep -q 'ERROR:' "$rep" "$err"; then
    why+=("heapguard reported: $(grep -h -m 1 'ERROR:' "$rep" "$err" | head -n 1)")
  elif [ "$mode" = check ] || [ "$mode" = guard ]; then
    [ "$(grep -c 'ERROR SUMMARY: 0 errors' "$rep")" -eq "$(ls "$rep".* | wc -l)" ] && [ -s "$rep" ] ||
      why+=("a process's report has no 'ERROR SUMMARY: 0 errors'")
  fi
  if [ ${#why[@]} -eq 0 ]; then
    printf 'ok    %-18s %6d ms\n' "$name" $(( (t1 - t0) / 1000 ))
    return
  fi
  fail "$name: ${why[*]}"
  say "  diff (glibc -> heapguard), first 30 lines:"
  diff "$ref" "$out" | head -n 30 | sed 's/^/  | /'
  say "  stderr (last 10 lines):"; tail -n 10 "$err" | sed 's/^/  | /'
}

# KIND SEEDS CALLS MODES...
for run in "all 4 $((2500 * SCALE)) default nobrk linked check guard sampled sampled7 trace stats" \
           "threads 2 $((1500 * SCALE)) default check guard sampled sampled7 trace" \
           "fork 3 $((1500 * SCALE)) default check guard sampled trace" \
           "new - - default linked check guard sampled trace"; do
  read -r kind seeds calls modes <<<"$run"
  if [ "$kind" = new ]; then
    timeout -k 10 "$HG_CMD_TIMEOUT" "$T/new_seq" >"$T/$kind.glibc.out" 2>"$T/$kind.glibc.err"
  else
    timeout -k 10 "$HG_CMD_TIMEOUT" "$T/api_seq" "$kind" "$seeds" "$calls" >"$T/$kind.glibc.out" 2>"$T/$kind.glibc.err"
  fi
  st=$?
  if [ $st -ne 0 ]; then
    fail "TEST BUG: api_seq $kind under glibc: status $(status_desc $st)"; tail -n 5 "$T/$kind.glibc.err"; continue
  fi
  for mode in $modes; do compare "$kind" "$mode" "$seeds" "$calls"; done
done
finish
