#!/usr/bin/env bash
# A plugin dlopen'ed with RTLD_DEEPBIND (Debian's php-cli loads every extension so).
# Such a library looked malloc and free up in its own dependencies first: glibc's.  A
# block the plugin allocated and the host freed went to heapguard's free (an invalid
# free), one the host allocated and the plugin freed to glibc's (which crashed in
# _int_free), and check mode did not see the plugin's blocks; php -r 'echo 1;' died of
# SIGSEGV at start in every mode (docs/real-programs.md, round 6).  heapguard's dlopen
# clears the flag (src/dlopen.c).  In every mode, blocks cross both ways, the plugin's
# malloc is the host's, and check mode reports the plugin's leak with its frame.
# The host names the plugin bare: dlopen finds it only through the host's RUNPATH, which
# glibc's dlopen reads from its caller's object, so the wrapper must leave the host as
# the caller (a tail jump): "cannot open shared object file" otherwise.
. "$(dirname "$0")/lib.sh"
need gcc
assert_preload_works
unset HEAPGUARD_MODE HEAPGUARD_LOG_FILE HEAPGUARD_SAMPLE_RATE HEAPGUARD_SAMPLE_BUDGET HEAPGUARD_ERROR_EXITCODE
SRC=$HG_ROOT/tests/programs/deepbind
mkdir -p "$T/plugins"
build plugin gcc -O1 -g -fPIC -shared -o "$T/plugins/libhgplugin.so" "$SRC/plugin.c"
build host gcc -O1 -g -o "$T/host" "$SRC/host.c" -ldl -Wl,--enable-new-dtags,-rpath,'$ORIGIN/plugins'
readelf -d "$T/host" | grep -q 'RUNPATH.*\$ORIGIN/plugins' || { fail "the host has no RUNPATH"; finish; }

for m in run check guard sampled; do
  case $m in
    run) envs=() ;;
    check) envs=(HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=full) ;;
    guard) envs=(HEAPGUARD_MODE=guard) ;;
    sampled) envs=(HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_BUDGET=0) ;;
  esac
  mkdir -p "$T/logs-$m"
  run_both "deepbind-$m" env "${envs[@]}" HEAPGUARD_ERROR_EXITCODE=0 HEAPGUARD_LOG_FILE="$T/logs-$m/%p.log" \
    "$T/host" libhgplugin.so
  HG_CHECKS=$((HG_CHECKS + 1))
  if ! grep -q "is the host's: 1" "$T/deepbind-$m.hg.out"; then
    fail "$m: the plugin's malloc is not the host's: $(head -n 3 "$T/deepbind-$m.hg.out" | tr '\n' ' ')"
  elif bad=$(cat "$T/logs-$m"/*.log 2>/dev/null | grep -a '== ERROR: ' | grep -av 'memory-leak'); [ -n "$bad" ]; then
    fail "$m: heapguard reported: $bad"
  elif [ $m = check ] && ! grep -aA4 'ERROR: memory-leak: 4321 bytes in 1 blocks are definitely lost' "$T/logs-$m"/*.log \
         | grep -q 'plugin_leak (plugin\.c:'; then
    fail "check: the plugin's leak (4321 bytes, plugin_leak) is not reported"
    cat "$T/logs-$m"/*.log | sed 's/^/  | /' | head -n 30
  else
    say "ok    $m"
  fi
done

# Debian's php-cli, the program that found it: its extensions (pdo, ...) are loaded with
# RTLD_DEEPBIND and free blocks made by the interpreter at start.
if command -v php >/dev/null 2>&1; then
  run_both php-run php -r '$a = []; for ($i = 0; $i < 20000; $i++) $a["k$i"] = str_repeat("x", $i % 50); echo count($a), " ", strlen(json_encode($a)), "\n";'
  mkdir -p "$T/logs-php"
  run_both php-check env HEAPGUARD_MODE=check HEAPGUARD_ERROR_EXITCODE=0 HEAPGUARD_LOG_FILE="$T/logs-php/%p.log" \
    php -r 'echo implode(",", array_map("strrev", ["ab", "cd"])), "\n";'
  HG_CHECKS=$((HG_CHECKS + 1))
  bad=$(cat "$T/logs-php"/*.log 2>/dev/null | grep -a '== ERROR: ' | grep -av 'memory-leak')
  [ -z "$bad" ] || fail "php, check mode: heapguard reported: $bad"
else
  say "no php: its part skipped"
fi
finish
