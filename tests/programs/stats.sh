#!/usr/bin/env bash
# Stats mode (HEAPGUARD_STATS, HEAPGUARD_TIMELINE, `heapguard stats`): exact figures for
# known allocation patterns (stats/patterns.c, checked by stats/check.py: requested and
# in-use bytes, waste per size class, medium and large blocks, malloc(0), calloc,
# posix_memalign, realloc in place and moving, frees derived), bounds on waste, the
# seed's fragmentation challenge, threads with remote frees, mallinfo2, malloc_stats and
# malloc_info against the table, fork, the signal, %p in file names, the timeline's
# format, the text table, and the CLI.
. "$(dirname "$0")/lib.sh"
need gcc python3
: "${HG_BUILD:=$HG_ROOT/build}"
D=$HG_ROOT/tests/programs/stats
no_heapguard_env

check() { HG_CHECKS=$((HG_CHECKS + 1)); }
ok() { say "ok    $*"; }

PAT=$T/patterns
if ! gcc -O1 -g -fno-builtin -pthread -Wall -Wextra -Werror "$D/patterns.c" -o "$PAT" >"$T/build.log" 2>&1; then
  say "FAIL: cannot build patterns.c:"; sed 's/^/  | /' "$T/build.log"; exit 1
fi

# run NAME ENV... -- ARGS: the pattern program preloaded; stdout NAME.out, stderr NAME.err
run() {
  local name=$1; shift
  local -a envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  { timeout -k 5 60 env "${envs[@]}" LD_PRELOAD="$HG_LIB_SO" "$PAT" "$@" >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  st=$?
}

# pycheck NAME SCENARIO FILE [extra...]: check.py's verdict as one check
pycheck() {
  local name=$1; shift
  check
  if python3 "$D/check.py" "$@" >"$T/$name.check" 2>&1; then
    ok "$name ($(grep -c '^ok' "$T/$name.check") figures)"
  else
    fail "$name: $(grep -m1 -E 'FAIL|Error' "$T/$name.check")"; sed 's/^/  | /' "$T/$name.check" | tail -n 15
    say "  stderr:"; sed 's/^/  | /' "$T/$name.err" 2>/dev/null | head -n 10
  fi
}

for s in small kinds waste frag threads; do
  run "$s" HEAPGUARD_STATS=json HEAPGUARD_STATS_FILE="$T/$s.json" -- "$s"
  check; [ "$st" = 0 ] || fail "$s: exit status $(status_desc "$st")"
  pycheck "$s" "$s" "$T/$s.json" "$T/$s.out"
done

# mallinfo2, malloc_stats (stderr) and malloc_info (info.xml) against the snapshot
(cd "$T" && run info HEAPGUARD_STATS=json HEAPGUARD_STATS_FILE="$T/info.json" -- info)
pycheck info info "$T/info.json" "$T/info.out" "$T/info.err" "$T/info.xml"

# the text table, and the same figures in JSON from the same run's final snapshot
run text HEAPGUARD_STATS=text -- small
check
if grep -q 'heapguard stats for .*patterns (pid [0-9]*), at exit' "$T/text.err" &&
   grep -Eq '^  requested \(live blocks\) +0 ' "$T/text.err" &&
   grep -Eq '^ +32 +0 +0 +0 +0 ' "$T/text.err" && grep -q 'external fragmentation' "$T/text.err" &&
   grep -Eq '^  blocks allocated +1000 ' "$T/text.err" && grep -Eq '^  blocks freed \(derived\) +1000 ' "$T/text.err"; then
  ok "text table at exit (stderr): 1000 blocks allocated and freed"
else
  fail "text table:"; sed 's/^/  | /' "$T/text.err" | head -n 40
fi

# one shared file (no %p) for a script's processes: the stats of every process are kept,
# those of the commands run before the script execs its last one included; what an
# earlier run left in the file is not
echo "stale table from an earlier run" >"$T/shared.txt"; touch -d '1 hour ago' "$T/shared.txt"
{ timeout -k 5 60 env HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/shared.txt" LD_PRELOAD="$HG_LIB_SO" \
    bash -c '"$1" small >/dev/null; "$1" small >/dev/null; exec "$1" small >/dev/null' sh "$PAT" \
    >"$T/shared.out" 2>"$T/shared.err"; } 2>/dev/null
st=$?
check
n=$(grep -c 'heapguard stats for .*patterns (pid [0-9]*), at exit' "$T/shared.txt" 2>/dev/null)
if [ "$st" = 0 ] && [ "$n" = 3 ] && ! grep -q stale "$T/shared.txt"; then
  ok "shared stats file: the tables of all three programs, the exec'd one's included; the stale one gone"
else
  fail "shared stats file: status $(status_desc "$st"), $n tables of the program's 3:"; sed 's/^/  | /' "$T/shared.txt" | grep -E 'stats for|stale'
fi

# %p: with fork, each process its own file; the child has the parent's 500 blocks + 100
rm -f "$T"/fork.*.json
run fork HEAPGUARD_STATS=json HEAPGUARD_STATS_FILE="$T/fork.%p.json" HEAPGUARD_TIMELINE="$T/forktl.%p.jsonl" -- fork
check
files=("$T"/fork.*.json)
if [ "$st" = 0 ] && [ ${#files[@]} = 2 ]; then
  reqs=$(for f in "${files[@]}"; do python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).readline()); print(o["pid"], o["requested"], o["type"])' "$f"; done | sort -k2n)
  if [ "$(awk '{print $2}' <<<"$reqs" | tr '\n' ' ')" = "12024 14400 " ]; then
    ok "fork with %p: two stats files (parent 501 x 24 bytes, child 600 x 24): $(tr '\n' ';' <<<"$reqs")"
  else
    fail "fork: requested per process: $reqs (want 12024 for the parent, 14400 for the child)"
  fi
else
  fail "fork: status $st, files: ${files[*]}"; sed 's/^/  | /' "$T/fork.err" | head
fi
for f in "$T"/forktl.*.jsonl; do pycheck "fork timeline $(basename "$f")" timeline "$f" 0; done
check; n=$(ls "$T"/forktl.*.jsonl | wc -l); [ "$n" = 2 ] && ok "fork with %p: two timelines" || fail "fork: $n timelines"
# without %p: one timeline, the parent's (the forked child writes none)
run fork1 HEAPGUARD_TIMELINE="$T/fork1.jsonl" -- fork
pycheck "fork, one timeline file" timeline "$T/fork1.jsonl" 0
check
if [ "$(grep -c '"type":"start"' "$T/fork1.jsonl")" = 1 ] && [ "$(grep -c '"type":"final"' "$T/fork1.jsonl")" = 1 ]; then
  ok "fork without %p: one start and one final record"; else fail "fork without %p: $(grep -o '"type":"[a-z]*"' "$T/fork1.jsonl" | sort | uniq -c | tr '\n' ' ')"; fi

# the timeline: start, samples at least the interval apart with increasing t_ms, final
run timeline HEAPGUARD_TIMELINE="$T/timeline.jsonl" HEAPGUARD_TIMELINE_MS=10 -- timeline
check; [ "$st" = 0 ] && [ ! -s "$T/timeline.err" ] && ok "timeline run: status 0, nothing on stderr" || fail "timeline run: status $st: $(head -c 300 "$T/timeline.err")"
pycheck timeline timeline "$T/timeline.jsonl" 5
# an interval longer than the run: the samples after the heap grew show its course
run timeline_extra HEAPGUARD_TIMELINE="$T/timeline_extra.jsonl" HEAPGUARD_TIMELINE_MS=100000 -- timeline
check; [ "$st" = 0 ] && ok "timeline run with a 100 s interval: status 0" || fail "timeline_extra run: status $st"
pycheck "timeline, extra samples" timeline_extra "$T/timeline_extra.jsonl"

# the signal: raised by the program (printed at once by the handler), then sent from
# outside while it allocates in a loop (printed at once or by the next allocation)
run signal HEAPGUARD_STATS_SIGNAL=USR1 -- signal 50 raise
check
if [ "$st" = 0 ] && grep -q 'heapguard stats for .*, on a signal' "$T/signal.err" && ! grep -q 'at exit' "$T/signal.err"; then
  ok "HEAPGUARD_STATS_SIGNAL=USR1 alone: the table on the signal, none at exit"
else
  fail "signal raised by the program: status $st"; sed 's/^/  | /' "$T/signal.err" | head
fi
( env HEAPGUARD_STATS=json HEAPGUARD_STATS_FILE="$T/sig2.json" HEAPGUARD_STATS_SIGNAL=SIGUSR2 \
    LD_PRELOAD="$HG_LIB_SO" "$PAT" signal 1500 >"$T/sig2.out" 2>"$T/sig2.err" & pid=$!
  for i in $(seq 100); do grep -q ready "$T/sig2.out" 2>/dev/null && break; sleep 0.02; done
  for i in 1 2 3 4 5; do kill -USR2 $pid 2>/dev/null; sleep 0.1; done
  wait $pid )   # (env execs the program: $! is its pid)
st=$?
check
n=$(grep -c '"when":"on a signal"' "$T/sig2.json" 2>/dev/null)
if [ "$st" = 0 ] && [ "$n" -ge 5 ] && python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/sig2.json"; then
  ok "SIGUSR2 sent 5 times while the program allocates: $n snapshots, valid JSON, exit 0"
else
  fail "signal from outside: status $st, $n snapshots"; head -c 600 "$T/sig2.json"; sed 's/^/  | /' "$T/sig2.err" | head
fi

# check mode's big slot (a mapping of its own) is a large block, in the map as in the
# figures: the map said "medium" for it (both figures said large)
run big HEAPGUARD_MODE=check HEAPGUARD_STATS=json HEAPGUARD_STATS_FILE="$T/big.json" -- big
check
if [ "$st" = 0 ] && python3 - "$T/big.json" <<'PY'
import json, sys
snap = json.loads(open(sys.argv[1]).readline())
big = [s["kind"] for s in snap["spans"] if s["bytes"] >= 40 << 20]
assert big == ["large"] and snap["kinds"]["large"]["live"] == 1, (big, snap["kinds"]["large"])
PY
then ok "check mode's 40 MiB block: a large span in the map, a large block in the figures"
else fail "check mode's 40 MiB block: status $st"; head -c 600 "$T/big.json"; fi

# the CLI: heapguard stats [--json] [--output] [--timeline] [--interval]
HG=$HG_BUILD/heapguard
if [ -x "$HG" ]; then
  check
  { "$HG" stats -- "$PAT" small >/dev/null 2>"$T/cli1.err"; } 2>/dev/null; st=$?
  if [ "$st" = 0 ] && grep -q 'heapguard stats for' "$T/cli1.err"; then ok "heapguard stats -- prog: the table on stderr"; else fail "heapguard stats: status $st"; head "$T/cli1.err"; fi
  check
  { "$HG" stats --json --output="$T/cli.%p.json" --timeline="$T/cli.jsonl" --interval=5 -- "$PAT" timeline >/dev/null 2>"$T/cli2.err"; } 2>/dev/null; st=$?
  f=$(ls "$T"/cli.*.json 2>/dev/null | head -n 1)
  if [ "$st" = 0 ] && [ -n "$f" ] && python3 - "$f" "$T/cli.jsonl" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1])][-1]
tl = [json.loads(l) for l in open(sys.argv[2])]
assert final["type"] == "final" and tl[-1]["type"] == "final", "types"
assert tl[0]["interval_ms"] == 5, "interval"
same = {k: final[k] == tl[-1][k] for k in final if k not in ("t_ms", "rss", "meta", "kernel_calls", "mmap", "spans")}
assert all(same.values()), [k for k, v in same.items() if not v]
PY
  then ok "heapguard stats --json --output=%p --timeline --interval=5: the same final object in both files"
  else fail "heapguard stats --json ...: status $st, file '$f'"; head -c 400 "$T/cli2.err"; fi
fi
finish
