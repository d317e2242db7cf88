#!/usr/bin/env bash
# --leak-check-heuristics (HEAPGUARD_LEAK_CHECK_HEURISTICS): Valgrind's four leak check
# heuristics, which pointers into a block's middle count as pointers to its start, and
# the summary's "of which reachable via heuristic" lines.  leak_heuristics/heuristics.cc
# (its comment has the blocks and what Valgrind 3.19 says of them) holds a block of each
# shape only through the pointer its heuristic recognises.
# Checks:
#   * the defaults (all four): the summary's breakdown, Valgrind's text and spacing
#     (stdstring 190 bytes in 2 blocks, length64 48 in 1, newarray 28 in 1,
#     multipleinheritance 40 in 1: the object of a class with two bases held as its
#     second base); a length64 block also held at its start is not in it; the class
#     whose bases have one virtual function each stays possibly lost (56 bytes); a
#     two-base object only a lost block holds is indirectly lost (40 bytes); the loss
#     records' kinds;
#   * none: those blocks possibly lost (362 bytes in 6 blocks), no breakdown; the same
#     from the environment;
#   * each heuristic alone: its line only, the others' blocks possibly lost (newarray
#     alone takes the length64 block too, as Valgrind's: 76 bytes in 2 blocks); two;
#   * --leak-check=summary prints the breakdown too;
#   * possible.cc (leak_kinds), 244 bytes in 4 blocks possibly lost by default: 320 in 6
#     with none (its length64 and newarray blocks), as Valgrind says;
#   * with Valgrind installed: its summary's lines for the same program, the same;
#   * bad values: refused by the CLI (status 2), ignored with a line from the
#     environment.
. "$(dirname "$0")/lib.sh"
need g++
no_heapguard_env
build_cli
build heuristics g++ -O0 -g -D_GLIBCXX_USE_CXX11_ABI=0 -o "$T/heuristics" "$HG_ROOT/tests/programs/leak_heuristics/heuristics.cc"

# run NAME [ENV=V...] [-- CLI OPTIONS]: heuristics under check mode into $T/NAME.log
run() {
  local name=$1; shift
  local -a envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  env "${envs[@]}" "$HG" check --log-file="$T/$name.log" --show-leak-kinds=all "$@" -- "$T/heuristics" >/dev/null 2>"$T/$name.err"
  st=$?
}
# The summary's lines from "possibly lost" to the last of the breakdown, without the pid.
summary() { sed -n 's/^==[0-9]*== //; /possibly lost:/,/ERROR SUMMARY\|suppressed:/p' "$1" | grep -v 'ERROR SUMMARY\|suppressed:' | sed '/still reachable:/s/: .*//'; }
expect_summary() { # NAME WANT
  HG_CHECKS=$((HG_CHECKS + 1))
  local got; got=$(summary "$T/$1.log")
  if [ "$got" != "$2" ]; then
    fail "$1: the summary:"; say "$got" | sed 's/^/  | /'; say "  wanted:"; say "$2" | sed 's/^/  | /'
    sed 's/^/  err| /' "$T/$1.err" | head -n 5
  else say "ok: $1: $(say "$got" | head -n 1 | sed 's/^ *//')$(say "$got" | grep -c 'via heuristic' | sed 's/^1$/, a breakdown/;s/^0$/, no breakdown/')"; fi
}
BREAKDOWN="                      of which reachable via heuristic:
                        stdstring          : 190 bytes in 2 blocks
                        length64           : 48 bytes in 1 blocks
                        newarray           : 28 bytes in 1 blocks
                        multipleinheritance: 40 bytes in 1 blocks"

run default
expect_summary default "     possibly lost: 56 bytes in 1 blocks
   still reachable
$BREAKDOWN"
HG_CHECKS=$((HG_CHECKS + 1))
records=$(grep -o '[0-9]* bytes in [0-9]* blocks are [a-z ]* in loss' "$T/default.log" | grep -v '^72704 ' | sort -n | tr '\n' ';')
want="24 bytes in 1 blocks are definitely lost in loss;28 bytes in 1 blocks are still reachable in loss;32 bytes in 1 blocks are still reachable in loss;40 bytes in 1 blocks are indirectly lost in loss;40 bytes in 1 blocks are still reachable in loss;48 bytes in 1 blocks are still reachable in loss;56 bytes in 1 blocks are possibly lost in loss;65 bytes in 1 blocks are still reachable in loss;125 bytes in 1 blocks are still reachable in loss;"
if [ "$records" != "$want" ] || [ "$st" != 99 ] || ! grep -q 'definitely lost: 24 bytes in 1 blocks' "$T/default.log" ||
   ! grep -q 'indirectly lost: 40 bytes in 1 blocks' "$T/default.log"; then
  fail "default: status $st, records '$records'"; sed 's/^/  | /' "$T/default.log" | grep -v '   at \|   by ' | head -n 30
