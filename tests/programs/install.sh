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
echo "install, pkg-config, shared and static linking, man page, uninstall: ok"
