#!/usr/bin/env bash
# Each process's report in a log file (--log-file) starts with its command line and its
# parent's pid ("==PID== Command: ...", "==PID== Parent PID: N"), as Valgrind's preamble:
# a script's commands, each with its own log, would otherwise be pids with no program.
# tests/programs/valgrind_options/leaky.c overflows a block ("bugs").  Checks:
#   * --log-file with %p, a shell running the program and a subshell (a fork that does not
#     exec): one log per process, each starting with the two lines; the program's command
#     line as run, with its arguments (one holding a space, one a newline: shown as '?');
#     its Parent PID the shell's; the subshell's command the shell's, its parent the shell;
#   * one shared log (no %p): one header per process, each before that process's lines;
#   * on stderr (no log file), and with -q: no header.
. "$(dirname "$0")/lib.sh"
need gcc sh
no_heapguard_env
build_cli
build leaky gcc -O0 -g -o "$T/leaky" "$HG_ROOT/tests/programs/valgrind_options/leaky.c"
LOGS=$T/logs
script="(true); \"$T/leaky\" bugs 'a b' 'x
y'; true"

rm -rf "$LOGS" && mkdir -p "$LOGS"
"$HG" check --log-file="$LOGS/%p.log" -- sh -c "$script" >"$T/out" 2>"$T/err"
# pid -> first two lines of its log
declare -A cmd parent
for f in "$LOGS"/*.log; do
  p=$(basename "$f" .log)
  cmd[$p]=$(sed -n "1s/^==$p== Command: //p" "$f")
  parent[$p]=$(sed -n "2s/^==$p== Parent PID: //p" "$f")
done
shell=; prog=; sub=
for p in "${!cmd[@]}"; do   # the shell's parent wrote no log: it ran heapguard
  case ${cmd[$p]} in "sh -c "*) [ -z "${cmd[${parent[$p]}]:-}" ] && shell=$p ;; esac
done
for p in "${!cmd[@]}"; do
  case ${cmd[$p]} in
    "$T/leaky bugs a b x?y") prog=$p ;;
    "sh -c "*) [ "$p" != "$shell" ] && sub=$p ;;
  esac
done
HG_CHECKS=$((HG_CHECKS + 1))
logs=$(ls "$LOGS" | wc -l)
if [ "$logs" = 3 ] && [ -n "$prog" ] && [ -n "$shell" ] && [ -n "$sub" ] && [ "${parent[$prog]}" = "$shell" ] &&
   [ "${parent[$sub]}" = "$shell" ] && grep -q 'ERROR: heap-buffer-overflow' "$LOGS/$prog.log"; then
  say "ok: three logs, each with its command and parent (program $prog, shell $shell, subshell $sub)"
else
  fail "logs: $logs (wanted 3: the shell, its subshell, the program), program '${prog:-none}', shell '${shell:-none}', subshell '${sub:-none}'"
  for f in "$LOGS"/*.log; do say "  --- $f"; head -n 3 "$f" | sed 's/^/  | /'; done
fi

# one shared log: a header per process, each before that process's first line
"$HG" check --log-file="$T/shared.log" -- sh -c "$script" >"$T/out" 2>"$T/err"
got=$(awk '{ pid = $1 } / Command: / { if (seen[pid]++) dup++; head[pid] = 1; next }
           / Parent PID: / { next } !(pid in head) { early++ } END { print length(seen), dup + 0, early + 0 }' "$T/shared.log")
HG_CHECKS=$((HG_CHECKS + 1))
if [ "$got" = "3 0 0" ]; then say "ok: shared log: 3 headers, each before its process's lines"
else fail "shared log: processes with a header, duplicates, lines before their header: $got (wanted 3 0 0)"; sed 's/^/  | /' "$T/shared.log" | head -n 20; fi

for how in stderr quiet; do
  if [ $how = stderr ]; then "$HG" check -- "$T/leaky" bugs >"$T/out" 2>"$T/$how.log"
  else "$HG" check -q --log-file="$T/$how.log" -- "$T/leaky" bugs >"$T/out" 2>"$T/err"; fi
  HG_CHECKS=$((HG_CHECKS + 1))
  if grep -q 'ERROR: heap-buffer-overflow' "$T/$how.log" && ! grep -q ' Command: \| Parent PID: ' "$T/$how.log"; then
    say "ok: $how: the report, no header"
  else fail "$how: wanted the report and no header"; head -n 5 "$T/$how.log" | sed 's/^/  | /'; fi
done
finish
