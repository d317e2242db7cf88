# tools/real-programs-round6.sh — round 6's workloads (docs/real-programs.md): servers
# driven on 127.0.0.1, media tools that allocate aligned, runtimes the earlier rounds did
# not run, and programs calling glibc's malloc extensions.  Sourced by
# tools/real-programs.sh, which runs them like its own: `tools/real-programs.sh memcached`.
#
# A server is started and stopped inside its workload, so it runs under the mode too,
# with every process it forks.  Servers that refuse root run as postgres or nobody
# (runuser keeps the environment: LD_PRELOAD and HEAPGUARD_*); the runner makes the
# scratch and log directories writable for them.  Ports: 20000 + the shell's pid mod
# 10000, so two runs at once do not collide.

# A port nobody listens on, for a server of this workload.
w6_port() { echo $((20000 + $$ % 10000 + ${1:-0})); }

# memcached, 4 worker threads, as nobody; 4 client connections at once from python
# threads (set, get, append, incr, delete of values up to 200 KB: several slab classes
# and the large-item chunks), then memcslap (libmemcached, its own threads), memcstat.
w_memcached() {
  need memcached memcslap memcstat || return 0
  local port; port=$(w6_port)
  # (memcached sets its descriptor limit to -c, which Valgrind refuses unless it is
  # Valgrind's own hard limit, 12 below the process's: the runner starts this workload
  # with `ulimit -n 76`, which the shell cannot set itself under Valgrind)
  memcached -u nobody -l 127.0.0.1 -p "$port" -U 0 -t 4 -m 64 -c 64 -I 2m &
  local pid=$!
  "$PY" - "$port" <<'PY'
import socket, sys, threading, time
port = int(sys.argv[1])
for _ in range(600):
    try: socket.create_connection(("127.0.0.1", port)).close(); break
    except OSError: time.sleep(0.1)
def conn():
    s = socket.create_connection(("127.0.0.1", port)); return s, s.makefile("rb")
def cmd(s, f, line, data=None):
    s.sendall(line.encode() + b"\r\n" + (data + b"\r\n" if data is not None else b""))
    return f.readline().strip()
results = [None] * 4
def worker(t):
    s, f = conn(); got = 0; total = 0
    for i in range(400):
        k = "t%d-k%d" % (t, i); v = (b"%d-" % i) * (1 + (i * 37 % 200) * (1 + (i % 5 == 0) * 250))
        assert cmd(s, f, "set %s 0 0 %d" % (k, len(v)), v) == b"STORED"
        if i % 3 == 0: assert cmd(s, f, "append %s 0 0 3" % k, b"xyz") == b"STORED"
        if i % 7 == 0: cmd(s, f, "delete %s" % k)
    for i in range(400):
        s.sendall(b"get t%d-k%d\r\n" % (t, i)); line = f.readline()
        if line.startswith(b"VALUE"):
            n = int(line.split()[3]); total += len(f.read(n + 2)) - 2; got += 1; f.readline()
    assert cmd(s, f, "set c%d 0 0 1" % t, b"0") == b"STORED"
    for i in range(300): cmd(s, f, "incr c%d %d" % (t, i))
    results[t] = (got, total, int(cmd(s, f, "incr c%d 0" % t)))
    s.close()
ts = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(results)
PY
  memcslap --servers=127.0.0.1:"$port" --concurrency=4 --execute-number=500 >/dev/null 2>&1; echo "memcslap $?"
  memcstat --servers=127.0.0.1:"$port" | grep -E '^\s*(threads|total_connections|cmd_get)' | sed 's/[0-9]*$/N/' | sort | uniq -c
  kill -TERM "$pid"; wait "$pid"; echo "memcached $?"
}

