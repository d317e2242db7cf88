#!/usr/bin/env bash
# tools/real-programs.sh — Debian programs under every heapguard mode, compared with
# glibc's malloc.  A manual check (docs/real-programs.md, rounds 4 and 6), not part of
# `make test`: it takes several minutes and needs programs the suite does not.
#
#   tools/real-programs.sh [-m MODES] [WORKLOAD...]     (default: every workload, every mode)
#
# Each workload is a bash function below, run as `MODE... bash -c w_NAME` with stdin
# from /dev/null under `timeout`, so the shell, every pipeline stage and every child run
# under the mode.  For each mode: exit status and stdout must equal glibc's run; stderr
# must have no "heapguard:" or "==PID==" line; the per-process logs (check, guard) must
# have no ERROR but memory-leak (counted: the programs' own leaks at exit, compared with
# Valgrind by hand) and no WARNING but guard mode's documented vm.max_map_count one.
# A missing program skips its workload.  Output: one line per workload and mode, and
# everything in $W (default /tmp/hg-realprogs).
#
# Modes: run (heapguard run), check (--leak-check=full, --error-exitcode=0: the program's
# own status, leaks kept in the logs), guard, s1 (HEAPGUARD_SAMPLE_RATE=1
# HEAPGUARD_SAMPLE_BUDGET=0: every block sampled while the pool lasts), s1000 (run
# --sample-rate=1000, the default budget), trace (--output per process), stats (same);
# and, asked for with -m, vg: Valgrind's memcheck (--trace-children=yes
# --leak-check=full), whose "definitely lost" totals check mode's must match.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HG=${HG:-$ROOT/build/heapguard}
W=${W:-/tmp/hg-realprogs}
TMO=${TMO:-300}
MODES="run check guard s1 s1000 trace stats"
if [ "${1:-}" = -m ]; then MODES=$2; shift 2; fi
[ -x "$HG" ] || { echo "no $HG: run make first"; exit 2; }
export LC_ALL=C LANG=C TZ=UTC PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
unset LD_PRELOAD GLIBC_TUNABLES MALLOC_CHECK_ MALLOC_PERTURB_
for v in $(env | sed -n 's/^\(HEAPGUARD_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export USER=${USER:-$(id -un)}   # Valgrind's log names (vg); runuser sets the other user's
PY=${PY:-/root/.pyenv/versions/3.11.7/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3)
export PY
mkdir -p "$W"

# ---- workloads: each prints a deterministic result on stdout; $D is its scratch dir ----
need() { local c; for c in "$@"; do command -v "$c" >/dev/null || { echo "SKIP: no $c"; return 1; }; done; }

w_perl() {
  perl -e '
    my %h; for my $i (1..30000) { $h{sprintf("key%06d", $i * 7919 % 30011)} = "v" x ($i % 50) . $i; }
    my @k = sort { length($h{$a}) <=> length($h{$b}) or $a cmp $b } keys %h;
    print scalar(@k), " $k[0] $k[-1]\n";
    my $n = 0; for (@k[0..999]) { my $v = $h{$_}; $v =~ s/v+/w/g; $n += length $v; } print "$n\n";
    my $s = join(",", map { "$_=$h{$_}" } @k[0..2000]); my @p = split /,/, $s;
    my $m = 0; for (@p) { $m++ if /^key(\d\d)(\d+)=w*(\d+)$/ or /^key0*(\d+)=(v+)(\d+)$/ } print "$m\n";
    delete @h{@k[0..14999]}; print scalar(keys %h), "\n";
    my @objs = map { { id => $_, tags => [ map { "t$_" } 1..($_ % 7) ] } } 1..5000;
    my %idx; push @{ $idx{scalar @{$_->{tags}}} }, $_->{id} for @objs;
    print join(" ", map { "$_:" . scalar @{$idx{$_}} } sort keys %idx), "\n";'
}
w_bash() {
  bash -c '
    declare -A m; a=()
    for ((i = 0; i < 3000; i++)); do m[k$i]=$((i * i)); a+=("x$i"); done
    echo "${#m[@]} ${#a[@]} ${m[k2999]} ${a[1500]^^} ${a[@]:10:3}"
    s=""; for ((i = 0; i < 200; i++)); do s+=$(printf "%03d" $i); done; echo "${#s} ${s//0/}" | cut -c1-60
    for ((i = 0; i < 40; i++)); do r=$(echo $((i * 3)) | tr 0-9 a-j); t+=$r; done; echo "$t"
    ( for i in 1 2 3; do ( echo sub$i; exit $i ); echo "st $?"; done )
    cat <<HERE | sort -r
line ${a[1]}
line ${m[k7]}
$(echo inner)
HERE
    readarray -t ls < <(seq 1 500); echo "${#ls[@]} ${ls[499]}"
    unset "m[k1]" "a[2]"; echo "${#m[@]} ${#a[@]}"
    f() { local -a x=("$@"); echo "${#x[@]}"; }; f $(seq 1 1000)'
}
w_awk() {
  local a
  for a in gawk mawk; do
    need $a || continue
    seq 1 30000 | $a '{ k = sprintf("k%d", $1 % 997); c[k]++; s[k] = s[k] substr("abcdefgh", 1 + $1 % 8, 2) }
      END { n = 0; for (k in c) { n++; t += length(s[k]); x = s[k]; gsub(/ab|cd/, "Z", x); u += length(x) }
            split("a,b,,c", p, ","); printf "%s %d %d %d %d %s\n", "'$a'", n, t, u, length(p), toupper(s["k5"]) ; for (k in c) delete c[k] }'
  done
}
w_sed() {
  seq 1 20000 | sed -E 's/([0-9])([0-9]*)/\2<\1>/; /^<[13]>/d; s/(.)/&&/3' | md5sum
  printf 'alpha beta\ngamma delta\n' | sed -E -e ':a;N;$!ba;s/\n/ | /g' -e 's/(\w+) (\w+)/\2 \1/g'
}
w_grep() {
  find /usr/share/perl5 /usr/share/doc -type f -name '*.p[ml]' 2>/dev/null | sort | head -400 >"$D/files"
  xargs -a "$D/files" grep -P -h -o '(?<=sub )\w+(?=\s*\{)' | sort | uniq -c | sort -k1,1nr -k2 | head -20
  xargs -a "$D/files" grep -c -i -E 'return|my \$' | awk -F: '{ s += $2 } END { print s }'
  xargs -a "$D/files" grep -P -l '(\w+)\s*=>\s*\1' | wc -l
}
w_findx() {
  find /usr/share/zoneinfo /usr/share/perl5 -type f -size +1k -printf '%s %P\n' | sort | md5sum
  find /usr/share/perl5 -name '*.pm' -print0 | sort -z | xargs -0 -n 50 -P 2 wc -l | grep -v total | sort -k2 | md5sum
  find /usr/share/zoneinfo -type f -print0 | xargs -0 cat | cksum
}
w_tar() {
  need xz gzip || return 0
  tar -C /usr/share -cf "$D/a.tar" --sort=name perl5/Text perl5/Debian doc/bash 2>/dev/null
  gzip -9 -c "$D/a.tar" | gzip -d | cmp - "$D/a.tar" && echo gz ok
  xz -T2 -6 -c "$D/a.tar" >"$D/a.tar.xz"; xz -T2 -d -c "$D/a.tar.xz" | cmp - "$D/a.tar" && echo xz ok
  tar -tJf "$D/a.tar.xz" | sort | md5sum
  mkdir -p "$D/x" && tar -C "$D/x" -xzf <(gzip -c "$D/a.tar") && find "$D/x" -type f | wc -l
}
w_openssl() {
  need openssl || return 0
  openssl genrsa -out "$D/k.pem" 2048 2>/dev/null && openssl rsa -in "$D/k.pem" -noout -text | grep -c Private-Key
  openssl rsa -in "$D/k.pem" -pubout -out "$D/p.pem" 2>/dev/null
  seq 1 50000 >"$D/data"
  openssl dgst -sha256 "$D/data" | sed 's/.*= //'
  openssl dgst -sha256 -sign "$D/k.pem" -out "$D/sig" "$D/data" && openssl dgst -sha256 -verify "$D/p.pem" -signature "$D/sig" "$D/data"
  openssl enc -aes-256-cbc -pbkdf2 -pass pass:secret -in "$D/data" -out "$D/enc" && openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:secret -in "$D/enc" | cmp - "$D/data" && echo enc ok
  openssl req -new -x509 -key "$D/k.pem" -subj /CN=hg -days 1 -out "$D/c.pem" 2>/dev/null && openssl x509 -in "$D/c.pem" -noout -subject
  openssl ecparam -name prime256v1 -genkey -noout -out "$D/ec.pem" && openssl ec -in "$D/ec.pem" -noout -text 2>/dev/null | grep -c NIST
}
w_jq() {
  need jq || return 0
  seq 1 5000 | jq -c -s 'map({id: ., g: (. % 13), s: (. | tostring | . + "x")}) | group_by(.g) | map({g: .[0].g, n: length, j: (map(.s) | join("") | length)})' | md5sum
  echo '{"a":[1,2,{"b":"c"}],"d":{"e":null}}' | jq -S '[paths] | length, (.. | numbers)' | tr '\n' ' '; echo
}
w_file() {
  need file || return 0
  file -b /bin/bash /usr/share/perl5/Debian/DebConf/Config.pm /usr/share/zoneinfo/UTC /etc/passwd /usr/share/doc/bash/copyright 2>&1 | sed 's/BuildID\[sha1\]=[0-9a-f]*//'
  find /usr/share/doc -type f | sort | head -300 | file -b -f - | sort | uniq -c | sort -k1,1nr -k2 | head
}
w_make() {
  need make gcc || return 0
  mkdir -p "$D/p" && cd "$D/p" || return 1
  for i in $(seq 1 12); do printf '#include <stdio.h>\nint f%d(int x) { return x * %d; }\n' $i $i >f$i.c; done
  { echo '#include <stdio.h>'; for i in $(seq 1 12); do echo "int f$i(int);"; done
    echo 'int main(void) { int s = 0;'; for i in $(seq 1 12); do echo "s += f$i($i);"; done; echo 'printf("%d\n", s); return 0; }'; } >main.c
  printf 'SRC := $(wildcard *.c)\nOBJ := $(SRC:.c=.o)\nprog: $(OBJ)\n\t$(CC) -o $@ $^\n%%.o: %%.c\n\t$(CC) -O1 -c $< -o $@\n' >Makefile
  make -s -j2 && make -s -j2 && ./prog
}
w_gxx() {
  need g++ || return 0
  cat >"$D/s.cc" <<'CC'
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>
int main() {
  std::unordered_map<std::string, std::vector<int>> m;
  for (int i = 0; i < 20000; i++) m["k" + std::to_string(i % 701)].push_back(i);
  std::map<size_t, std::set<std::string>> bylen;
  for (auto &kv : m) bylen[kv.second.size()].insert(kv.first);
  std::vector<std::unique_ptr<std::string>> v;
  for (int i = 0; i < 5000; i++) v.push_back(std::make_unique<std::string>(i % 40, 'a' + i % 26));
  std::sort(v.begin(), v.end(), [](auto &a, auto &b) { return *a < *b; });
  std::regex re("(a+)(b*)");
  std::ostringstream os;
  int hits = 0;
  for (auto &p : v) if (std::regex_match(*p, re)) hits++;
  std::vector<std::thread> ts; std::vector<long> sums(4);
  for (int t = 0; t < 4; t++) ts.emplace_back([t, &sums] { std::vector<std::string> w; for (int i = 0; i < 20000; i++) w.push_back(std::to_string(i * t)); for (auto &s : w) sums[t] += s.size(); });
  for (auto &t : ts) t.join();
  os << m.size() << " " << bylen.size() << " " << hits << " " << std::accumulate(sums.begin(), sums.end(), 0L);
  std::cout << os.str() << std::endl;
}
CC
  g++ -O1 -std=c++17 -pthread "$D/s.cc" -o "$D/s" && "$D/s"
}
w_clang() {
  need clang clang++ || return 0
  printf '#include <stdio.h>\n#include <stdlib.h>\nstruct n { int v; struct n *next; };\nint main(void) { struct n *h = 0; for (int i = 0; i < 1000; i++) { struct n *p = malloc(sizeof *p); p->v = i; p->next = h; h = p; } long s = 0; while (h) { struct n *p = h; s += p->v; h = p->next; free(p); } printf("%%ld\\n", s); return 0; }\n' >"$D/c.c"
  clang -O2 -Wall "$D/c.c" -o "$D/c" && "$D/c"
  printf '#include <vector>\n#include <string>\n#include <map>\n#include <iostream>\nint main() { std::map<std::string, std::vector<int>> m; for (int i = 0; i < 1000; i++) m[std::to_string(i %% 37)].push_back(i); std::cout << m.size() << std::endl; }\n' >"$D/c.cc"
  clang++ -O1 "$D/c.cc" -o "$D/cc" && "$D/cc"
}
w_gdb() {
  need gdb gcc || return 0
  printf '#include <stdio.h>\nint g(int x) { return x * 2; }\nint main(void) { int s = 0; for (int i = 0; i < 10; i++) s += g(i); printf("%%d\\n", s); return 0; }\n' >"$D/g.c"
  gcc -g -O0 "$D/g.c" -o "$D/g"
  gdb -batch -nx -ex 'break g if x == 7' -ex run -ex bt -ex 'print x' -ex finish -ex 'info locals' -ex continue "$D/g" 2>&1 \
    | grep -Ev '^\[|^Using host|^Download|^Run till|process [0-9]+|^$' | sed 's/0x[0-9a-f]*/ADDR/g'
}
w_ssh() {
  need ssh-keygen || return 0
  local t
  for t in rsa ed25519 ecdsa; do
    ssh-keygen -q -t $t -N '' -C hg -f "$D/id_$t" && ssh-keygen -l -f "$D/id_$t.pub" | awk '{ print $1, $3, $4 }'
    ssh-keygen -y -f "$D/id_$t" | cmp - <(cut -d' ' -f1,2 "$D/id_$t.pub" | sed 's/$/ hg/') >/dev/null; ssh-keygen -y -f "$D/id_$t" | cut -d' ' -f1
  done
  ssh-keygen -q -p -N newpass -P '' -f "$D/id_ed25519" && echo reencrypted
}
w_gpg() {
  need gpg || return 0
  export GNUPGHOME=$D/gnupg; mkdir -p -m 700 "$GNUPGHOME"
  gpg --batch --quiet --passphrase '' --quick-gen-key 'hg <hg@example.org>' ed25519 sign never 2>/dev/null
  gpg --batch --list-keys --with-colons 2>/dev/null | awk -F: '$1 == "uid" { print $10 }'
  seq 1 1000 >"$D/m"
  gpg --batch --quiet --yes --passphrase '' --pinentry-mode loopback -s -o "$D/m.gpg" "$D/m" 2>/dev/null
  gpg --batch --quiet --decrypt "$D/m.gpg" 2>/dev/null | md5sum
  gpg --batch --quiet --yes --symmetric --passphrase pw --pinentry-mode loopback -o "$D/m.sym" "$D/m" && gpg --batch --quiet --passphrase pw --pinentry-mode loopback -d "$D/m.sym" 2>/dev/null | cmp - "$D/m" && echo sym ok
  gpgconf --kill all 2>/dev/null; true
}
w_diff() {
  seq 1 20000 >"$D/a"; seq 1 20000 | awk 'NR % 97 == 0 { print "x" $0; next } NR % 101 == 0 { next } { print }' >"$D/b"
  diff "$D/a" "$D/b" | md5sum; diff -u "$D/a" "$D/b" | tail -n +3 | md5sum; diff -y -W 40 "$D/a" "$D/b" | md5sum
  diff -r /usr/share/perl5/Debian /usr/share/perl5/Debian && echo same
  cmp "$D/a" "$D/b"; cmp -l "$D/a" "$D/b" | wc -l; cmp "$D/a" "$D/a" && echo cmp same
}
w_sqlite() {
  need sqlite3 || return 0
  sqlite3 "$D/f.db" <<'SQL'
CREATE VIRTUAL TABLE docs USING fts5(title, body);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO docs SELECT 'title ' || i, 'word' || (i % 37) || ' alpha beta ' || (i % 101) || ' gamma' || (i % 7) FROM n;
SELECT count(*) FROM docs WHERE docs MATCH 'word5 AND gamma3';
SELECT title FROM docs WHERE docs MATCH 'word12 NOT gamma1' ORDER BY rank, title LIMIT 3;
SELECT highlight(docs, 1, '[', ']') FROM docs WHERE docs MATCH 'word7' ORDER BY rowid LIMIT 2;
CREATE TABLE j(v);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO j SELECT json_object('id', i, 'tags', json_array('a' || (i % 5), 'b' || (i % 3)), 'n', json_object('x', i * 1.5)) FROM n;
SELECT json_extract(v, '$.tags[0]') t, count(*), sum(json_extract(v, '$.n.x')) FROM j GROUP BY t ORDER BY t;
SELECT count(*) FROM j, json_each(j.v, '$.tags') WHERE json_each.value LIKE 'b%';
SELECT json_group_array(json_extract(v, '$.id')) FROM (SELECT v FROM j LIMIT 10);
INSERT INTO docs(docs) VALUES('optimize');
PRAGMA integrity_check;
SQL
}
w_pythr() {
  "$PY" - <<'PY'
import threading, multiprocessing as mp, collections, re, json, os
def work(n):
    d = {str(i): [i] * (i % 10) for i in range(n)}
    return sum(len(v) for v in d.values())
res = [0] * 4
def t(k):
    res[k] = work(20000 + k)
ts = [threading.Thread(target=t, args=(k,)) for k in range(4)]
[x.start() for x in ts]; [x.join() for x in ts]
print(res)
if __name__ == "__main__":
    mp.set_start_method("fork")
    with mp.Pool(2) as p:
        print(p.map(work, [1000, 2000, 3000, 4000]))
    q = mp.Queue(); pr = mp.Process(target=lambda: q.put(collections.Counter(re.findall(r"\w+", "a b a c " * 1000)).most_common(2))); pr.start(); print(q.get()); pr.join(); print(pr.exitcode)
    pid = os.fork()
    if pid == 0:
        os._exit(len(json.dumps(list(range(1000)))) % 200)
    print(os.waitpid(pid, 0)[1] >> 8)
PY
}
w_pyext() {
  "$PY" - <<'PY'
import ctypes, ctypes.util, json, zlib, hashlib, ssl, sqlite3, decimal, struct, array
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p; libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.realloc.restype = ctypes.c_void_p; libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
ptrs = [libc.malloc(i * 16 + 1) for i in range(1, 500)]
for i, p in enumerate(ptrs): ctypes.memset(p, i % 256, i * 16 + 1)
ptrs = [libc.realloc(p, 4000) for p in ptrs]
print(sum(ctypes.c_ubyte.from_address(p).value for p in ptrs))
for p in ptrs: libc.free(p)
buf = ctypes.create_string_buffer(b"x" * 100000); print(len(buf.raw))
cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))(lambda a, b: a[0] - b[0])
arr = (ctypes.c_int * 1000)(*[(i * 7919) % 1000 for i in range(1000)]); libc.qsort(arr, 1000, 4, cb); print(arr[0], arr[999])
data = json.dumps({"k%d" % i: [i, str(i), {"x": i / 3}] for i in range(20000)}).encode()
z = zlib.compress(data, 9); print(len(data), zlib.decompress(z) == data, zlib.crc32(data))
c = zlib.compressobj(); d = zlib.decompressobj(); out = b"".join(d.decompress(c.compress(data[i:i + 999])) for i in range(0, len(data), 999)) + d.decompress(c.flush()); print(out == data)
print(hashlib.sha256(data).hexdigest()[:16], hashlib.blake2b(data).hexdigest()[:16], hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 2000).hex()[:16])
ctx = ssl.create_default_context(); print(ctx.verify_mode, len(ctx.get_ca_certs()) >= 0)
db = sqlite3.connect(":memory:"); db.execute("create table t(a, b)"); db.executemany("insert into t values(?, ?)", ((i, str(i) * 3) for i in range(10000))); print(db.execute("select count(*), sum(length(b)) from t").fetchone())
decimal.getcontext().prec = 60; print(str(decimal.Decimal(1) / decimal.Decimal(7))[:30])
print(len(array.array("d", range(100000)).tobytes()), struct.unpack("<q", struct.pack("<q", -5)))
PY
}
w_tcl() {
  need tclsh || return 0
  tclsh <<'TCL'
set d [dict create]
for {set i 0} {$i < 20000} {incr i} { dict lappend d k[expr {$i % 211}] $i }
set l {}; dict for {k v} $d { lappend l [llength $v] }
puts "[dict size $d] [lindex [lsort -integer $l] 0] [llength [lsort -unique $l]]"
set s ""; for {set i 0} {$i < 5000} {incr i} { append s [format %04d $i] }
puts [string length [regsub -all {0+} $s ""]]
array set a {}; foreach w [split [string repeat "a b c d e " 2000] " "] { incr a($w) }
puts [lsort [array names a]]
proc fib n { expr {$n < 2 ? $n : [fib [expr {$n - 1}]] + [fib [expr {$n - 2}]]} }
puts [fib 18]
TCL
}
w_lua() {
  local l; l=$(command -v lua5.4 || command -v lua5.3 || command -v lua) || { echo "SKIP: no lua"; return 0; }
  "$l" -e '
    local t = {} for i = 1, 50000 do t["k" .. (i % 1009)] = (t["k" .. (i % 1009)] or "") .. string.char(97 + i % 26) end
    local n, len = 0, 0 for k, v in pairs(t) do n = n + 1 len = len + #v end print(n, len)
    local a = {} for i = 1, 20000 do a[i] = {i, tostring(i)} end table.sort(a, function(x, y) return x[2] < y[2] end) print(a[1][2], a[20000][2])
    local s = string.rep("abc def ", 5000) local c = 0 for w in s:gmatch("%a+") do c = c + 1 end print(c, (s:gsub("d", "DD")):len())
    collectgarbage() print(#a)
    local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * 2) end end) print(co(), co(), co())'
}
w_busybox() {
  need busybox || return 0
  local b=busybox
  seq 1 5000 | $b awk '{ s[$1 % 7] += $1 } END { for (k = 0; k < 7; k++) printf "%d ", s[k]; print "" }'
  seq 1 5000 | $b sed -E 's/(1+)/[\1]/g' | $b grep -c '\['
  seq 1 3000 | $b sort -r -n | $b head -3 | $b tr '\n' ' '; echo
  $b tar -C /usr/share/perl5 -cf - Debian | $b gzip -c | $b gunzip -c | $b tar -tf - | $b sort | $b md5sum
  $b sh -c 'x=0; for i in $(seq 1 300); do x=$((x + i)); y=$(echo $i); done; echo $x $y'
  $b find /usr/share/perl5 -name '*.pm' | $b sort | $b xargs $b wc -c | $b tail -1
}
w_vim() {
  need vim || return 0
  seq 1 3000 | sed 's/$/ alpha beta/' >"$D/v.txt"
  vim -u NONE -i NONE -N -es "$D/v.txt" <<'VIM'
%s/\(\d\+\) alpha/alpha \1/
g/^alpha 1/d
let l = []
for i in range(1, 2000) | call add(l, repeat('x', i % 50)) | endfor
call setline(line('$') + 1, string(len(join(l, ''))))
sort n
w! out.txt
q!
VIM
  md5sum <out.txt; wc -l <out.txt
}
w_groff() {
  need groff man || return 0
  zcat /usr/share/man/man1/bash.1.gz | groff -Tutf8 -man 2>/dev/null | md5sum
  zcat /usr/share/man/man1/find.1.gz | groff -Tascii -man -P-c 2>/dev/null | wc -l
  printf '.TL\nTitle\n.PP\nSome text.\n.TS\nbox;\nl l.\na\tb\nc\td\n.TE\n' | groff -t -ms -Tascii 2>/dev/null | md5sum
}
w_bc() {
  need bc || return 0
  echo 'scale=500; 4*a(1)' | bc -l | md5sum
  echo 'define f(n) { if (n < 2) return n; return f(n-1) + f(n-2); } f(20); 2^4000 % 1000007' | bc | tr '\n' ' '; echo
}
w_patch() {
  need patch diff || return 0
  seq 1 5000 >"$D/a"; seq 1 5000 | sed '50~97s/$/ changed/; 300~211d' >"$D/b"
  diff -u "$D/a" "$D/b" >"$D/p.diff"; cp "$D/a" "$D/c"
  patch -s "$D/c" "$D/p.diff" && cmp "$D/b" "$D/c" && echo patched
  patch -s -R "$D/c" "$D/p.diff" && cmp "$D/a" "$D/c" && echo reversed
}
w_xml() {
  need xmllint || return 0
  { echo '<?xml version="1.0"?><r>'; for i in $(seq 1 3000); do echo "<e id=\"$i\" g=\"$((i % 7))\"><n>name$i</n><v>$((i * 3))</v></e>"; done; echo '</r>'; } >"$D/x.xml"
  xmllint --noout "$D/x.xml" && echo wellformed
  xmllint --xpath 'count(//e[@g="3"])' "$D/x.xml"; echo
  xmllint --xpath 'sum(//e[@g="5"]/v)' "$D/x.xml"; echo
  xmllint --format "$D/x.xml" | md5sum
  xmllint --c14n "$D/x.xml" | md5sum
  echo '<a><b></a>' | xmllint --noout - 2>/dev/null; echo "bad $?"
}
w_binutils() {
  need objdump readelf nm gcc ld ar || return 0
  objdump -d /bin/ls | tail -n +4 | md5sum
  readelf -a -W /bin/bash | md5sum
  nm -D --defined-only /lib/x86_64-linux-gnu/libc.so.6 | wc -l
  printf 'int a(void){return 1;}\n' >"$D/a.c"; printf 'int a(void);int main(void){return a()-1;}\n' >"$D/m.c"
  gcc -c "$D/a.c" -o "$D/a.o" && ar rcs "$D/liba.a" "$D/a.o" && gcc "$D/m.c" -L"$D" -la -o "$D/m" && "$D/m" && echo linked
  gcc -fuse-ld=gold "$D/m.c" -L"$D" -la -o "$D/m2" && "$D/m2" && echo gold
  ar t "$D/liba.a"
}
w_rust() {
  need rustc || return 0
  cat >"$D/r.rs" <<'RS'
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::thread;
fn main() {
    let mut m: HashMap<String, Vec<u64>> = HashMap::new();
    for i in 0..50000u64 { m.entry(format!("k{}", i % 997)).or_default().push(i); }
    let mut b = BTreeMap::new();
    for (k, v) in &m { b.insert(k.clone(), v.iter().sum::<u64>()); }
    let shared = Arc::new(Mutex::new(Vec::new()));
    let hs: Vec<_> = (0..4).map(|t| { let s = Arc::clone(&shared); thread::spawn(move || {
        let v: Vec<String> = (0..20000).map(|i| (i * t).to_string()).collect();
        s.lock().unwrap().push(v.iter().map(|x| x.len()).sum::<usize>()); }) }).collect();
    for h in hs { h.join().unwrap(); }
    let mut s = shared.lock().unwrap().clone(); s.sort();
    println!("{} {} {:?}", m.len(), b.values().sum::<u64>(), s);
}
RS
  rustc -O -o "$D/r" "$D/r.rs" 2>&1 && "$D/r"
}
w_java() {
  need java || return 0
  cat >"$D/H.java" <<'JV'
import java.util.*;
public class H { public static void main(String[] a) throws Exception {
  Map<String, List<Integer>> m = new HashMap<>();
  for (int i = 0; i < 100000; i++) m.computeIfAbsent("k" + (i % 1009), k -> new ArrayList<>()).add(i);
  Thread[] ts = new Thread[4]; long[] r = new long[4];
  for (int t = 0; t < 4; t++) { final int tt = t; ts[t] = new Thread(() -> { StringBuilder sb = new StringBuilder(); for (int i = 0; i < 50000; i++) sb.append(i * tt); r[tt] = sb.length(); }); ts[t].start(); }
  for (Thread t : ts) t.join();
  System.out.println(m.size() + " " + Arrays.toString(r));
} }
JV
  java -Xmx256m "$D/H.java"
}
w_convert() {
  need convert identify || return 0
  convert -size 300x200 xc:white -fill red -draw 'circle 150,100 150,20' -blur 0x3 "$D/a.png" && convert "$D/a.png" -resize 50% -rotate 30 "$D/b.jpg" && identify -format '%w %h %m\n' "$D/b.jpg"
  convert "$D/a.png" -format '%[fx:mean]\n' info:
}
w_ninja() {
  need ninja gcc || return 0
  mkdir -p "$D/n" && cd "$D/n" || return 1
  for i in $(seq 1 8); do echo "int f$i(void){return $i;}" >f$i.c; done
  { echo 'rule cc'; echo '  command = gcc -O1 -c $in -o $out'; echo 'rule ld'; echo '  command = gcc $in -o $out'
    for i in $(seq 1 8); do echo "build f$i.o: cc f$i.c"; done
    echo "int main(void){return 0;}" >m.c; echo 'build m.o: cc m.c'
    printf 'build prog: ld m.o'; for i in $(seq 1 8); do printf ' f%d.o' $i; done; echo; } >build.ninja
  ninja -j2 >/dev/null && ./prog && echo built; ninja -j2 | tail -1
}
w_curl() {
  need curl || return 0
  seq 1 100000 >"$D/f"
  curl -s "file://$D/f" | md5sum
  curl -s -o /dev/null -w '%{http_code} %{size_download}\n' "file://$D/f"
  curl -s http://127.0.0.1:9/ >/dev/null; echo "refused $?"
}
w_zip() {
  need zip unzip lz4 bzip2 zstd || return 0
  (cd /usr/share/perl5 && zip -q -r -9 "$D/a.zip" Debian) && unzip -l "$D/a.zip" | tail -1 | awk '{ print $1, $2 }'
  unzip -q -o "$D/a.zip" -d "$D/u" && find "$D/u" -type f | wc -l
  tar -C /usr/share -cf - perl5/Debian | lz4 -q -c | lz4 -q -d -c | md5sum
  tar -C /usr/share -cf - perl5/Debian | bzip2 -c | bzip2 -d -c | md5sum
  tar -C /usr/share -cf - perl5/Debian | zstd -q -T2 -c | zstd -q -d -c | md5sum
}
w_hostile() {
  # Bad input the programs must reject the same way under every mode.
  head -c 200000 /dev/zero | tr '\0' 'x' >"$D/junk"
  printf '\xfd7zXZ\0\0\4\xe6\xd6\xb4\x46' | cat - "$D/junk" | xz -d >/dev/null 2>&1; echo "xz $?"
  printf '\x1f\x8b\x08\0garbage' | gzip -d >/dev/null 2>&1; echo "gzip $?"
  echo '{"a": [1, 2' | jq . >/dev/null 2>&1; echo "jq $?"
  perl -e 'eval("(" x 3000); print $@ ? "perl err\n" : "perl ok\n"'
  sqlite3 "$D/junk" 'select 1' >/dev/null 2>&1; echo "sqlite $?"
  echo 'x = (' | "$PY" - 2>/dev/null; echo "py $?"
  openssl x509 -in "$D/junk" -noout 2>/dev/null; echo "openssl $?"
  file -b "$D/junk"
  gawk 'BEGIN { x = "a"; if (match(x, /(/)) print }' 2>/dev/null; echo "gawk $?"
}

