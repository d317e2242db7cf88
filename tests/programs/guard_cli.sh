#!/usr/bin/env bash
# `heapguard guard` and `heapguard run --sample-rate`: the options reach the program as
# HEAPGUARD_* variables (seen by a small clean probe, unchanged by guard mode in it),
# every bad value is a usage error (status 2, one line, the program not run), the help
# and the man page document them, and end to end: a one-byte overread is reported by
# `heapguard guard` with the faulting line and exit status 99, an underflow read with
# --guard-side=before, and the same overread by `heapguard run --sample-rate=1`.
. "$(dirname "$0")/lib.sh"
need make gcc nroff
: "${HG_BUILD:=$HG_ROOT/build}"

build_cli
LIB=$(realpath "$HG_LIB_SO")
unset HEAPGUARD_LIB
no_heapguard_env

# hg NAME ARGS... — run the CLI; stdout in $T/NAME.out, stderr in $T/NAME.err, $st
hg() {
  local name=$1; shift
  { "$HG" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  st=$?
}
show() { sed 's/^/  stdout| /' "$T/$1.out" | head -n 15; sed 's/^/  stderr| /' "$T/$1.err" | head -n 15; }
check() { HG_CHECKS=$((HG_CHECKS + 1)); }
ok() { say "ok    $*"; }

cat >"$T/probe.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
extern char **environ;
int main(int argc, char **argv) {
  if (argc > 1) { FILE *f = fopen(argv[1], "w"); if (f) fclose(f); }   /* "I ran" */
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "HEAPGUARD_", 10) == 0 || strncmp(*e, "LD_PRELOAD=", 11) == 0) puts(*e);
  return 0;
}
C
PROBE=$T/probe
gcc -O1 -o "$PROBE" "$T/probe.c" || { say "FAIL: cannot build the probe"; exit 1; }

# sees NAME WANT-LINES... -- ARGS...: status 0 and the probe saw each line
sees() {
  local name=$1; shift
  local want=()
  while [ "$1" != -- ]; do want+=("$1"); shift; done
  shift
  check; hg "$name" "$@" "$PROBE"
  local line missing=""
  for line in "${want[@]}"; do grep -qxF -- "$line" "$T/$name.out" || missing+=" [$line]"; done
  if [ "$st" -ne 0 ] || [ -n "$missing" ]; then
    fail "$name: heapguard $*: status $st; the program did not see:$missing"; show "$name"
  else ok "$name"; fi
}
sees guard_env "LD_PRELOAD=$LIB" HEAPGUARD_MODE=guard -- guard
sees guard_side_after HEAPGUARD_GUARD_SIDE=after HEAPGUARD_MODE=guard -- guard --guard-side=after
sees guard_side_before HEAPGUARD_GUARD_SIDE=before -- guard --guard-side before
sees guard_align HEAPGUARD_GUARD_ALIGN=8 -- guard --guard-align=8
sees guard_check_opts HEAPGUARD_REDZONE=64 HEAPGUARD_LEAK_CHECK=no HEAPGUARD_ERROR_EXITCODE=3 \
     HEAPGUARD_QUARANTINE=1M HEAPGUARD_STACK_DEPTH=20 HEAPGUARD_LOG_FILE=x.%p -- \
     guard --redzone=64 --leak-check no --error-exitcode=3 --quarantine=1M --stack-depth 20 --log-file=x.%p --
sees run_sample HEAPGUARD_MODE=run HEAPGUARD_SAMPLE_RATE=1000 -- run --sample-rate=1000
sees run_sample_space HEAPGUARD_SAMPLE_RATE=0 -- run --sample-rate 0
sees run_sample_pool HEAPGUARD_SAMPLE_MAX=64 HEAPGUARD_SAMPLE_QUARANTINE=8 HEAPGUARD_SAMPLE_ALIGN=4 -- \
     run --sample-max=64 --sample-quarantine=8 --sample-align=4
sees run_sample_reports HEAPGUARD_LOG_FILE=x.%p HEAPGUARD_STACK_DEPTH=20 HEAPGUARD_ERROR_EXITCODE=3 \
     HEAPGUARD_GEN_SUPPRESSIONS=all -- run --log-file=x.%p --stack-depth 20 --error-exitcode=3 --gen-suppressions=all