# PostgreSQL 15: initdb into the scratch directory, a server on 127.0.0.1 (a process per
# connection, forked; 128 MB of shared buffers in a shared anonymous mapping, dynamic
# shared memory in /dev/shm), pgbench -i and 4 clients of 200 transactions, queries
# that sort, hash and aggregate in memory, a parallel query, then a fast shutdown.
w_postgres() {
  local bin=/usr/lib/postgresql/15/bin
  [ -x $bin/postgres ] || { echo "SKIP: no postgres"; return 0; }
  need runuser pgbench psql || return 0
  local port; port=$(w6_port 1)
  local pg="runuser -u postgres --"
  mkdir -p "$D/pg" "$D/sock" && chown postgres "$D/pg" "$D/sock" || return 1
  $pg $bin/initdb -D "$D/pg/data" -A trust -U postgres --no-sync >"$D/initdb.log" 2>&1; echo "initdb $?"
  $pg $bin/pg_ctl -D "$D/pg/data" -l "$D/pg/server.log" -w -t 120 \
    -o "-p $port -k $D/sock -c listen_addresses=127.0.0.1 -c max_parallel_workers_per_gather=2 -c fsync=off" start >/dev/null; echo "start $?"
  $pg pgbench -h 127.0.0.1 -p "$port" -U postgres -i -s 2 -q postgres 2>&1 | grep -c 'done in'
  $pg pgbench -h 127.0.0.1 -p "$port" -U postgres -c 4 -j 2 -t 200 postgres 2>&1 | grep -E 'processed|failed'
  $pg psql -X -q -A -t -h 127.0.0.1 -p "$port" -U postgres postgres <<'SQL'
select count(*), sum(abalance) = (select sum(delta) from pgbench_history) from pgbench_accounts;
select count(distinct md5(g::text)) from generate_series(1, 200000) g;
select string_agg(x, ',' order by x desc) is not null from (select md5(g::text) x from generate_series(1, 50000) g) s;
set parallel_setup_cost = 0; set parallel_tuple_cost = 0; set min_parallel_table_scan_size = 0;
select count(*), max(bid) from pgbench_accounts where aid % 3 = 0;
create table j as select g id, jsonb_build_object('k', g, 'a', array[g, g * 2]) doc from generate_series(1, 20000) g;
select sum((doc->>'k')::int) from j where doc @> '{"a": [4]}' or id < 10;
SQL
  $pg $bin/pg_ctl -D "$D/pg/data" -m fast -w -t 120 stop >/dev/null; echo "stop $?"
}

# ffmpeg 5.1: a generated test source and tone encoded with 2 threads to H.264 (x264),
# VP9 (libvpx) and AAC, Opus; decoded back, frame checksums.  Codecs allocate their
# frames with posix_memalign (av_malloc: 64-byte alignment).
w_ffmpeg() {
  need ffmpeg || return 0
  local ff="ffmpeg -nostdin -hide_banner -loglevel error -y"
  $ff -f lavfi -i testsrc=duration=2:size=320x240:rate=25 -f lavfi -i sine=frequency=440:duration=2 \
    -c:v libx264 -preset fast -threads 2 -c:a aac -b:a 96k "$D/a.mp4"; echo "x264 $?"
  $ff -f lavfi -i testsrc2=duration=1:size=256x192:rate=25 -f lavfi -i sine=frequency=220:duration=1 \
    -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -threads 2 -row-mt 1 -c:a libopus "$D/b.webm"; echo "vp9 $?"
  $ff -threads 2 -i "$D/a.mp4" -f framemd5 - | grep -v '^#' | md5sum
  $ff -threads 2 -i "$D/b.webm" -map 0:v -f framemd5 - | grep -v '^#' | md5sum
  $ff -threads 2 -i "$D/a.mp4" -vf scale=160:120,hflip -c:v mpeg4 -q:v 5 -an -f avi - | $ff -i - -f framecrc - | wc -l
  ffprobe -v error -show_entries stream=codec_name,width,height -of csv "$D/b.webm"
}

# ImageMagick 6 (Debian's convert, not this machine's stand-in in /usr/local/bin):
# OpenMP with 2 threads: resize, blur, distort, compose, formats; pixel caches are
# posix_memalign'd.
w_magick() {
  [ -x /usr/bin/convert-im6.q16 ] || { echo "SKIP: no ImageMagick"; return 0; }
  local cv=/usr/bin/convert-im6.q16 id=/usr/bin/identify-im6.q16
  export OMP_NUM_THREADS=2 MAGICK_THREAD_LIMIT=2
  $cv -size 640x480 plasma:fractal -seed 7 "$D/p.png" 2>/dev/null || $cv -size 640x480 gradient:red-blue "$D/p.png"
  $cv -seed 3 -size 640x480 gradient:red-blue \( +clone -blur 0x8 \) -compose multiply -composite \
    -resize 150% -gaussian-blur 0x2 -distort SRT 20 -sharpen 0x1 "$D/a.png"; echo "chain $?"
  $id -format '%w %h %#\n' "$D/a.png"
  $cv "$D/a.png" -quality 85 "$D/a.jpg" && $cv "$D/a.jpg" -resize 50% "$D/a.tif" && $cv "$D/a.tif" "$D/a.webp" 2>/dev/null; echo "formats $?"
  $id -format '%w %h %m\n' "$D/a.tif"
  $cv "$D/a.png" -colorspace Gray -edge 2 -threshold 50% -morphology Dilate Disk:2 -format '%[fx:mean>0]\n' info:
  $cv -size 200x200 xc:white -fill red -draw 'circle 100,100 100,20' -motion-blur 0x12+45 -format '%#\n' info:
}