# Round 6's workloads (servers, media, runtimes, glibc's extensions) are in a file of their own.
. "$ROOT/tools/real-programs-round6.sh"

WORKLOADS=$(declare -F | sed -n 's/^declare -f w_//p')
[ $# -gt 0 ] && WORKLOADS=$*
# The functions go to a file each run sources (Valgrind's launcher drops bash's exported
# functions from the environment).
declare -f >"$W/functions.sh"

mode_cmd() { # MODE LOGDIR -> the command prefix
  case $1 in
    glibc) echo "" ;;
    run) echo "$HG run --" ;;
    check) echo "$HG check --leak-check=full --error-exitcode=0 --log-file=$2/%p.log --" ;;
    guard) echo "$HG guard --error-exitcode=0 --log-file=$2/%p.log --" ;;
    s1) echo "env HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_BUDGET=0 HEAPGUARD_LOG_FILE=$2/%p.log $HG run --" ;;
    s1000) echo "$HG run --sample-rate=1000 --" ;;
    # (%u: runuser's child makes its trace file as root, then execs the server as postgres
    # in the same pid, which cannot open that file again: each user gets its own)
    trace) echo "$HG trace --output=$2/%p.%u.trace --" ;;
    stats) echo "$HG stats --output=$2/%p.stats --" ;;
    # (%q{USER}: a process that runuser started keeps its parent's pid after exec, and
    # cannot reopen the file root created for that pid, 0600)
    vg) echo "valgrind -q --vgdb=no --trace-children=yes --leak-check=full --log-file=$2/%p.%q{USER}.log" ;;
  esac
}

