#!/usr/bin/env bash
# tools/vg-compare.sh — heapguard check mode against Valgrind memcheck on the same runs,
# process by process (docs/real-programs.md, round 5).  A manual check, not in make test.
#
#   tools/vg-compare.sh [-n] [WORKLOAD...]     (default: every workload below; round 6's,
#                                               tools/real-programs-round6.sh, by name)
#
# Runs each workload twice, one run at a time (memcheck is 20-50x slower): under
#   build/heapguard check --show-leak-kinds=all --error-exitcode=0 --log-file=$W/NAME/hg.%p
#     (under strace -f -e trace=execve,clone,...: which process ran what, for the pairing)
#   valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=definite,indirect
#            --trace-children=yes --log-file=$W/NAME/vg.%p
# then prints tools/vg-compare.py's comparison ($W/NAME/compare.txt).  -n runs Valgrind a
# third time with --run-libc-freeres=no (into $W/NAME/nofreeres/, compared with the same
# heapguard logs): what remains of a "still reachable" difference then is not glibc's
# own blocks, which Valgrind frees at exit and heapguard leaves alone.  Needs valgrind;
# a missing program skips its workload; $W defaults to /tmp/hg-vgcompare.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HG=${HG:-$ROOT/build/heapguard}
W=${W:-/tmp/hg-vgcompare}
NOFREERES=0
if [ "${1:-}" = -n ]; then NOFREERES=1; shift; fi
[ -x "$HG" ] || { echo "no $HG: run make first"; exit 2; }
command -v valgrind >/dev/null || { echo "no valgrind"; exit 2; }
export LC_ALL=C LANG=C TZ=UTC PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
unset LD_PRELOAD GLIBC_TUNABLES MALLOC_CHECK_ MALLOC_PERTURB_
for v in $(env | sed -n 's/^\(HEAPGUARD_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
SRC=$ROOT/tools/vg-compare   # the C and C++ programs of this campaign
mkdir -p "$W"

need() { local c; for c in "$@"; do command -v "$c" >/dev/null || { echo "SKIP: no $c"; return 1; }; done; }

# ---- workloads: each is a command line run in $D (its scratch dir), stdin /dev/null ----
w_perl() { need perl && perl -e '
  my %h; for my $i (1..3000) { $h{"k$i"} = "v" x ($i % 50) . $i } my @k = sort keys %h;
  my @o = map { { id => $_, t => [ map { "t$_" } 1..($_ % 7) ] } } 1..500;
  my $s = join ",", map { "$_=$h{$_}" } @k[0..200]; my @p = split /,/, $s;
  my $n = grep { /^k(\d+)=v*\1$/ } @p; print scalar(@k), " $n ", scalar(@o), "\n";'; }
w_mawk() { need mawk && seq 1 5000 | mawk '{ c[$1 % 97]++; s[$1 % 97] = s[$1 % 97] substr("abcdef", 1 + $1 % 6, 2) }
  END { for (k in c) { n++; t += length(s[k]); x = s[k]; gsub(/ab|cd/, "Z", x); u += length(x) } print n, t, u }'; }
w_gawk() { need gawk && seq 1 5000 | gawk '{ c[$1 % 97]++; s[$1 % 97] = s[$1 % 97] substr("abcdef", 1 + $1 % 6, 2) }
  END { for (k in c) { n++; t += length(s[k]); x = s[k]; gsub(/ab|cd/, "Z", x); u += length(x) }
        split("a,b,,c", p, ","); print n, t, u, length(p), toupper(s[5]) }'; }
w_bash() { need bash && bash -c 'declare -A m; a=(); for ((i = 0; i < 500; i++)); do m[k$i]=$((i * i)); a+=("x$i"); done
  s=""; for ((i = 0; i < 5; i++)); do s+=$(printf "%03d" $i); done
  ( echo "${#m[@]} ${#a[@]} ${m[k499]} ${a[100]^^} $s" ); readarray -t l < <(echo 1; echo 2); echo "${#l[@]}"'; }
w_sqlite3() { need sqlite3 && sqlite3 :memory: "create virtual table t using fts5(a, b);
  with recursive n(i) as (select 1 union all select i + 1 from n where i < 300)
  insert into t select 'word' || (i % 17) || ' other' || i, 'b' || i from n;
  select count(*) from t where t match 'word3'; select highlight(t, 0, '[', ']') from t where t match 'other42';
  select json_group_array(json_object('i', value)) from json_each('[1,2,3,[4,5]]');"; }
w_jq() { need jq && seq 1 400 | jq -s -c '[.[] | {k: (. % 7), v: .}] | group_by(.k) | map({k: .[0].k, n: length, s: (map(.v) | add)}) | [paths] | length'; }
w_xmllint() { need xmllint && { printf '<r>'; for i in $(seq 1 200); do printf '<e id="%d"><n>v%d</n></e>' $i $i; done; printf '</r>'; } > x.xml &&
  xmllint --xpath 'count(//e[n="v7" or @id > 150])' x.xml && echo && xmllint --format x.xml | tail -2 && { xmllint --noout bad 2>/dev/null; echo "<a><b></a>" | xmllint --noout - 2>&1 | head -1; }; }
w_git() { need git && git init -q repo && cd repo && git config user.email a@b && git config user.name n &&
  for i in 1 2 3; do seq $i 50 > f$i; git add f$i; git commit -qm "c$i"; done && seq 2 60 > f1 &&
  git status --short && git log --oneline --format=%s && git diff --stat; }
w_sort() { need sort && seq 1 20000 | sed 's/\(.\)\(.*\)/\2\1/' | sort -n -k1,1 -S 1M | md5sum; }
w_find() { need find && find /usr/share/doc/valgrind /usr/include/linux -maxdepth 2 -name '*.h' -printf '%d %f\n' | sort | md5sum; }
w_grepP() { need grep && seq 1 3000 | grep -P '^(?=.*7)(\d)\d*\1$' | wc -l; }
w_tarxz() { need tar xz && mkdir -p t && seq 1 20000 > t/a && cp /usr/include/stdio.h t/ && tar --mtime=@0 --owner=0 --group=0 --sort=name -cJf t.tar.xz t && tar -tJvf t.tar.xz | wc -l && xz -dc t.tar.xz | md5sum; }
w_openssl() { need openssl && openssl ecparam -name prime256v1 -genkey -noout -out k.pem 2>/dev/null && printf 'abc' > m && openssl dgst -sha256 -sign k.pem -out s m &&
  openssl pkey -in k.pem -pubout -out p.pem && openssl dgst -sha256 -verify p.pem -signature s m && openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -S 0011223344556677 -in m | md5sum; }
w_python3() { need python3 && python3 -c '
import json, re, collections
d = {str(i): [i] * (i % 5) for i in range(2000)}
s = json.dumps(d); e = json.loads(s)
c = collections.Counter(len(v) for v in e.values())
print(len(s), sorted(c.items()), len(re.findall(r"\[(\d+), \1\]", s)))'; }
w_gcc() { need gcc && printf '#include <stdio.h>\nstruct s { int a[4]; };\nint f(struct s *p) { int t = 0; for (int i = 0; i < 4; i++) t += p->a[i]; return t; }\nint main(void) { struct s x = {{1,2,3,4}}; printf("%%d\\n", f(&x)); return 0; }\n' > a.c && gcc -O1 -c a.c && echo ok; }
w_leaks() { LEAKS_TLSLIB=$W/bin/libtlslib.so "$W/bin/leaks"; }
w_leaks_cxx() { "$W/bin/leaks_cxx"; }
# Round 7: the leak check heuristics' shapes (C++ programs, and sqlite3's length64).
w_heur_cxx() { "$W/bin/heur_cxx"; }   # tests/programs/leak_heuristics: each shape, old-ABI strings
w_cmake() { need cmake && cmake --help-full | md5sum; }
w_gxx() { need g++ && printf '#include <map>\n#include <string>\n#include <iostream>\nstruct B { virtual ~B() {} virtual int f() = 0; };\nstruct D : B { int f() override { return 3; } };\nint main() { std::map<std::string, int> m{{"a", 1}}; D d; std::cout << m["a"] + d.f() << "\\n"; }\n' > a.cc &&
  g++ -O1 -c a.cc && echo ok; }
w_gdb() { need gdb && gdb -nx -batch -ex 'print 1 + 2' -ex 'print sizeof(long)' -ex 'info functions ^mai' "$W/bin/leaks_cxx" | tail -3; }
w_qpdf() { need qpdf && qpdf --empty e.pdf && qpdf --empty --pages e.pdf e.pdf -- two.pdf 2>/dev/null; qpdf --check e.pdf | tail -1 &&
  qpdf --qdf --object-streams=disable e.pdf q.pdf && qpdf --show-npages e.pdf && qpdf --json e.pdf | wc -c; }
w_doxygen() { need doxygen && mkdir -p src && printf '/** A base. */\nstruct A { virtual ~A(); /** f */ virtual int f(); };\n/** Another. */\nstruct B { virtual int g(); };\n/** Both. */\nstruct C : A, B { int f() override; };\n/** A free function. @param x a value @return twice x */\nint twice(int x);\n' > src/c.h &&
  printf 'INPUT = src\nOUTPUT_DIRECTORY = out\nGENERATE_LATEX = NO\nQUIET = YES\nWARNINGS = NO\nHAVE_DOT = NO\nNUM_PROC_THREADS = 1\nWARN_IF_UNDOCUMENTED = NO\n' > Doxyfile &&
  doxygen Doxyfile && ls out/html | wc -l; }
w_ninja() { need ninja && printf 'rule cp\n  command = cp $in $out\nrule cat\n  command = cat $in > $out\n' > build.ninja &&
  for i in 1 2 3 4 5 6; do echo "x$i" > in$i; printf 'build out%d: cp in%d\n' $i $i >> build.ninja; done &&
  printf 'build all: cat out1 out2 out3 out4 out5 out6\ndefault all\n' >> build.ninja && ninja -j1 | tail -1 && cat all | md5sum; }
WORKLOADS="perl mawk gawk bash sqlite3 jq xmllint git sort find grepP tarxz openssl python3 gcc leaks leaks_cxx
  heur_cxx cmake gxx gdb qpdf doxygen ninja"
# Round 6's workloads (tools/real-programs-round6.sh), run when named: nginx, ruby, ...
PY=$(command -v python3); export PY
. "$ROOT/tools/real-programs-round6.sh"

mkdir -p "$W/bin"
gcc -g -O1 -fPIC -shared -o "$W/bin/libtlslib.so" "$SRC/tlslib.c" &&
  gcc -g -O0 -pthread -o "$W/bin/leaks" "$SRC/leaks.c" -ldl &&
  g++ -g -O0 -o "$W/bin/leaks_cxx" "$SRC/leaks_cxx.cc" &&
  g++ -g -O0 -D_GLIBCXX_USE_CXX11_ABI=0 -o "$W/bin/heur_cxx" "$ROOT/tests/programs/leak_heuristics/heuristics.cc" || exit 2

run_one() {   # NAME TOOL DIR
  local name=$1 tool=$2 d=$3 vgopt=
  rm -rf "$d.work"; mkdir -p "$d.work" "$d"; rm -f "$d"/"${tool%nf}".*
  chmod 1777 "$d" "$d.work"   # servers that leave root (nginx's workers) write their logs too
  [ "$tool" = vgnf ] && vgopt=--run-libc-freeres=no
  case $tool in
    glibc) (cd "$d.work" && D=$PWD bash -c "$(declare -f need w6_port w_$name); w_$name") </dev/null >"$d/glibc.out" 2>"$d/glibc.err" ;;
    hg) (cd "$d.work" && D=$PWD strace -f -qq -s 64 -e trace=execve,clone,clone3,fork,vfork -o "$d/hg.strace" \
           "$HG" check --show-leak-kinds=all --error-exitcode=0 --log-file="$d/hg.%p" \
           bash -c "$(declare -f need w6_port w_$name); w_$name") </dev/null >"$d/hg.out" 2>"$d/hg.err" ;;
    vg*) (cd "$d.work" && D=$PWD valgrind --leak-check=full --show-leak-kinds=all $vgopt \
           --errors-for-leak-kinds=definite,indirect --trace-children=yes --log-file="$d/vg.%p" \
           bash -c "$(declare -f need w6_port w_$name); w_$name") </dev/null >"$d/vg.out" 2>"$d/vg.err" ;;
  esac
}

[ $# -gt 0 ] && WORKLOADS=$*
for name in $WORKLOADS; do
  d=$W/$name
  export W
  run_one "$name" glibc "$d"
  grep -q '^SKIP' "$d/glibc.out" && { echo "$name: skipped ($(head -1 "$d/glibc.out"))"; continue; }
  run_one "$name" hg "$d"
  run_one "$name" vg "$d"
  cmp -s "$d/glibc.out" "$d/hg.out" || echo "$name: heapguard's stdout differs from glibc's (glibc.out, hg.out)"
  cmp -s "$d/glibc.out" "$d/vg.out" || echo "$name: Valgrind's stdout differs from glibc's (glibc.out, vg.out)"
  python3 "$ROOT/tools/vg-compare.py" "$d" > "$d/compare.txt"
  echo "$name: $(tail -1 "$d/compare.txt"); $(head -1 "$d/compare.txt")"
  if [ $NOFREERES = 1 ]; then
    run_one "$name" vgnf "$d/nofreeres"
    rm -f "$d/nofreeres"/hg.*; ln -sf "$d"/hg.[0-9]* "$d/hg.strace" "$d/nofreeres/"
    python3 "$ROOT/tools/vg-compare.py" "$d/nofreeres" > "$d/nofreeres/compare.txt"
    echo "$name --run-libc-freeres=no: $(tail -1 "$d/nofreeres/compare.txt")"
  fi
done
