#!/usr/bin/env bash
# Other allocation-using programs preloaded: awk (word frequencies in associative
# arrays), tar+gzip of a generated tree (archive and extraction checksums), find+xargs,
# grep -E over a generated ~13 MB file, gcc -O2 (cc1 and as run preloaded; the compiled
# program's output and the assembly are compared), and bash with big arrays.
. "$(dirname "$0")/lib.sh"
need awk tar gzip find xargs grep gcc sha256sum
AWK=$(command -v gawk || command -v awk)
say "awk: $AWK; $(tar --version | head -n 1); $(gcc --version | head -n 1)"
assert_preload_works

# ---- generated text: ~13 MB of words with a Zipf-ish distribution ----------------
"$AWK" 'BEGIN {
  x = 271828; srand(1)
  split("the of and to in is was for on that with as by at from his it an were are which this be or had not but have their its one first new also after two who they been has her other more time into all", common, " ")
  syl[0] = "ka"; syl[1] = "lo"; syl[2] = "mi"; syl[3] = "re"; syl[4] = "tu"; syl[5] = "zan"; syl[6] = "qui"; syl[7] = "ph"; syl[8] = "ost"; syl[9] = "el"
  for (n = 0; n < 200000; n++) {
    line = ""
    for (k = 0; k < 8 + n % 7; k++) {
      x = (x * 16807) % 2147483647
      if (x % 3) w = common[1 + (x % 997) % 48]
      else { w = ""; y = x; do { w = w syl[y % 10]; y = int(y / 10) } while (y % 4); if (x % 11 == 0) w = toupper(substr(w, 1, 1)) substr(w, 2) }
      line = line (k ? " " : "") w
    }
    if (n % 97 == 0) line = line sprintf(" id=%d-%x mail%d@host%d.example.org", n, x, n % 1000, x % 50)
    print line
  }
}' >"$T/text.txt" || { echo "generating the text failed"; exit 1; }
say "text: $(wc -l <"$T/text.txt") lines, $(wc -c <"$T/text.txt") bytes"

# ---- awk ------------------------------------------------------------------------------
run_both awk-wordfreq "$AWK" '{ for (i = 1; i <= NF; i++) { c[tolower($i)]++; len[length($i)]++ } }
  END { for (w in c) print c[w], w | "sort -k1,1nr -k2,2 | head -n 200"; close("sort -k1,1nr -k2,2 | head -n 200")
        for (l = 1; l <= 60; l++) if (l in len) printf "len %d: %d\n", l, len[l]; print "distinct", length(c) }' "$T/text.txt"
run_both awk-strings "$AWK" '{ line[NR] = $0; all = all substr($0, 1, 3) }
  NR % 1000 == 0 { delete line; n = split(all, parts, "e"); tot += n; all = "" }
  END { print NR, tot, length(all) }' "$T/text.txt"
if [ "$AWK" != "$(command -v mawk 2>/dev/null)" ] && command -v mawk >/dev/null 2>&1; then
  run_both mawk-wordfreq bash -c 'mawk "{ for (i = 1; i <= NF; i++) c[\$i]++ } END { for (w in c) if (c[w] > 100) print c[w], w }" "$0" | sort' "$T/text.txt"
fi

# ---- a directory tree: tar czf, tar xzf, find, xargs -------------------------------
"$AWK" -v root="$T/tree" 'BEGIN {
  x = 31337
  for (d = 0; d < 60; d++) {
    dir = sprintf("%s/d%02d/e%d/f%d", root, d, d % 7, d % 3)
    system("mkdir -p " dir)
    for (f = 0; f < 25; f++) {
      x = (x * 16807) % 2147483647
      file = sprintf("%s/file%03d.%s", dir, f, (x % 4 ? "txt" : "dat"))
      lines = x % 200
      for (l = 0; l < lines; l++) printf "%s line %d %x %s\n", file, l, x + l * 7919, (l % 5 ? "" : "MARKER") > file
      close(file)
    }
  }
}' || { echo "generating the tree failed"; exit 1; }
find "$T/tree" -exec touch -d '2020-01-02 03:04:05 UTC' {} +
say "tree: $(find "$T/tree" -type f | wc -l) files, $(du -sk "$T/tree" | cut -f1) KiB"

