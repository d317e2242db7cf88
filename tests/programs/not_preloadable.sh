#!/usr/bin/env bash
# A program LD_PRELOAD cannot put the library into (statically linked, static-pie, a
# script whose interpreter is static, set-user-ID or set-group-ID run by another user)
# would run unchecked, with its own allocator: `heapguard check|guard|stats|trace` and
# `run --sample-rate` say so on stderr, in one line, and do not run it (status 126);
# plain `run` says so and runs it (its own status).  What LD_PRELOAD does reach is run
# without a word: a dynamic program, ld.so started by hand, a statically linked program
# with libheapguard.a linked in, a set-user-ID program made harmless (its owner runs it;
# no_new_privs).  Before this was checked, `check` ran a static program silently and
# passed on its status (3 here).
. "$(dirname "$0")/lib.sh"
: "${HG_LIB_A:=$(dirname "$HG_LIB_SO")/libheapguard.a}"
need gcc readelf
build_cli
unset HEAPGUARD_LIB
no_heapguard_env

# The program: creates the file named by its argument ("it ran"), exits 3.  It calls
# malloc itself, so that a static link takes malloc from libheapguard.a given before
# libc.a (libc's own calls come later).
cat >"$T/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  FILE *f = argc > 1 ? fopen(argv[1], "w") : NULL;
  if (f) fclose(f);
  void *volatile p = malloc(10);
  free(p);
  return 3;
}
C
gcc -O1 -o "$T/dynamic" "$T/prog.c" || { say "FAIL: cannot build the program"; exit 1; }
if ! gcc -static -O1 -o "$T/static" "$T/prog.c" 2>"$T/static.build"; then
  say "cannot link statically (no libc.a?):"; sed 's/^/  | /' "$T/static.build" | head -n 3
  exit 77
fi
printf '#!%s\n' "$T/static" >"$T/script" && chmod +x "$T/script"
# a nested one: the kernel follows the chain of interpreters
printf '#!%s\n' "$T/script" >"$T/script2" && chmod +x "$T/script2"
gcc -O1 -o "$T/with_hg" "$T/prog.c" "$HG_LIB_A" -static -pthread 2>/dev/null ||
  say "(cannot link libheapguard.a statically: that case is not checked)"
gcc -O1 -static-pie -o "$T/static_pie" "$T/prog.c" 2>/dev/null ||
  say "(no -static-pie here: that case is not checked)"

