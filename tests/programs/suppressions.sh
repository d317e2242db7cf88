#!/usr/bin/env bash
# Suppression files (Valgrind's syntax) for check mode: `heapguard check
# --suppressions=FILE`, HEAPGUARD_SUPPRESSIONS and --gen-suppressions=all.  A suppressed
# leak gives status 0, no report, and the summaries' suppressed counts; a suppression
# that does not match leaves the report and status 99; wildcards, "...", obj:, src:,
# match-leak-kinds; a file in Memcheck's exact format (as valgrind --gen-suppressions
# writes it) suppresses the same errors; a double free by heapguard:double-free; what
# --gen-suppressions=all prints, pasted back, suppresses the same errors; bad files
# stop the CLI with status 2 and file:line, and are left out, with one line, by the
# library; without a suppression file the summary is unchanged; C++ names printed
# demangled are matched and generated mangled; a function inlined into its caller is a
# frame fun: lines match (by its mangled or its plain name) and generated files name.
. "$(dirname "$0")/lib.sh"
need gcc
: "${HG_BUILD:=$HG_ROOT/build}"

build_cli
unset HEAPGUARD_LIB
no_heapguard_env

cat >"$T/bugs.c" <<'C'
#include <stdlib.h>
#include <string.h>
/* argv[1] picks the bugs: l (a leak from third_party_init, a definite one from mine
 * and an indirect one below it), d (a double free in lib_release), o (an overflow found
 * at free), u (a write after free found at exit), r (a block still reachable). */
__attribute__((noinline)) void *third_party_init(void) { char *p = malloc(40); memset(p, 1, 40); return p; }
__attribute__((noinline)) void *mine(void) { void **p = malloc(24); *p = malloc(8); return p; }
__attribute__((noinline)) void lib_release(void *p) { free(p); }
__attribute__((noinline)) void overflow(char *p) { p[10] = 1; }
void *kept;
int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  if (strchr(what, 'r')) kept = malloc(16);
  if (strchr(what, 'l')) {
    void *volatile a = third_party_init(), *volatile b = mine();
    a = b = 0;
    (void)a, (void)b;
  }
  if (strchr(what, 'd')) {
    char *p = malloc(10);
    lib_release(p);
    lib_release(p);
  }
  if (strchr(what, 'o')) {
    char *q = malloc(10);
    overflow(q);
    free(q);
  }
  if (strchr(what, 'u')) {
    char *volatile r = malloc(32);
    free(r);
    r[3] = 7;
  }
  return 0;
}
C
build bugs gcc -g -O0 -o "$T/bugs" "$T/bugs.c"
P=$T/bugs

# hg NAME ARGS... — heapguard's report in $T/NAME.log, its own stderr in NAME.err, $st
hg() {
  local name=$1; shift
  rm -f "$T/$name.log"
  timeout -k 10 "$HG_CMD_TIMEOUT" "$HG" check --log-file="$T/$name.log" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err"
  st=$?
}
show() { sed 's/^/  log| /' "$T/$1.log" 2>/dev/null | head -n 40; sed 's/^/  stderr| /' "$T/$1.err" | head -n 10; }
# expect NAME STATUS [REGEX...] [! REGEX...]: the status, lines of the log that must
# (or, after "!", must not) match
expect() {
  local name=$1 want=$2; shift 2
  local neg=0 re why=""
  HG_CHECKS=$((HG_CHECKS + 1))
  [ "$st" = "$want" ] || why+=" status $st (want $want);"
  for re in "$@"; do
    if [ "$re" = '!' ]; then neg=1; continue; fi
    if [ $neg = 0 ]; then grep -Eq -- "$re" "$T/$name.log" 2>/dev/null || why+=" no line /$re/;"
    else ! grep -Eq -- "$re" "$T/$name.log" 2>/dev/null || why+=" a line /$re/;"; fi
  done
  if [ -n "$why" ]; then fail "$name:$why"; show "$name"; else say "ok    $name"; fi
}
supp() { cat >"$T/$1"; }

# Without a suppression file: the report as it was (no "suppressed" anywhere).
hg plain "$P" l
expect plain 99 'ERROR: memory-leak: 40 bytes .*definitely' 'ERROR SUMMARY: 3 errors from 3 contexts$' \
  ! suppressed used_suppression