# usage_error NAME REGEX ARGS... — status 2, nothing on stdout, one stderr line, not run
usage_error() {
  local name=$1 re=$2; shift 2
  check; rm -f "$T/$name.ran"; hg "$name" "$@" "$PROBE" "$T/$name.ran"
  if [ "$st" -ne 2 ] || [ -e "$T/$name.ran" ] || [ -s "$T/$name.out" ] ||
     [ "$(wc -l <"$T/$name.err")" -ne 1 ] || ! grep -Eq "^heapguard: .*$re" "$T/$name.err"; then
    fail "$name: heapguard $*: status $st; wanted 2, one line matching '$re', the program not run"; show "$name"
  else ok "$name: $(cat "$T/$name.err")"; fi
}
usage_error bad_side "bad value 'middle' for --guard-side: expected after or before" guard --guard-side=middle
usage_error empty_side "bad value '' for --guard-side" guard --guard-side=
usage_error bad_align "bad value '3' for --guard-align: expected 1, 2, 4, 8 or 16" guard --guard-align=3
usage_error bad_rate "bad value 'x' for --sample-rate: expected a whole number" run --sample-rate=x
usage_error bad_sample_align "bad value '3' for --sample-align: expected 1, 2, 4, 8 or 16" run --sample-align=3
usage_error neg_rate "bad value '-1' for --sample-rate" run --sample-rate=-1
usage_error rate_eats_program "bad value '[^']*/probe' for --sample-rate" run --sample-rate
usage_error side_in_check "unknown option '--guard-side' for 'check'" check --guard-side=after
usage_error run_supp_missing "$T/no.supp: cannot read the suppression file" run --suppressions="$T/no.supp"
usage_error run_gen_yes "use --gen-suppressions=all" run --gen-suppressions=yes
usage_error run_exitcode_range "bad value '256' for --error-exitcode" run --error-exitcode=256
usage_error rate_in_guard "unknown option '--sample-rate' for 'guard'" guard --sample-rate=5
usage_error bad_redzone_guard "bad value '5000' for --redzone" guard --redzone=5000

# help: the options, their defaults and variables
check; hg guard_help guard --help
text=$(tr -s ' \n' ' ' <"$T/guard_help.out")
missing=""
for o in guard-side:after:GUARD_SIDE guard-align:16:GUARD_ALIGN log-file:stderr:LOG_FILE leak-check:full:LEAK_CHECK \
         quarantine:64M:QUARANTINE redzone:16:REDZONE stack-depth:12:STACK_DEPTH \
         error-exitcode:99:ERROR_EXITCODE; do
  IFS=: read -r opt def env <<<"$o"
  grep -q -- "^  --$opt=" "$T/guard_help.out" || missing+=" --$opt"
  [[ $text == *"Default $def; sets HEAPGUARD_$env."* ]] || missing+=" (default $def, HEAPGUARD_$env)"
done
if [ "$st" -ne 0 ] || [ -n "$missing" ]; then fail "guard --help: status $st; missing:$missing"; show guard_help
else ok "guard --help documents its options"; fi
check; hg run_help run --help
missing=""
for o in sample-rate:0:SAMPLE_RATE sample-max:512:SAMPLE_MAX sample-quarantine:64:SAMPLE_QUARANTINE \
         sample-align:16:SAMPLE_ALIGN log-file:stderr:LOG_FILE stack-depth:12:STACK_DEPTH \
         error-exitcode:99:ERROR_EXITCODE suppressions:off:SUPPRESSIONS gen-suppressions:no:GEN_SUPPRESSIONS; do
  IFS=: read -r opt def env <<<"$o"
  grep -q -- "^  --$opt=" "$T/run_help.out" || missing+=" --$opt"
  tr -s ' \n' ' ' <"$T/run_help.out" | grep "Default $def; sets HEAPGUARD_$env\." >/dev/null ||
    missing+=" (default $def, HEAPGUARD_$env)"
done
if [ "$st" -ne 0 ] || [ -n "$missing" ]; then fail "run --help: status $st; missing:$missing"; show run_help
else ok "run --help documents --sample-*, --log-file, --stack-depth, --error-exitcode, --suppressions"; fi
check; hg main_help --help
if grep -Eq '^  guard ' "$T/main_help.out"; then ok "heapguard --help lists guard"
else fail "heapguard --help does not list guard"; show main_help; fi

# the man page
check
nroff -man -ww "$HG_ROOT/man/heapguard.1" 2>"$T/man.err" | sed 's/.\x08//g' | tr -s ' \n' ' ' >"$T/man.txt"
missing=""
grep -q 'heapguard guard \[--guard-side=after|before\]' "$T/man.txt" || missing+=" (synopsis)"
grep -q -- '--guard-side=after|before .*Default: after\. (HEAPGUARD_GUARD_SIDE)' "$T/man.txt" || missing+=" --guard-side"
grep -q -- '--sample-rate=n .*Default: 0\. (HEAPGUARD_SAMPLE_RATE)' "$T/man.txt" || missing+=" --sample-rate"
grep -q -- '--guard-align=1|2|4|8|16 .*Default: 16\. (HEAPGUARD_GUARD_ALIGN)' "$T/man.txt" || missing+=" --guard-align"
grep -q 'HEAPGUARD_MODE=guard' "$T/man.txt" || missing+=" HEAPGUARD_MODE=guard"
if [ -s "$T/man.err" ] || [ -n "$missing" ]; then fail "man page: missing:$missing"; sed 's/^/  nroff| /' "$T/man.err"
else ok "man page documents guard, --guard-side and --sample-rate"; fi