# sox: synthesised tones through effects (rate conversion, reverb, compand), formats.
w_sox() {
  need sox || return 0
  sox -n -r 44100 -c 2 "$D/a.wav" synth 3 sine 300-3000 sine 440 vol 0.5; echo "synth $?"
  sox "$D/a.wav" -r 22050 "$D/b.flac" reverb 50 compand 0.3,1 6:-70,-60,-20 -5 -90 0.2; echo "fx $?"
  sox "$D/b.flac" -n stat 2>&1 | grep -E 'Samples read|Length' | tr -s ' '
  sox "$D/a.wav" "$D/c.wav" speed 1.5 pitch -200 rate 16k; soxi -s "$D/c.wav"
}

# libvips 8.14: thumbnails, blur, pipelines (its own thread pool, 2 threads).
w_vips() {
  need vips vipsthumbnail || return 0
  export VIPS_CONCURRENCY=2
  vips gaussnoise "$D/n.v" 1200 900 --mean 128 --sigma 30 --seed 7 && vips gaussblur "$D/n.v" "$D/b.png" 3; echo "blur $?"
  vips resize "$D/b.png" "$D/r.jpg" 0.37 && vipsheader "$D/r.jpg"
  vipsthumbnail "$D/b.png" -s 128 -o "$D/t.png" && vipsheader "$D/t.png" | sed 's|.*/||'
  vips sharpen "$D/r.jpg" "$D/s.tif" && vips rot "$D/s.tif" "$D/o.png" d90 && vipsheader "$D/o.png" | sed 's|.*/||'
  vips avg "$D/t.png" | cut -c1-6
}

# Ruby 3.1: threads, GC under pressure (strings, hashes, arrays), Fiber, fork.
w_ruby() {
  need ruby || return 0
  ruby -e '
    h = Hash.new { |hh, k| hh[k] = [] }
    ts = 4.times.map { |t| Thread.new(t) { |n| a = []; 20000.times { |i| a << ("x" * (i % 97)) + i.to_s; h[n] << i if i % 1000 == 0 }; a.map(&:size).sum } }
    puts ts.map(&:value).sum
    GC.start; 3.times { 100000.times.map { |i| { i => i.to_s * 3 } }; GC.start }
    puts GC.count > 0, h.keys.sort.inspect, h.values.map(&:size).sum
    f = Fiber.new { 5.times { |i| Fiber.yield i * i }; :done }; puts 6.times.map { f.resume }.inspect
    s = (1..50000).map { |i| i.to_s(36) }.join(","); puts s.split(",").group_by(&:size).map { |k, v| [k, v.size] }.sort.inspect
    pid = fork { exit!(3) unless (1..1000).sum == 500500; exit 0 }; Process.wait(pid); puts $?.exitstatus
    require "json"; puts JSON.generate(JSON.parse(JSON.generate((1..2000).map { |i| { "a" => i, "b" => [i] * 3 } }))).size'
}