# A leak from third_party_init, by a Memcheck file as valgrind --gen-suppressions=all
# writes it (three spaces, Memcheck:Leak, match-leak-kinds, fun:malloc first).
supp mc_leak.supp <<'S'
# a comment
{
   <insert_a_suppression_name_here>
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:third_party_init
   fun:main
}
S
hg mc_leak --suppressions="$T/mc_leak.supp" "$P" l
expect mc_leak 99 'ERROR: memory-leak: 24 bytes' '^==[0-9]+==         suppressed: 40 bytes in 1 blocks$' \
  'definitely lost: 24 bytes in 1 blocks' 'used_suppression: +1 <insert_a_suppression_name_here> .*mc_leak.supp:2$' \
  'ERROR SUMMARY: 2 errors from 2 contexts \(suppressed: 1 from 1\)$' ! '40 bytes in 1 blocks are'

# What valgrind --gen-suppressions=all itself writes for the leaks and the double free
# (when valgrind is installed): pasted as it is, it suppresses the same errors here.
if command -v valgrind >/dev/null; then
  valgrind --leak-check=full --show-leak-kinds=definite,indirect --gen-suppressions=all --log-file="$T/vg.log" "$P" ld >/dev/null 2>&1
  grep -v '^==' "$T/vg.log" >"$T/vg.supp"
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$(grep -c '^   Memcheck:' "$T/vg.supp")" != 4 ]; then
    fail "valgrind wrote $(grep -c '^   Memcheck:' "$T/vg.supp") suppressions, want 4 (3 leaks, 1 free)"
    sed 's/^/  vg| /' "$T/vg.log" | head -n 40
  else
    hg valgrind_file --suppressions="$T/vg.supp" "$P" ld
    expect valgrind_file 0 '\(suppressed: 4 from 4\)$' 'suppressed: 72 bytes in 3 blocks$' ! 'ERROR:'
  fi
else
  say "skip  valgrind_file (valgrind is not installed)"
fi

# C++: what valgrind writes names operator new by its mangled name (fun:_Znwm), and a
# new[]'d block given to free() is its Memcheck:Free (heapguard's mismatched-free).
if command -v valgrind >/dev/null && command -v g++ >/dev/null; then
  cat >"$T/cxx.cc" <<'C'
#include <cstdlib>
struct S { int a[5]; };
__attribute__((noinline)) S *make() { return new S; }
int main() { S *volatile p = make(); p = nullptr; (void)p; int *q = new int[4]; free(q); return 0; }
C
  build cxx g++ -g -O0 -o "$T/cxx" "$T/cxx.cc"
  valgrind --leak-check=full --gen-suppressions=all --log-file="$T/vgc.log" "$T/cxx" >/dev/null 2>&1
  grep -v '^==' "$T/vgc.log" >"$T/vgc.supp"
  hg cxx_plain "$T/cxx"
  expect cxx_plain 99 'ERROR: mismatched-free' 'ERROR: memory-leak: 20 bytes'
  hg cxx --suppressions="$T/vgc.supp" "$T/cxx"
  expect cxx 0 '\(suppressed: 2 from 2\)$' 'suppressed: 20 bytes in 1 blocks$' ! 'ERROR:'
  HG_CHECKS=$((HG_CHECKS + 1))
  grep -q '^   fun:_Znwm$' "$T/vgc.supp" || { fail "cxx: valgrind's file has no fun:_Znwm"; cat "$T/vgc.supp"; }
else
  say "skip  cxx (valgrind or g++ is not installed)"
fi

# C++ names: the report prints them demangled (app::make(int)), the suppressions match
# them mangled, as Valgrind's do (fun:_ZN3app4makeEi; a demangled fun: line matches
# nothing), and --gen-suppressions writes them mangled.
if command -v g++ >/dev/null; then
  cat >"$T/names.cc" <<'C'