else say "ok: default: the records' kinds; the lost two-base object indirectly lost; status 99"; fi

run none -- --leak-check-heuristics=none
expect_summary none "     possibly lost: 362 bytes in 6 blocks
   still reachable"
run none-env HEAPGUARD_LEAK_CHECK_HEURISTICS=none
expect_summary none-env "     possibly lost: 362 bytes in 6 blocks
   still reachable"

# Each alone: its line; the blocks of the other three possibly lost with the 56 bytes.
# newarray alone takes the length64 block too (its size less 8 divides itself), as
# Valgrind's does; with length64 on, that one is first.
for c in "stdstring|190|2" "length64|48|1" "newarray|76|2" "multipleinheritance|40|1"; do
  IFS='|' read -r h bytes blocks <<<"$c"
  run "only-$h" -- --leak-check-heuristics="$h"
  expect_summary "only-$h" "     possibly lost: $((362 - bytes)) bytes in $((6 - blocks)) blocks
   still reachable
                      of which reachable via heuristic:
$(printf '                        %-19s: %s bytes in %s blocks' "$h" "$bytes" "$blocks")"
done
run two -- --leak-check-heuristics=newarray,length64
expect_summary two "     possibly lost: 286 bytes in 4 blocks
   still reachable
$(say "$BREAKDOWN" | grep -v 'stdstring\|multipleinheritance')"

run summary-mode -- --leak-check=summary
expect_summary summary-mode "     possibly lost: 56 bytes in 1 blocks
   still reachable
$BREAKDOWN"

# possible.cc: its length64 and newarray blocks possibly lost without the heuristics.
build possible g++ -O0 -g -o "$T/possible" "$HG_ROOT/tests/programs/leak_kinds/possible.cc"
for c in "all|244 bytes in 4 blocks" "none|320 bytes in 6 blocks"; do
  IFS='|' read -r h want <<<"$c"
  HG_CHECKS=$((HG_CHECKS + 1))
  "$HG" check --log-file="$T/possible-$h.log" --leak-check-heuristics="$h" -- "$T/possible" >/dev/null 2>&1
  got=$(grep -o 'possibly lost: .*' "$T/possible-$h.log")
  if [ "$got" != "possibly lost: $want" ]; then fail "possible.cc, $h: '$got', wanted '$want'"
  else say "ok: possible.cc, $h: $got"; fi
done

# Valgrind's own summary of the same runs (not its still reachable total: it frees
# libstdc++'s pool at exit, which heapguard counts).
if type -P valgrind >/dev/null; then
  for h in all none stdstring length64 newarray multipleinheritance; do
    HG_CHECKS=$((HG_CHECKS + 1))
    valgrind --leak-check=full --leak-check-heuristics=$h "$T/heuristics" >/dev/null 2>"$T/vg-$h.log"
    run "hg-$h" -- --leak-check-heuristics=$h
    vg=$(summary "$T/vg-$h.log") hg=$(summary "$T/hg-$h.log")
    if [ "$vg" != "$hg" ]; then
      fail "$h: Valgrind's summary and heapguard's differ:"; diff <(say "$vg") <(say "$hg") | sed 's/^/  | /'
    else say "ok: $h: the summary's lines as Valgrind's"; fi
  done
else say "(valgrind not installed: its output not compared)"; fi

# Bad values.
refuses leak-check-heuristics "stdstring, length64, newarray and multipleinheritance" \
  "" std "stdstring," "all,none" "multipleinheritances" "STDSTRING" "length64,,newarray"
run bad-env HEAPGUARD_LEAK_CHECK_HEURISTICS=stdstrings
HG_CHECKS=$((HG_CHECKS + 1))
if ! grep -q 'heapguard: ignoring HEAPGUARD_LEAK_CHECK_HEURISTICS=stdstrings: expected stdstring, length64' "$T/bad-env.err"; then
  fail "HEAPGUARD_LEAK_CHECK_HEURISTICS=stdstrings: not refused"; sed 's/^/  | /' "$T/bad-env.err"
else say "ok: HEAPGUARD_LEAK_CHECK_HEURISTICS=stdstrings ignored, saying so"; fi
expect_summary bad-env "     possibly lost: 56 bytes in 1 blocks
   still reachable
$BREAKDOWN"
finish