# PHP 8.2 CLI: arrays, strings, PCRE (JIT), JSON, serialize, objects with cycles (the
# cycle collector), a fork if pcntl is there.
w_php() {
  need php || return 0
  php -d memory_limit=512M -r '
    $a = []; for ($i = 0; $i < 200000; $i++) { $a["k" . ($i * 7919 % 200003)] = str_repeat("v", $i % 40) . $i; }
    ksort($a); echo count($a), " ", array_key_first($a), "\n";
    $n = 0; foreach (array_slice($a, 0, 20000) as $v) { $n += preg_match_all("/v+(\d)/", $v); } echo $n, "\n";
    $j = json_encode(array_map(fn($i) => ["id" => $i, "t" => range(0, $i % 9)], range(1, 20000)));
    echo strlen($j), " ", count(json_decode($j, true)), " ", strlen(serialize(unserialize(serialize($a)))), "\n";
    class N { public $o; public $d; } for ($i = 0; $i < 100000; $i++) { $x = new N; $y = new N; $x->o = $y; $y->o = $x; $x->d = str_repeat("z", 64); }
    echo gc_collect_cycles() >= 0 ? "gc\n" : "";
    echo md5(implode(",", array_map("strrev", array_keys(array_slice($a, 0, 5000))))), "\n";
    if (function_exists("pcntl_fork")) { $p = pcntl_fork(); if ($p == 0) exit(4); pcntl_waitpid($p, $st); echo pcntl_wexitstatus($st), "\n"; } else echo "4\n";'
}

# Node 20: worker_threads (4 workers, messages of structured clones and a
# SharedArrayBuffer), Buffers (outside V8's heap: malloc), zlib, crypto, GC pressure.
w_node() {
  need node || return 0
  node --max-old-space-size=256 -e '
    const { Worker } = require("worker_threads"); const zlib = require("zlib"); const crypto = require("crypto");
    const sab = new SharedArrayBuffer(4 * 4); const cnt = new Int32Array(sab);
    const src = `const { parentPort, workerData } = require("worker_threads");
      const c = new Int32Array(workerData.sab); let s = 0;
      for (let i = 0; i < 20000; i++) { const o = { i, s: "x".repeat(i % 50) + i, a: new Array(i % 20).fill(i) }; s += o.s.length + o.a.length; }
      const b = Buffer.alloc(1 << 20, workerData.n); Atomics.add(c, workerData.n, 1);
      parentPort.postMessage({ s, h: require("crypto").createHash("sha256").update(b).digest("hex").slice(0, 8) });`;
    let done = 0; const out = [];
    for (let n = 0; n < 4; n++) {
      const w = new Worker(src, { eval: true, workerData: { sab, n } });
      w.on("message", (m) => { out[n] = m; });
      w.on("exit", () => { if (++done === 4) finish(); });
    }
    function finish() {
      console.log(JSON.stringify(out), Array.from(cnt).join(","));
      const big = Buffer.alloc(8 << 20); for (let i = 0; i < big.length; i += 4096) big[i] = i & 255;
      const z = zlib.gzipSync(big); console.log(z.length > 0, zlib.gunzipSync(z).equals(big));
      let keep = []; for (let r = 0; r < 30; r++) { keep = []; for (let i = 0; i < 20000; i++) keep.push(Buffer.from("buf" + i)); }
      console.log(keep.length, crypto.createHash("md5").update(keep.join("")).digest("hex"));
    }'
}

# perl with ithreads: 4 threads, shared hashes (threads::shared), a queue.
w_perlthr() {
  perl -Mthreads -Mthreads::shared -MThread::Queue -e '
    my %seen :shared; my $q = Thread::Queue->new(1..2000); $q->end;
    my @t = map { threads->create(sub { my $n = 0; while (defined(my $i = $q->dequeue)) { my $s = join("", map { chr(65 + ($_ * $i) % 26) } 1..50);
      { lock(%seen); $seen{$s}++ } $n++ } return $n }) } 1..4;
    my $sum = 0; $sum += $_->join for @t; print "$sum ", scalar(keys %seen), "\n";
    my @r = map { threads->create(sub { my %h = map { $_ => [($_) x 10] } 1..20000; scalar keys %h })->join } 1..3; print "@r\n";'
}