namespace app { __attribute__((noinline)) int *make(int n) { return new int[n]; } }
int main() { int *volatile p = app::make(5); p = nullptr; (void)p; return 0; }
C
  build names g++ -g -O0 -o "$T/names" "$T/names.cc"
  supp mangled.supp <<'S'
{
   app make, mangled
   Memcheck:Leak
   fun:_Znam
   fun:_ZN3app4makeEi
}
S
  supp demangled.supp <<'S'
{
   app make, demangled
   Memcheck:Leak
   fun:_Znam
   fun:app::make(int)
}
S
  hg names_mangled --suppressions="$T/mangled.supp" "$T/names"
  expect names_mangled 0 'suppressed: 20 bytes in 1 blocks$' ! 'ERROR:'
  hg names_demangled --suppressions="$T/demangled.supp" --gen-suppressions=all "$T/names"
  expect names_demangled 99 'ERROR: memory-leak: 20 bytes' 'by 0x[0-9a-f]+: app::make\(int\) \(names\.cc:1\)' \
    '^   fun:_ZN3app4makeEi$' ! 'fun:app::make'

  # A function inlined into main is a frame of its own, which a fun: line matches by its
  # mangled name or by its plain one (DW_AT_name: what Valgrind prints and writes for an
  # inlined frame); --gen-suppressions writes it, mangled, between operator new[] and main.
  cat >"$T/inl.cc" <<'C'
namespace app { __attribute__((always_inline)) inline int *grab(int n) { return new int[n]; } }
int main() { int *volatile p = app::grab(5); p = nullptr; (void)p; return 0; }
C
  build inl g++ -g -O2 -o "$T/inl" "$T/inl.cc"
  supp inl_mangled.supp <<'S'
{
   grab inlined, mangled
   Memcheck:Leak
   fun:_Znam
   fun:_ZN3app4grabEi
   fun:main
}
S
  supp inl_plain.supp <<'S'
{
   grab inlined, as Valgrind names it
   Memcheck:Leak
   fun:_Znam
   fun:grab
   fun:main
}
S
  hg inl_mangled --suppressions="$T/inl_mangled.supp" "$T/inl"
  expect inl_mangled 0 'suppressed: 20 bytes in 1 blocks$' ! 'ERROR:'
  hg inl_plain --suppressions="$T/inl_plain.supp" "$T/inl"
  expect inl_plain 0 'suppressed: 20 bytes in 1 blocks$' ! 'ERROR:'
  hg inl_gen --gen-suppressions=all "$T/inl"
  expect inl_gen 99 'by 0x[0-9a-f]+: app::grab\(int\) \(inl\.cc:1\)' 'by 0x[0-9a-f]+: main \(inl\.cc:2\)'
  HG_CHECKS=$((HG_CHECKS + 1))
  grep -A2 '^   fun:_Znam$' "$T/inl_gen.log" | tr '\n' ' ' | grep -q '^   fun:_Znam    fun:_ZN3app4grabEi    fun:main $' ||
    { fail "inl_gen: no fun:_Znam, fun:_ZN3app4grabEi, fun:main"; show inl_gen; }
else
  say "skip  names (g++ is not installed)"
fi

# A function with several names is printed by the one Valgrind prints: libc's strdup
# is __strdup too, which libdw picked ("by __strdup (strdup.c:42)"); a fun: line matches
# it by either name, and --gen-suppressions writes strdup, as Valgrind's.
printf '#include <string.h>\nint main(void) { char *volatile s = strdup("hello"); s = 0; (void)s; return 0; }\n' \
  >"$T/dup.c"
build dup gcc -g -O0 -o "$T/dup" "$T/dup.c"
for name in strdup __strdup; do
  supp "dup_$name.supp" <<S
{
   strdup's block, as $name
   Memcheck:Leak
   fun:malloc
   fun:$name
   fun:main
}
S
  hg "dup_$name" --suppressions="$T/dup_$name.supp" "$T/dup"
  expect "dup_$name" 0 'suppressed: 6 bytes in 1 blocks$' ! 'ERROR:'
done
hg dup_gen --gen-suppressions=all "$T/dup"
expect dup_gen 99 'by 0x[0-9a-f]+: strdup \(' '^   fun:strdup$' ! '__strdup'