# ---- end to end -----------------------------------------------------------------------
cat >"$T/bug.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {   /* bug over|under SIZE */
  int n = atoi(argv[2]); char *p = malloc(n);
  for (int i = 0; i < n; i++) p[i] = 1;
  volatile char c = argv[1][0] == 'u' ? p[-1] : p[n];   /* line 6 */
  printf("%d\n", c);
  free(p);
  return 0;
}
C
gcc -g -O0 -o "$T/bug" "$T/bug.c" || { say "FAIL: cannot build the bug program"; exit 1; }
# e2e NAME STATUS REGEX ARGS...: the report (on stderr) matches REGEX, the status is STATUS
e2e() {
  local name=$1 want=$2 re=$3; shift 3
  check; hg "$name" "$@"
  if [ "$st" -ne "$want" ] || ! grep -Eq -- "$re" "$T/$name.err" || ! grep -q 'bug\.c:6)' "$T/$name.err"; then
    fail "$name: heapguard $*: status $st (wanted $want), report matching '$re' and bug.c:6"; show "$name"
  else ok "$name: $(grep -m 1 ERROR: "$T/$name.err")"; fi
}
e2e guard_overread 99 'ERROR: heap-buffer-overflow: READ past the end of a 112-byte block' guard "$T/bug" over 112
e2e guard_align8 99 'ERROR: heap-buffer-overflow: READ past the end of a 104-byte block' \
    guard --guard-align=8 "$T/bug" over 104
e2e guard_align1 99 'ERROR: heap-buffer-overflow: READ past the end of a 100-byte block' \
    guard --guard-align=1 "$T/bug" over 100
e2e guard_exitcode 7 'ERROR: heap-buffer-overflow' guard --error-exitcode=7 "$T/bug" over 16
e2e guard_before 99 'ERROR: heap-buffer-underflow: READ before the start of a 100-byte block' \
    guard --guard-side=before "$T/bug" under 100
e2e sampled_overread 99 'ERROR: heap-buffer-overflow: READ past the end of a 112-byte block' \
    run --sample-rate=1 "$T/bug" over 112
e2e sampled_exitcode 7 'ERROR: heap-buffer-overflow: READ past the end of a 112-byte block' \
    run --sample-rate=1 --error-exitcode=7 "$T/bug" over 112
# sampled mode's report in --log-file, not on stderr; with --stack-depth=0, no stacks
check; hg sampled_log run --sample-rate=1 --log-file="$T/sampled.log" --stack-depth=0 "$T/bug" over 112
if [ "$st" -ne 99 ] || grep -q 'ERROR:' "$T/sampled_log.err" ||
   ! grep -q 'ERROR: heap-buffer-overflow' "$T/sampled.log" || grep -q 'bug\.c' "$T/sampled.log" ||
   [ "$(grep -c '(no stack recorded)' "$T/sampled.log")" -ne 2 ]; then
  fail "sampled_log: status $st (wanted 99), the report in $T/sampled.log only, no stacks"
  show sampled_log; sed 's/^/  log| /' "$T/sampled.log"
else ok "sampled_log: the report in --log-file, no stacks"; fi
e2e sampled_align8 99 'ERROR: heap-buffer-overflow: READ past the end of a 104-byte block' \
    run --sample-rate=1 --sample-align=8 "$T/bug" over 104
# sampled mode's default alignment, 16 (glibc's): a 104-byte block ends 8 bytes before
check; hg sampled_align16 run --sample-rate=1 "$T/bug" over 104
if [ "$st" -ne 0 ] || grep -q 'ERROR: heap' "$T/sampled_align16.err"; then
  fail "sampled_align16: the 1-byte overread of malloc(104) is in the slack (alignment 16): no fault expected"; show sampled_align16
else ok "sampled_align16: a sampled malloc(104) is 16-byte aligned, its overread in the slack"; fi
# guard mode's default alignment, 16 (glibc's): a 104-byte block ends 8 bytes before
# the guard page, and a read there changes nothing that free could see
check; hg guard_align16 guard "$T/bug" over 104
if [ "$st" -ne 0 ] || grep -q 'ERROR: heap' "$T/guard_align16.err"; then
  fail "guard_align16: the 1-byte overread of malloc(104) is in the slack (alignment 16): no fault expected"; show guard_align16
else ok "guard_align16: malloc(104) is 16-byte aligned, its overread in the slack"; fi
# with the error exit code 0 the program dies by the signal, as without heapguard
check; hg guard_exit0 guard --error-exitcode=0 "$T/bug" over 112
if [ "$st" -ne 139 ] || ! grep -q 'ERROR: heap-buffer-overflow' "$T/guard_exit0.err"; then
  fail "guard_exit0: status $(status_desc "$st"), wanted 139 (SIGSEGV) after the report"; show guard_exit0
else ok "guard --error-exitcode=0: reported, then killed by SIGSEGV"; fi

finish