# glibc's extensions, called by Debian's programs: e2fsck -tt prints its memory use from
# mallinfo2; tmux calls malloc_trim (a server, a client, as they run); a C program calls
# them all and checks heapguard's answers are coherent.
w_mallext() {
  need mke2fs e2fsck tmux gcc || return 0
  dd if=/dev/zero of="$D/fs.img" bs=1M count=32 status=none
  mke2fs -q -F -t ext4 -d /usr/share/perl5/Debian "$D/fs.img" && e2fsck -f -n -tt "$D/fs.img" >"$D/fsck.out" 2>&1; echo "e2fsck $?"
  grep -E 'Memory used: [0-9]+k/[0-9]+k' "$D/fsck.out" | head -1 | sed -E 's/.*Memory used: ([0-9]+)k\/([0-9]+)k.*/memory \1 \2/' \
    | awk '{ print ($2 + $3 > 0) ? "memory reported" : "memory zero: " $0 }'
  local sock="$D/tmux.sock"
  tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 40 'seq 1 5000; sleep 30' && \
    for i in 1 2 3; do tmux -S "$sock" split-window -d "seq 1 $((i * 3000)); sleep 30" || break; done
  sleep 1; tmux -S "$sock" list-panes | wc -l
  tmux -S "$sock" capture-pane -p -S -100 -t 0.0 | grep -c .
  tmux -S "$sock" kill-server; echo "tmux $?"
  cat >"$D/ext.c" <<'C'
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  struct mallinfo2 a = mallinfo2();
  void *p[1000];
  for (int i = 0; i < 1000; i++) p[i] = malloc(100 + i * 37);
  struct mallinfo2 b = mallinfo2();
  for (int i = 0; i < 1000; i += 2) free(p[i]);
  int trimmed = malloc_trim(0);
  struct mallinfo2 c = mallinfo2();
  printf("grew %d\n", b.uordblks >= a.uordblks + 1000 * 100);
  printf("shrank %d\n", c.uordblks < b.uordblks);
  printf("trim %d\n", trimmed == 0 || trimmed == 1);
  printf("mallopt %d %d\n", mallopt(M_TRIM_THRESHOLD, 1 << 20) == 1, mallopt(M_ARENA_MAX, 2) == 1);
  char *buf; size_t n; FILE *f = open_memstream(&buf, &n);
  int info = malloc_info(0, f); fclose(f);
  printf("info %d %d\n", info, n > 0 && strstr(buf, "<malloc") != NULL);
  free(buf);
  for (int i = 1; i < 1000; i += 2) free(p[i]);
  return 0;
}
C
  gcc -O1 -o "$D/ext" "$D/ext.c" && "$D/ext"
}

# nginx 1.22: a master and 2 worker processes (forked; the workers run as nobody), each
# of which sets its title over argv and the environment (ngx_setproctitle); static
# files, gzip, ranges, 404s from 4 clients at once, then a graceful stop (SIGQUIT).
w_nginx() {
  need nginx curl || return 0
  local port; port=$(w6_port 2)
  mkdir -p "$D/ngx/www/sub" "$D/ngx/tmp" && chmod -R a+rwx "$D/ngx" || return 1
  seq 1 200000 >"$D/ngx/www/big.txt"; echo hello >"$D/ngx/www/sub/index.html"
  head -c 300000 /usr/bin/bash >"$D/ngx/www/bin.dat"
  cat >"$D/ngx/nginx.conf" <<CONF
daemon off; master_process on; worker_processes 2; user nobody nogroup;
pid $D/ngx/nginx.pid; error_log $D/ngx/error.log warn;
events { worker_connections 64; }
http {
  access_log off; client_body_temp_path $D/ngx/tmp/body; proxy_temp_path $D/ngx/tmp/proxy;
  fastcgi_temp_path $D/ngx/tmp/fcgi; uwsgi_temp_path $D/ngx/tmp/uwsgi; scgi_temp_path $D/ngx/tmp/scgi;
  gzip on; gzip_types text/plain; gzip_min_length 100;
  server { listen 127.0.0.1:$port; root $D/ngx/www; }
}
CONF
  nginx -p "$D/ngx" -e "$D/ngx/error.log" -c "$D/ngx/nginx.conf" &
  local pid=$! i
  for i in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  local u="http://127.0.0.1:$port"
  curl -s "$u/big.txt" | md5sum
  curl -s -H 'Accept-Encoding: gzip' "$u/big.txt" | gzip -d | md5sum
  curl -s -r 1000-1999 "$u/bin.dat" | md5sum
  for i in missing sub/ sub; do curl -s -o /dev/null -w '%{http_code} ' "$u/$i"; done; echo
  seq 1 200 | xargs -P 4 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H 'Accept-Encoding: gzip' "$u/big.txt?{}" | sort | uniq -c
  kill -QUIT "$pid"; wait "$pid"; echo "nginx $?"
}