# Every leak suppressed: status 0, no ERROR line, the counts in the summaries; by the
# environment form, two files joined with ':'.
supp all_leaks.supp <<'S'
{
   mine, definite and indirect
   heapguard:memory-leak
   match-leak-kinds: definite,indirect
   fun:malloc
   fun:mine
}
S
HEAPGUARD_SUPPRESSIONS=$T/mc_leak.supp:$T/all_leaks.supp hg env_all "$P" l
expect env_all 0 'suppressed: 72 bytes in 3 blocks$' '\(suppressed: 3 from 3\)$' 'ERROR SUMMARY: 0 errors from 0 contexts' ! 'ERROR:'

# The same, --leak-check=summary: the lost blocks' one error is gone too.
HEAPGUARD_SUPPRESSIONS=$T/mc_leak.supp:$T/all_leaks.supp hg env_summary --leak-check=summary "$P" l
expect env_summary 0 'suppressed: 72 bytes in 3 blocks$' ! 'ERROR:'

# match-leak-kinds: a definite-only suppression leaves the indirect leak of the same
# stack reported; "reachable" and "possible" match none of heapguard's reported leaks.
supp kinds.supp <<'S'
{
   definite only
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:mine
}
{
   reachable only
   Memcheck:Leak
   match-leak-kinds: reachable,possible
   fun:malloc
   fun:third_party_init
}
S
hg kinds --suppressions "$T/kinds.supp" "$P" l
expect kinds 99 'ERROR: memory-leak: 8 bytes in 1 blocks are indirectly lost' 'ERROR: memory-leak: 40 bytes' \
  'suppressed: 24 bytes in 1 blocks$' ! 'ERROR: memory-leak: 24 bytes'

# Still reachable blocks reported as errors (--errors-for-leak-kinds=all): matched by
# match-leak-kinds: reachable, not by definite.
supp reach.supp <<'S'
{
   kept on purpose
   Memcheck:Leak
   match-leak-kinds: reachable
   fun:malloc
   fun:main
}
S
hg reach --show-leak-kinds=all --errors-for-leak-kinds=all --suppressions="$T/reach.supp" "$P" r
expect reach 0 'suppressed: 16 bytes in 1 blocks$' 'still reachable: 0 bytes in 0 blocks' '\(suppressed: 1 from 1\)$' ! 'ERROR:'
sed -i 's/match-leak-kinds: reachable/match-leak-kinds: definite/' "$T/reach.supp"
hg reach_definite --show-leak-kinds=all --errors-for-leak-kinds=all --suppressions="$T/reach.supp" "$P" r
expect reach_definite 99 'ERROR: memory-leak: 16 bytes in 1 blocks are still reachable' ! used_suppression

# A suppression that does not match (another function): the report and status 99.
supp nomatch.supp <<'S'
{
   other
   Memcheck:Leak
   fun:malloc
   fun:someone_else
}
{
   a tool heapguard is not: skipped unread
   Helgrind:Race
   whatever this says
}
{
   Memcheck's Param has one more line (the call), and matches nothing here
   Memcheck:Param
   write(buf)
   fun:*
}
{
   two tools, one kind
   Memcheck,heapguard:Cond
   ...
}
S
hg nomatch --suppressions="$T/nomatch.supp" "$P" l
expect nomatch 99 'ERROR: memory-leak: 40 bytes' 'suppressed: 0 bytes in 0 blocks$' '\(suppressed: 0 from 0\)$' \
  ! used_suppression

# Wildcards and "...": fun:third_*_init, fun:?ine, "..." between malloc and main, a
# pattern longer than the stack that ends in "..." only.
supp wild.supp <<'S'
{
   star
   Memcheck,heapguard:Leak
   fun:mal*
   fun:third_*_init
}
{
   dots
   Memcheck:Leak
   match-leak-kinds: all
   ...
   fun:?ine
   ...
   fun:main
   ...
}
S
hg wild --suppressions="$T/wild.supp" "$P" l
expect wild 0 'suppressed: 72 bytes in 3 blocks$' 'used_suppression: +1 star ' 'used_suppression: +2 dots ' ! 'ERROR:'

# A frame that must match is not skipped: "fun:malloc" then "fun:main" right after it.
supp gap.supp <<'S'
{
   no gap allowed
   Memcheck:Leak
   fun:malloc
   fun:main
}
S
hg gap --suppressions="$T/gap.supp" "$P" l
expect gap 99 'ERROR: memory-leak: 40 bytes' ! used_suppression

