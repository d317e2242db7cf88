#!/usr/bin/env bash
# A Rust program (Debian's ripgrep) in check, guard and sampled guard mode: Rust's std
# asks for the current thread's stack (pthread_getattr_np) at start, in main and in each
# thread it spawns, and glibc allocates inside that call holding the thread's lock.  Check
# mode's first stack walk in a thread asked for the same thing from that allocation and
# hung for ever: rg in check, guard and sampled mode (every block sampled) sat in
# futex_wait until killed (tests/bugs/clean_getattr_self.c is the C reproducer).  Each run
# must match glibc's (run_both) and its logs report nothing but the program's leaks.
# Guard mode runs with its default alignment, 16: hashbrown (Rust's HashMap) reads its
# control bytes with aligned SSE loads (Rust's System allocator takes malloc as
# 16-aligned for sizes >= 16, as C and glibc say), and guard mode's old default, 8, gave
# a 216-byte block 8-byte alignment: rg died of SIGSEGV (README, "Alignment").
. "$(dirname "$0")/lib.sh"
need rg
assert_preload_works
unset HEAPGUARD_MODE HEAPGUARD_LOG_FILE HEAPGUARD_SAMPLE_RATE HEAPGUARD_SAMPLE_BUDGET HEAPGUARD_ERROR_EXITCODE \
      HEAPGUARD_GUARD_ALIGN

# A tree to search: this repository's sources, copied so that the output is fixed.
mkdir -p "$T/tree" && cp -r "$HG_ROOT/src" "$HG_ROOT/include" "$T/tree/" || { fail "cannot copy the sources"; finish; }

# logs_clean NAME DIR: no ERROR but the program's leaks, no WARNING, a summary in each log
logs_clean() {
  local name=$1 dir=$2 bad
  HG_CHECKS=$((HG_CHECKS + 1))
  bad=$(cat "$dir"/*.log 2>/dev/null | grep -a '== ERROR: \|WARNING' | grep -av '== ERROR: memory-leak: ' | head -n 5)
  if [ -n "$bad" ]; then fail "$name: heapguard reported:"; printf '%s\n' "$bad" | sed 's/^/  | /'; return; fi
  if grep -aL '== ERROR SUMMARY: ' "$dir"/*.log | grep -q .; then
    fail "$name: a process log without its summary:"; grep -aL '== ERROR SUMMARY: ' "$dir"/*.log | sed 's/^/  | /'; return
  fi
  say "ok    $name: logs clean ($(ls "$dir" | wc -l) processes)"
}

for m in check guard sampled; do
  case $m in
    check) envs=(HEAPGUARD_MODE=check HEAPGUARD_ERROR_EXITCODE=0) ;;
    guard) envs=(HEAPGUARD_MODE=guard HEAPGUARD_ERROR_EXITCODE=0) ;;
    sampled) envs=(HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_BUDGET=0) ;;
  esac
  mkdir -p "$T/logs-$m"
  # one thread, then the parallel directory walker (threads started by std::thread)
  run_both "rg-$m" env "${envs[@]}" HEAPGUARD_LOG_FILE="$T/logs-$m/%p.log" \
    rg -n --sort path -e 'pthread_[a-z_]+' -e 'ERROR: [a-z-]+' "$T/tree"
  run_both "rg-files-$m" env "${envs[@]}" HEAPGUARD_LOG_FILE="$T/logs-$m/%p.log" \
    bash -c 'rg --files -j2 "$1" | sort; rg -c -j2 --no-filename "static" "$1" | sort -n | tail -3' rg "$T/tree"
  [ $m = sampled ] || logs_clean "rg-$m" "$T/logs-$m"
done
finish
