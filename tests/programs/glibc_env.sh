#!/usr/bin/env bash
# glibc's malloc settings from the environment (src/options.c): MALLOC_MMAP_THRESHOLD_,
# MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_, MALLOC_MMAP_MAX_ and their GLIBC_TUNABLES names
# (glibc.malloc.*) tune heapguard as they tune glibc.  glibc_env/tune.c prints how many of
# three 200,000-byte blocks got mappings of their own, and whether one more does after
# they are freed (not while the mmap threshold is dynamic: setting any of the four fixes
# it).  Checks, each run under glibc's malloc and preloaded, the two outputs compared
# with each other and with what glibc's documentation says:
#   * the default; each of the four by its environment name and as a tunable, in decimal
#     and in 0x hexadecimal; tunables of glibc's own design (arena_max, tcache) and other
#     namespaces beside one of ours; MALLOC_ARENA_MAX alone changes nothing;
#   * the tunable wins over the environment name, in either order;
#   * a HEAPGUARD_ variable wins over glibc's (preloaded run only);
#   * nothing is printed on stderr (glibc's variables are not heapguard's to complain
#     about), a value that is not a number included.
# (A setuid program reads none of them: hg_options_init returns before reading the
# environment at all under AT_SECURE; programs/secure.sh.)
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build tune gcc -O2 -o "$T/tune" "$HG_ROOT/tests/programs/glibc_env/tune.c"

# same WANT ENV...: glibc and heapguard both print WANT ("mapped N again N") under ENV
same() {
  local want=$1; shift
  local g h
  g=$(env "$@" "$T/tune" 2>"$T/glibc.err" | tr '\n' ' ')
  h=$(env "$@" LD_PRELOAD="$HG_LIB_SO" "$T/tune" 2>"$T/hg.err" | tr '\n' ' ')
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$g" = "$want " ] && [ "$h" = "$want " ] && [ ! -s "$T/hg.err" ]; then say "ok: $* -> $want"
  else fail "$*: glibc '$g', heapguard '$h' (stderr: $(head -c 200 "$T/hg.err")), wanted '$want'"; fi
}
same "mapped 3 again 0"
same "mapped 0 again 0" MALLOC_MMAP_THRESHOLD_=262144
same "mapped 0 again 0" GLIBC_TUNABLES=glibc.malloc.mmap_threshold=262144
same "mapped 0 again 0" GLIBC_TUNABLES=glibc.malloc.mmap_threshold=0x40000
same "mapped 3 again 1" MALLOC_TRIM_THRESHOLD_=67108864
same "mapped 3 again 1" GLIBC_TUNABLES=glibc.malloc.trim_threshold=1000000
same "mapped 3 again 1" MALLOC_TOP_PAD_=131072
same "mapped 3 again 1" GLIBC_TUNABLES=glibc.malloc.top_pad=0x20000
same "mapped 0 again 0" MALLOC_MMAP_MAX_=0
same "mapped 0 again 0" GLIBC_TUNABLES=glibc.malloc.mmap_max=0
same "mapped 0 again 0" GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=262144:glibc.rtld.nns=2
same "mapped 3 again 0" GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.arena_max=1
same "mapped 3 again 0" MALLOC_ARENA_MAX=1
same "mapped 0 again 0" MALLOC_MMAP_THRESHOLD_=65536 GLIBC_TUNABLES=glibc.malloc.mmap_threshold=262144
same "mapped 0 again 0" GLIBC_TUNABLES=glibc.malloc.mmap_threshold=262144 MALLOC_MMAP_THRESHOLD_=65536

# heapguard's own variable wins; a value that is not a number is ignored, silently
got=$(env MALLOC_MMAP_THRESHOLD_=262144 HEAPGUARD_MMAP_THRESHOLD=65536 LD_PRELOAD="$HG_LIB_SO" "$T/tune" 2>"$T/hg.err" | tr '\n' ' ')
HG_CHECKS=$((HG_CHECKS + 1))
if [ "$got" = "mapped 3 again 1 " ] && [ ! -s "$T/hg.err" ]; then say "ok: HEAPGUARD_MMAP_THRESHOLD wins: $got"
else fail "HEAPGUARD_MMAP_THRESHOLD=65536 over MALLOC_MMAP_THRESHOLD_=262144: '$got', wanted 'mapped 3 again 1 '"; fi
for bad in MALLOC_MMAP_THRESHOLD_=lots GLIBC_TUNABLES=glibc.malloc.mmap_threshold=0x GLIBC_TUNABLES=glibc.malloc.mmap_threshold; do
  got=$(env "$bad" LD_PRELOAD="$HG_LIB_SO" "$T/tune" 2>"$T/hg.err" | tr '\n' ' ')
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$got" = "mapped 3 again 0 " ] && [ ! -s "$T/hg.err" ]; then say "ok: $bad ignored, silently"
  else fail "$bad: '$got' (stderr: $(head -c 200 "$T/hg.err")), wanted 'mapped 3 again 0 ' and nothing on stderr"; fi
done
finish