# obj: (the program's own file, by its path's tail) and src:FILE:LINE (third_party_init's
# malloc is on line 6, mine's two on line 7).
supp objsrc.supp <<'S'
{
   by object
   Memcheck:Leak
   match-leak-kinds: indirect
   fun:malloc
   obj:*/bugs
   obj:*/b?gs
}
{
   by line
   Memcheck:Leak
   ...
   src:bugs.c:6
}
S
hg objsrc --suppressions="$T/objsrc.supp" "$P" l
expect objsrc 99 'used_suppression: +1 by object ' 'used_suppression: +1 by line ' 'ERROR: memory-leak: 24 bytes' \
  '\(suppressed: 2 from 2\)' ! 'ERROR: memory-leak: 40 bytes' 'ERROR: memory-leak: 8 bytes'
sed -i 's/src:bugs.c:6/src:bugs.c:7/' "$T/objsrc.supp"   # another line: the other leak
hg objsrc_line --suppressions="$T/objsrc.supp" "$P" l
expect objsrc_line 99 'ERROR: memory-leak: 40 bytes' 'used_suppression: +1 by line ' ! 'ERROR: memory-leak: 24 bytes'

# A double free by heapguard:double-free (the second free's stack, where it was found),
# and by Memcheck:Free; the overflow (found at free) stays.
supp df.supp <<'S'
{
   release twice
   heapguard:double-free
   fun:free
   fun:lib_release
   fun:main
}
S
hg df --suppressions="$T/df.supp" "$P" do
expect df 99 'ERROR: heap-buffer-overflow' '\(suppressed: 1 from 1\)' ! 'ERROR: double-free'
sed -i 's/heapguard:double-free/Memcheck:Free/' "$T/df.supp"
hg df_mc --suppressions="$T/df.supp" "$P" d
expect df_mc 0 '\(suppressed: 1 from 1\)' ! 'ERROR:'
# guard mode's reports go through the same path (but for its faults)
"$HG" guard --suppressions="$T/df.supp" "$P" d >"$T/guard.out" 2>"$T/guard.err"; st=$?
HG_CHECKS=$((HG_CHECKS + 1))
if [ $st != 0 ] || ! grep -q '(suppressed: 1 from 1)' "$T/guard.err" || grep -q 'ERROR:' "$T/guard.err"; then
  fail "guard: status $st"; sed 's/^/  stderr| /' "$T/guard.err" | head -n 20; else say "ok    guard"; fi
sed -i 's/Memcheck:Free/heapguard:invalid-free/' "$T/df.supp"   # another kind: not suppressed
hg df_kind --suppressions="$T/df.supp" "$P" d
expect df_kind 99 'ERROR: double-free' ! used_suppression

# Many "..." in one suppression: matched in np * nf steps.  Trying every split at every
# "..." took minutes for 24 of them at --stack-depth=64 (a double free 70 calls deep;
# the last frame matches nothing, so every split was tried); HG_CMD_TIMEOUT stops it.
cat >"$T/deep.c" <<'C'
#include <stdlib.h>
__attribute__((noinline)) void rec(int n) {
  if (n) { rec(n - 1); __asm__ volatile(""); }
  else { char *p = malloc(8); free(p); free(p); }
}
int main(void) { rec(70); return 0; }
C
gcc -O0 -g -o "$T/deep" "$T/deep.c" || fail "cannot build deep.c"
{ printf '{\n   many dots\n   heapguard:double-free\n'
  for i in $(seq 24); do printf '   ...\n   fun:re*\n'; done
  printf '   fun:nowhere\n}\n'; } >"$T/dots.supp"
hg dots --stack-depth=64 --suppressions="$T/dots.supp" "$T/deep"
expect dots 99 'ERROR: double-free' '\(suppressed: 0 from 0\)'
sed -i 's/fun:nowhere/fun:rec/' "$T/dots.supp"   # now it matches
hg dots_match --stack-depth=64 --suppressions="$T/dots.supp" "$T/deep"
expect dots_match 0 '\(suppressed: 1 from 1\)' ! 'ERROR:'