TARFLAGS=(--sort=name --mtime=@1577934245 --owner=0 --group=0 --numeric-owner --format=gnu)
# tar runs gzip itself; gzip stores no name or time for a pipe, so the archive is exact
run_both tar-create bash -c 'tar -C "$0" "${@:1}" -czf "$0/tree.$HG_VARIANT.tgz" tree &&
  sha256sum <"$0/tree.$HG_VARIANT.tgz" && tar -tvzf "$0/tree.$HG_VARIANT.tgz" | sha256sum' "$T" "${TARFLAGS[@]}"
if [ -f "$T/tree.hg.tgz" ]; then
  run_both tar-extract bash -c 'd=$TMPDIR/x.$HG_VARIANT; rm -rf "$d"; mkdir -p "$d" && tar -C "$d" -xzf "$0" &&
    cd "$d/tree" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum && find . | sort | sha256sum' "$T/tree.hg.tgz"
fi
# the extracted tree is the original tree
run_both tree-sums bash -c 'cd "$0" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum && find . | sort | sha256sum' "$T/tree"
if [ -f "$T/tar-extract.hg.out" ] && ! cmp -s "$T/tree-sums.glibc.out" "$T/tar-extract.hg.out"; then
  fail "the tree extracted under heapguard differs from the original"
fi
run_both find-xargs bash -c 'cd "$0" && find . -name "*.txt" -size +2k -print0 | sort -z | xargs -0 -n 40 -P 2 grep -c MARKER | sort' "$T/tree"
run_both find-exec  bash -c 'cd "$0" && find . -type d -printf "%d %p\n" | sort && find . -name "*.dat" -size +1k -printf "%s %p\n" | sort -k2 &&
  find . -type f -exec wc -l {} + | sort -k2' "$T/tree"

# ---- grep -E -----------------------------------------------------------------------
run_both grep-count grep -E -c '(ka|lo)+mi(re)?|^the .* (was|were) [a-z]{3,}$' "$T/text.txt"
run_both grep-only  bash -c 'grep -E -o "[A-Z][a-z]*(zan|qui)[a-z]*|mail[0-9]+@host[0-9]+\.example\.org" "$0" | sort | uniq -c | sort -k1,1nr -k2 | head -n 100' "$T/text.txt"
run_both grep-many  grep -E -n -i -w -e 'kalomi' -e 'ostel' -e 'id=[0-9]+-[0-9a-f]{4,}' -e 'zan(ka|lo){2,}' "$T/text.txt"
run_both grep-fixed bash -c 'grep -o -E "\b[a-z]{9,}\b" "$0" | sort -u | head -n 3000 >"$TMPDIR/pats.$HG_VARIANT" && grep -F -c -f "$TMPDIR/pats.$HG_VARIANT" "$0"' "$T/text.txt"