for w in $WORKLOADS; do
  for m in glibc $MODES; do
    R=$W/$w/$m; rm -rf "$R"; mkdir -p "$R/logs" "$R/d"
    chmod 1777 "$R/logs" "$R/d"   # servers that refuse root run as another user
    export D=$R/d
    t0=$(date +%s.%N)
    # (memcached: 76 descriptors, set out here: under Valgrind the workload's own shell
    # cannot lower its limit; see w_memcached)
    ( [ "$w" = memcached ] && ulimit -n 76; cd "$D" && exec timeout -k 10 "$TMO" $(mode_cmd $m "$R/logs") bash -c ". $W/functions.sh; w_$w" ) </dev/null >"$R/out" 2>"$R/err"
    st=$?; t1=$(date +%s.%N)
    secs=$(echo "$t1 - $t0" | bc)
    echo $st >"$R/status"
    sed -i "s|$R/d|D|g" "$R/out"   # the scratch directory's name differs per mode
    [ $m = glibc ] && { printf '%-8s %-6s status %3d  %6.1fs\n' $w $m $st $secs; continue; }
    G=$W/$w/glibc; why=""
    [ "$st" = "$(cat $G/status)" ] || why+=" status($(cat $G/status)->$st)"
    cmp -s "$G/out" "$R/out" || why+=" stdout"
    grep -aqE 'heapguard:|^==[0-9]+==' "$R/err" && why+=" stderr-report"
    errs=$(cat "$R"/logs/*.log 2>/dev/null | grep -a '== ERROR: ' | grep -avc 'memory-leak')
    [ "$errs" -gt 0 ] && why+=" errors:$errs"
    warns=$(cat "$R"/logs/*.log 2>/dev/null | grep -a 'WARNING' | grep -avcE 'guarded blocks are near the limit')
    [ "$warns" -gt 0 ] && why+=" warnings:$warns"
    # Definitely lost, all processes together: bytes/blocks (Valgrind's logs say it alike).
    # Valgrind writes "N (D direct, I indirect) bytes in B blocks are definitely lost".
    lost=$(cat "$R"/logs/*.log 2>/dev/null | grep -a 'are definitely lost' | tr -d , \
           | sed -E 's/.* ([0-9]+) \(([0-9]+) direct.* in ([0-9]+) blocks.*/\2 \3/; s/.* ([0-9]+) bytes in ([0-9]+) blocks.*/\1 \2/' \
           | awk '{ b += $1; n += $2 } END { printf "%d/%d", b, n }')
    nlogs=$(ls "$R"/logs | wc -l)
    printf '%-8s %-6s status %3d  %6.1fs  %s  (logs %d, definitely lost %s bytes/blocks)\n' $w $m $st $secs "${why:-ok}" $nlogs "$lost"
  done
done
