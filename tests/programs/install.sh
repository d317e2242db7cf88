#!/usr/bin/env bash
# make install PREFIX=...: library, header, pkg-config file and man page land where a
# user expects them, and a program built with `pkg-config --cflags --libs heapguard`
# (shared) or against the installed libheapguard.a (static) runs on heapguard.
set -u
. "$(dirname "$0")/lib.sh"
need pkg-config gcc make
dir=$HG_TEST_OUT/install
rm -rf "$dir" && mkdir -p "$dir"
prefix=$dir/prefix
make -s -C "$HG_ROOT" install PREFIX="$prefix" >"$dir/install.log" 2>&1 || { cat "$dir/install.log"; exit 1; }
for f in lib/libheapguard.so lib/libheapguard.a include/heapguard.h lib/pkgconfig/heapguard.pc \
         share/man/man3/heapguard.3; do
  [ -f "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
cat >"$dir/prog.c" <<'C'
#include <heapguard.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  char *p = malloc(1000);
  struct hg_stats st;
  if (!p || hg_stats_get(&st, sizeof st) != 0) return 1;
  /* the block is accounted by heapguard, so heapguard served this malloc */
  printf("%s %s\n", hg_version(), st.in_use >= 1000 ? "in-use-counted" : "NOT-COUNTED");
  free(p);
  char *d = strdup("libc's own mallocs come here too");
  printf("%zu\n", malloc_usable_size(d) >= strlen(d) + 1 ? (size_t)1 : (size_t)0);
  free(d);
  return 0;
}
C
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
gcc -o "$dir/shared" "$dir/prog.c" $(pkg-config --cflags --libs heapguard) -include malloc.h || exit 1
gcc -o "$dir/static" "$dir/prog.c" -I"$prefix/include" "$prefix/lib/libheapguard.a" -pthread -include malloc.h || exit 1
want="$(sed -n 's/^#define HEAPGUARD_VERSION "\(.*\)"/\1/p' "$prefix/include/heapguard.h") in-use-counted
1"
for v in shared static; do
  got=$(LD_LIBRARY_PATH=$prefix/lib "$dir/$v") || { echo "$v: exit $?"; exit 1; }
  [ "$got" = "$want" ] || { echo "$v printed: $got (wanted: $want)"; exit 1; }
done
# A program that names no function of heapguard's (its allocations are libc's own:
# strdup, fopen): the static library's members come in only for a symbol the link
# needs, so it got glibc's malloc, silently.  pkg-config's flags and the README's
# static link line name malloc (-Wl,-u,malloc): heapguard's, as check mode's summary
# at exit shows; and under --as-needed (gcc's default here) the shared link dropped the
# library: pkg-config's flags keep it (--no-as-needed around it).
cat >"$dir/nomalloc.c" <<'C'
#include <stdio.h>
#include <string.h>
static char *keep;   /* still reachable: no leak for check mode to fail */
int main(void) {
  keep = strdup("no malloc named here");
  printf("%zu\n", strlen(keep));
  return 0;
}
C
static_flags=$(sed -n 's|^gcc -o prog prog.c \(.*\)/path/to/heapguard/build/libheapguard.a \(.*\)  # static$|\1 LIB \2|p' "$HG_ROOT/README.md")
[ -n "$static_flags" ] || { echo "no static link line in README.md"; exit 1; }
# shellcheck disable=SC2046,SC2086
gcc -o "$dir/nomalloc-shared" "$dir/nomalloc.c" -Wl,--as-needed $(pkg-config --libs heapguard) || exit 1
# shellcheck disable=SC2086
gcc -o "$dir/nomalloc-static" "$dir/nomalloc.c" ${static_flags/LIB/$prefix/lib/libheapguard.a} || exit 1
for v in shared static; do
  out=$(HEAPGUARD_MODE=check LD_LIBRARY_PATH=$prefix/lib "$dir/nomalloc-$v" 2>&1) || { echo "nomalloc-$v: exit $?"; exit 1; }
  grep -q 'ERROR SUMMARY' <<<"$out" || { echo "nomalloc-$v: glibc's malloc, not heapguard's (no check mode summary): $out"; exit 1; }
done
ldd "$dir/shared" 2>/dev/null | grep -F "$prefix/lib/libheapguard.so" >/dev/null ||
  LD_LIBRARY_PATH=$prefix/lib ldd "$dir/shared" | grep -F "$prefix/lib/libheapguard.so" >/dev/null ||
  { echo "shared program does not load the installed library"; exit 1; }
# nroff rather than man: minimised Debian images replace man with a stub
if command -v nroff >/dev/null; then
  nroff -man "$prefix/share/man/man3/heapguard.3" 2>&1 | sed 's/.\x08//g' | grep HEAPGUARD_MMAP_THRESHOLD >/dev/null ||
    { echo "the man page does not render"; exit 1; }
fi
make -s -C "$HG_ROOT" uninstall PREFIX="$prefix" >/dev/null || exit 1
[ -z "$(find "$prefix" -type f)" ] || { echo "uninstall left files:"; find "$prefix" -type f; exit 1; }
echo "install, pkg-config, shared and static linking (a program naming no malloc too), man page, uninstall: ok"