check() { HG_CHECKS=$((HG_CHECKS + 1)); }
# hg NAME ARGS... PROGRAM — run the CLI on PROGRAM with a fresh "ran" file argument
hg() {
  local name=$1; shift
  rm -f "$T/$name.ran"
  { "$HG" "$@" "$T/$name.ran" </dev/null >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  st=$?
}
show() { sed 's/^/  stderr| /' "$T/$1.err" | head -n 5; }

# refused NAME REGEX ARGS... PROGRAM — status 126, not run, stdout empty, one stderr
# line "heapguard: cannot ...: <REGEX> ...; the program was not run"
refused() {
  local name=$1 re=$2; shift 2
  check; hg "$name" "$@"
  if [ "$st" -ne 126 ] || [ -e "$T/$name.ran" ] || [ -s "$T/$name.out" ] ||
     [ "$(wc -l <"$T/$name.err")" -ne 1 ] ||
     ! grep -Eq "^heapguard: cannot [a-z ]+ .*: $re.*cannot be preloaded.*the program was not run\$" "$T/$name.err"; then
    fail "$name: heapguard $*: status $(status_desc "$st"), ran: $([ -e "$T/$name.ran" ] && echo yes || echo no); wanted 126, not run, one line saying '$re'"
    show "$name"
  else say "ok    $name: $(cat "$T/$name.err")"; fi
}
# warned NAME REGEX ARGS... PROGRAM — run (its status 3: heapguard never exits so), and
# one warning line
warned() {
  local name=$1 re=$2; shift 2
  check; hg "$name" "$@"
  if [ "$st" -ne 3 ] || [ "$(wc -l <"$T/$name.err")" -ne 1 ] ||
     ! grep -Eq "^heapguard: warning: .* runs without heapguard: $re.*cannot be preloaded" "$T/$name.err"; then
    fail "$name: heapguard $*: status $(status_desc "$st"); wanted 3, the program run, one warning saying '$re'"
    show "$name"
  else say "ok    $name: $(cat "$T/$name.err")"; fi
}
# silent NAME ARGS... PROGRAM — run with its status 3, and no "heapguard:" line
silent() {
  local name=$1; shift
  check; hg "$name" "$@"
  if [ "$st" -ne 3 ] || grep -q '^heapguard: ' "$T/$name.err"; then
    fail "$name: heapguard $*: status $(status_desc "$st"); wanted 3, the program run, no heapguard: line"
    show "$name"
  else say "ok    $name"; fi
}

static_re='it is statically linked'
for cmd in check guard stats trace; do
  refused "static_$cmd" "$static_re" "$cmd" "$T/static"
done
refused static_sample "$static_re" run --sample-rate=10 "$T/static"
HEAPGUARD_SAMPLE_RATE=10 refused static_sample_env "$static_re" run "$T/static"
warned static_run "$static_re" run "$T/static"
HEAPGUARD_SAMPLE_RATE=0 warned static_sample_0 "$static_re" run "$T/static"
refused script_check "its interpreter $T/static is statically linked" check "$T/script"
refused script2_check "its interpreter $T/script, whose interpreter $T/static is statically linked" \
  check "$T/script2"
# found in PATH, as the program is run
PATH=$T:$PATH refused path_check "$static_re" check static
[ -x "$T/static_pie" ] && refused static_pie_check "$static_re" check "$T/static_pie"

silent dynamic_check check "$T/dynamic"
silent dynamic_stats stats "$T/dynamic"
silent dynamic_sample run --sample-rate=10 "$T/dynamic"
interp=$(readelf -lW "$T/dynamic" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] && silent ldso_check check "$interp" "$T/dynamic"
if [ -x "$T/with_hg" ]; then
  silent with_hg_stats stats "$T/with_hg"
  check
  grep -q 'requested (live blocks)' "$T/with_hg_stats.err" ||
    fail "with_hg_stats: libheapguard.a linked statically into the program printed no stats table"
fi

# Set-user-ID and set-group-ID: root makes copies owned by nobody.
if [ "$(id -u)" = 0 ]; then
  cp "$T/dynamic" "$T/suid" && chown 65534 "$T/suid" && chmod 4755 "$T/suid"
  cp "$T/dynamic" "$T/sgid" && chgrp 65534 "$T/sgid" && chmod 2755 "$T/sgid"
  cp "$T/dynamic" "$T/suid_root" && chmod 4755 "$T/suid_root"
  if findmnt -n -o OPTIONS -T "$T" 2>/dev/null | grep -qw nosuid; then
    say "(the test directory is on a nosuid file system: the set-ID cases are not checked)"
  else
    refused suid_check 'it is set-user-ID \(it runs as user 65534\)' check "$T/suid"
    warned suid_run 'it is set-user-ID' run "$T/suid"
    refused sgid_check 'it is set-group-ID \(it runs as group 65534\)' check "$T/sgid"
    # root running a set-user-ID root program gains nothing: no secure mode
    silent suid_root_check check "$T/suid_root"
    if command -v setpriv >/dev/null; then
      # no_new_privs: the kernel ignores the set-ID bits, so LD_PRELOAD works
      check; rm -f "$T/nnp.ran"
      setpriv --no-new-privs "$HG" check "$T/suid" "$T/nnp.ran" >"$T/nnp.out" 2>"$T/nnp.err"; st=$?
      if [ "$st" -ne 3 ] || grep -q '^heapguard: ' "$T/nnp.err"; then
        fail "nnp: with no_new_privs the set-user-ID program should run checked: status $st"; show nnp
      else say "ok    nnp"; fi
    fi
  fi
else
  say "(not root: the set-ID cases are not checked)"
fi
finish