# ---- gcc -O2 ------------------------------------------------------------------------
cat >"$T/prog.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
struct node { struct node *l, *r; uint64_t key; int height; char name[24]; };
static int h(struct node *n) { return n ? n->height : 0; }
static void fix(struct node *n) { int a = h(n->l), b = h(n->r); n->height = (a > b ? a : b) + 1; }
static struct node *rot_r(struct node *n) { struct node *l = n->l; n->l = l->r; l->r = n; fix(n); fix(l); return l; }
static struct node *rot_l(struct node *n) { struct node *r = n->r; n->r = r->l; r->l = n; fix(n); fix(r); return r; }
static struct node *ins(struct node *n, uint64_t k) {
  if (!n) { n = calloc(1, sizeof *n); n->key = k; n->height = 1; snprintf(n->name, sizeof n->name, "k%llu", (unsigned long long)k); return n; }
  if (k < n->key) n->l = ins(n->l, k); else if (k > n->key) n->r = ins(n->r, k); else return n;
  fix(n);
  int bal = h(n->l) - h(n->r);
  if (bal > 1) { if (k > n->l->key) n->l = rot_l(n->l); return rot_r(n); }
  if (bal < -1) { if (k < n->r->key) n->r = rot_r(n->r); return rot_l(n); }
  return n;
}
static uint64_t walk(struct node *n, uint64_t acc) {
  if (!n) return acc;
  acc = walk(n->l, acc); acc = acc * 1000003u ^ n->key ^ strlen(n->name); acc = walk(n->r, acc);
  free(n); return acc;
}
static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
int main(void) {
  uint64_t x = 88172645463325252ull, sum = 0;
  for (int round = 0; round < 5; round++) {
    struct node *root = NULL;
    for (int i = 0; i < 60000; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; root = ins(root, x % 1000000); }
    printf("round %d height %d", round, h(root));
    sum = walk(root, sum);
    printf(" sum %016llx\n", (unsigned long long)sum);
  }
  size_t n = 50000, cap = 16, len = 0; char **v = malloc(n * sizeof *v); char *buf = malloc(cap);
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    v[i] = malloc(8 + x % 40); snprintf(v[i], 8 + x % 40, "%llx-%zu", (unsigned long long)x, i);
    size_t l = strlen(v[i]);
    if (len + l + 1 > cap) { cap *= 2; buf = realloc(buf, cap); }
    memcpy(buf + len, v[i], l + 1); len += l;
  }
  qsort(v, n, sizeof *v, cmp);
  printf("first %s last %s len %zu\n", v[0], v[n - 1], len);
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v); free(buf);
  return 0;
}
EOF
# a bigger unit too: many generated functions keep cc1's allocator busy
"$AWK" 'BEGIN {
  print "#include <stdio.h>"
  print "typedef unsigned long u;"; print "static u fn0(u a, u b) { return a * 31 + b; }"
  for (f = 1; f < 160; f++)
    printf "static u fn%d(u a, u b) { u s = %d; for (u i = 0; i < a %% %d + 3; i++) { s = s * %d + (b ^ i); if (a > 0 && s %% %d == 0) s += fn%d(a - 1, b + %d); } return s; }\n", f, f, f % 17 + 1, f % 5 + 3, f % 13 + 2, f - 1, f
  print "int main(void) { u t = 0;"
  for (f = 0; f < 160; f += 3) printf "  t += fn%d(%d, %d);\n", f, f % 9, f * 3
  print "  printf(\"%lu\\n\", t); return 0; }"
}' >"$T/gen.c"
run_both gcc-prog bash -c 'gcc -O2 -Wall -o "$0/prog.$HG_VARIANT" "$0/prog.c" && "$0/prog.$HG_VARIANT" &&
  gcc -O2 -S -o - "$0/prog.c" | grep -v "\.ident" | sha256sum' "$T"
run_both gcc-gen bash -c 'gcc -O2 -w -o "$0/gen.$HG_VARIANT" "$0/gen.c" && "$0/gen.$HG_VARIANT" &&
  gcc -O2 -w -S -o - "$0/gen.c" | sha256sum' "$T"
# the compiled programs, preloaded themselves
[ -x "$T/prog.hg" ] && run_both prog-run "$T/prog.hg"

# ---- bash with big arrays ------------------------------------------------------------
run_both bash-arrays bash -c '
  declare -a a; declare -A m
  for ((i = 0; i < 60000; i++)); do a[i]=$(( (i * 7919) % 100003 )); m["k$((i % 20000))"]+="${i}," ; done
  for ((i = 0; i < 60000; i += 3)); do unset "a[i]"; done
  s=0; for v in "${a[@]}"; do s=$((s + v)); done
  str=""; for ((i = 0; i < 20000; i++)); do str+="${a[i+1]:-x}"; done
  b=("${a[@]/#/p}"); c=("${b[@]//7/seven}")
  echo "${#a[@]} $s ${#m[@]} ${#str} ${#c[@]} ${c[100]} ${m[k123]:0:40}"
  printf "%s\n" "${c[@]}" | sort | head -c 100000 | cksum'
finish