# --gen-suppressions=all: a block after each error; pasted back as a file, it
# suppresses every one of them (the leak, indirect leak, double free, overflow, and
# the write after free matched on its free's stack).
hg gen --gen-suppressions=all "$P" ldou
expect gen 99 '^\{$' '^   heapguard:double-free$' '^   heapguard:heap-use-after-free$' \
  '^   match-leak-kinds: indirect$' '^   fun:lib_release$' '^# found after the free'
grep -v '^==' "$T/gen.log" >"$T/gen.supp"
hg gen_back --suppressions="$T/gen.supp" "$P" ldou
expect gen_back 0 '\(suppressed: 6 from 6\)$' ! 'ERROR:'
HG_CHECKS=$((HG_CHECKS + 1))
[ "$(grep -c '^{$' "$T/gen.supp")" = 6 ] || { fail "gen: $(grep -c '^{$' "$T/gen.supp") blocks, want 6"; cat "$T/gen.supp"; }

# Bad files: the CLI says file:line and exits 2 without running the program.
bad() {   # NAME EXPECTED-MESSAGE-REGEX (the file is $T/NAME.supp)
  local name=$1 re=$2
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/ran"
  "$HG" check --suppressions="$T/$name.supp" -- sh -c "touch '$T/ran'" >"$T/$name.out" 2>"$T/$name.err"
  st=$?
  if [ $st != 2 ] || ! grep -Eq -- "$re" "$T/$name.err" || [ -e "$T/ran" ] || [ "$(wc -l <"$T/$name.err")" != 1 ]; then
    fail "bad file $name: status $st, want 2 and one line /$re/ (program ran: $([ -e "$T/ran" ] && echo yes || echo no))"
    sed 's/^/  stderr| /' "$T/$name.err"
  else say "ok    bad_$name"; fi
}
printf '{\n   x\n   Memcheck:Lek\n   fun:a\n}\n' >"$T/kind.supp"
bad kind "^heapguard: $T/kind.supp:3: unknown error kind.*'Lek'$"
printf '# c\n\n{\n   x\n   Memcheck:Leak\n   fun:a\n' >"$T/open.supp"
bad open "^heapguard: $T/open.supp:3: the file ends inside a suppression"
printf '{\n   x\n   Memcheck:Leak\n   fn:a\n}\n' >"$T/frame.supp"
bad frame "^heapguard: $T/frame.supp:4: expected a frame"
printf '{\n   x\n   Memcheck:Leak\n   match-leak-kinds: definitely\n   fun:a\n}\n' >"$T/lk.supp"
bad lk "^heapguard: $T/lk.supp:4: expected match-leak-kinds"
printf 'fun:a\n' >"$T/brace.supp"
bad brace "^heapguard: $T/brace.supp:1: expected '\{'"
printf '{\n   x\n   Memcheck:Free\n}\n' >"$T/empty.supp"
bad empty "^heapguard: $T/empty.supp:4: a suppression needs at least one frame"
printf '{\n   x\n   Memcheck:Leak\n   src::12\n}\n' >"$T/srcline.supp"   # no FILE (found by tests/fuzz)
bad srcline "^heapguard: $T/srcline.supp:4: expected src:FILE or src:FILE:LINE"
bad missing "^heapguard: $T/missing.supp: cannot read the suppression file: No such file"
HG_CHECKS=$((HG_CHECKS + 1))
"$HG" check --gen-suppressions=yes -- true >/dev/null 2>"$T/yes.err"; st=$?
if [ $st != 2 ] || ! grep -q 'use --gen-suppressions=all' "$T/yes.err"; then
  fail "--gen-suppressions=yes: status $st"; cat "$T/yes.err"; else say "ok    gen_yes"; fi

# The environment form: a bad file is left out with one heapguard line at start; the
# good one still counts.
HEAPGUARD_SUPPRESSIONS=$T/kind.supp:$T/mc_leak.supp hg env_bad "$P" l
HG_CHECKS=$((HG_CHECKS + 1))
if ! grep -q "^heapguard: $T/kind.supp:3: unknown error kind.*the file is left out$" "$T/env_bad.err" ||
   [ "$(grep -c heapguard: "$T/env_bad.err")" != 1 ] || ! grep -q 'suppressed: 40 bytes in 1 blocks' "$T/env_bad.log"; then
  fail "env_bad: status $st"; show env_bad; else say "ok    env_bad"; fi

finish
