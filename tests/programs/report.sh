#!/usr/bin/env bash
# `heapguard report TIMELINE -o page.html`, checked in a real browser: each page is
# rendered by Debian's chromium, headless, and the DOM after the page's script ran is
# checked against the timeline by report/check_page.py (the plots are SVG, the series
# are there, the figures shown match the data, one bar per size class, one block per
# span).  Timelines: the hand-written fixture report/timeline.jsonl, a long generated
# one (thinned out for drawing, peaks kept), the fixture cut short in its last record
# (the page says the run did not finish), a snapshot with only a final record (no
# plots over time), and real ones written by the library (HEAPGUARD_TIMELINE, what
# `heapguard stats --timeline` sets) for a program that runs half a second and for
# examples/fragmentation.c.  Also: invalid JSON (status 1, file:line:column), a missing
# file, usage errors (status 2), --help.  A screenshot of the fixture's page is left in
# $T/report.png for a human to look at.
. "$(dirname "$0")/lib.sh"
need make gcc python3 chromium
: "${HG_BUILD:=$HG_ROOT/build}"
FIX=$HG_ROOT/tests/programs/report

build_cli
no_heapguard_env

check() { HG_CHECKS=$((HG_CHECKS + 1)); }
ok() { say "ok    $*"; }

# chromium: its own profile in $T, no sandbox (root), no GPU; DOM after scripts ran
CHROME=(chromium --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions
        --user-data-dir="$T/chrome-profile" --hide-scrollbars)
dump_dom() { # PAGE OUT
  timeout -k 5 120 "${CHROME[@]}" --dump-dom "file://$1" >"$2" 2>>"$T/chromium.log"
}

# render NAME TIMELINE [check_page flags]: report, browser, page checks
render() {
  local name=$1 tl=$2; shift 2
  check
  "$HG" report "$tl" -o "$T/$name.html" >"$T/$name.out" 2>"$T/$name.err"
  local st=$?
  if [ $st -ne 0 ]; then
    fail "$name: heapguard report $tl exited with status $(status_desc $st)"; sed 's/^/  | /' "$T/$name.err"; return
  fi
  if ! dump_dom "$T/$name.html" "$T/$name.dom" || ! [ -s "$T/$name.dom" ]; then
    fail "$name: chromium could not render $T/$name.html"; tail -n 5 "$T/chromium.log" | sed 's/^/  | /'; return
  fi
  if python3 "$FIX/check_page.py" "$T/$name.dom" "$T/$name.html" "$tl" "$@" >"$T/$name.check" 2>&1; then
    ok "$name: $(cat "$T/$name.out"); $(tail -n 1 "$T/$name.check")"
  else
    fail "$name: the rendered page does not match $tl:"; sed 's/^/  | /' "$T/$name.check" | tail -n 25
  fi
}

# 1. the fixture, by hand: start, samples (with unknown fields and record types), final
render fixture "$FIX/timeline.jsonl"
check
if [ "$(head -n 1 "$T/fixture.out")" = "wrote $T/fixture.html: 9 samples over 0.09 s, peak in use 1.00 MiB, 6 size classes, 12 spans" ]; then
  ok "fixture: the command's summary line"
else
  fail "fixture: summary line: $(cat "$T/fixture.out")"
fi
# a screenshot to look at (not compared: fonts differ between machines)
check
if timeout -k 5 120 "${CHROME[@]}" --window-size=1200,1900 --screenshot="$T/report.png" \
     "file://$T/fixture.html" >>"$T/chromium.log" 2>&1 && [ -s "$T/report.png" ]; then
  ok "screenshot: $T/report.png"
else
  fail "screenshot: chromium --screenshot failed"
fi

# 2. a long timeline: 20,000 samples (drawn thinned out), 72 classes, 400 spans
python3 - "$T/long.jsonl" <<'EOF'
import json, math, random, sys
random.seed(6)
out = open(sys.argv[1], "w")
w = lambda r: out.write(json.dumps(r) + "\n")
w({"type": "start", "version": "0.1.0", "pid": 77, "program": "/usr/bin/long <&> \"test\"",
   "page_size": 4096, "interval_ms": 10})
classes = [16 * i for i in range(1, 9)] + [int(128 * 2 ** (k / 8)) // 16 * 16 for k in range(1, 65)]
for i in range(20000):
    base = 8e6 * (1 + math.sin(i / 900)) + 1e5 * random.random() + (3e7 if i == 13331 else 0)
    req = int(base); in_use = int(base * 1.07)
    free = int(2e6 + 1e6 * random.random()); largest = int(free * random.random())
    w({"type": "sample", "t_ms": i * 10 + 0.5, "requested": req, "in_use": in_use,
       "mapped": in_use + free + 4096 * 64, "meta": 300000, "rss": in_use + 1500000 + (i % 7) * 4096,
       "free": free, "free_runs": 1 + i % 50, "largest_free": largest,
       "external_frag": round(1 - largest / free, 4), "internal_waste": in_use - req,
       "mallocs": 10 * i, "frees": 9 * i, "kernel_calls": i // 100})
spans, addr = [], 0x55d000000000
for i in range(400):
    kind = random.choice(["small"] * 6 + ["medium", "free", "large"])
    if kind == "large":
        addr += 1 << 30
    b = 4096 * random.choice([1, 2, 4, 8, 16, 64]) if kind != "large" else 4096 * 300
    s = {"start": addr, "bytes": b, "kind": kind}
    if kind == "small":
        c = random.choice(classes); s.update(class_size=c, slots=b // c, used=random.randint(0, b // c))
    spans.append(s); addr += b
# peak_in_use: the writer's high-water mark, above every sample: the page shows it
w({"type": "final", "t_ms": 200005, "requested": 5000000, "in_use": 5300000, "mapped": 9000000,
   "peak_in_use": 50000000,
   "meta": 300000, "rss": 7000000, "free": 3000000, "free_runs": 9, "largest_free": 1000000,
   "external_frag": 0.6667, "internal_waste": 300000, "mallocs": 200000, "frees": 190000,
   "kernel_calls": 250,
   "classes": [{"size": c, "live": n, "requested": n * c - n * (c // 10), "in_use": n * c,
                "waste": n * (c // 10)} for c in classes for n in [random.randint(0, 500)]],
   "spans": spans, "threads": [{"id": t, "spans": 10 * t, "free_slots": t} for t in range(1, 5)]})
EOF
render long "$T/long.jsonl"

# 3. cut short in its last record (the program was killed while writing)
head -c -57 "$FIX/timeline.jsonl" >"$T/cut.jsonl"
render cut "$T/cut.jsonl" --truncated
check
if grep -q 'the run did not finish' "$T/cut.err"; then ok "cut: the command says the run did not finish"
else fail "cut: no 'did not finish' on stderr: $(cat "$T/cut.err")"; fi
# ... and cut right after a sample: no final record
head -n 8 "$FIX/timeline.jsonl" >"$T/nofinal.jsonl"
render nofinal "$T/nofinal.jsonl"

# 4. a snapshot: only the final record, as `heapguard stats --json` prints it
tail -n 1 "$FIX/timeline.jsonl" >"$T/snapshot.json"
render snapshot "$T/snapshot.json" --snapshot
tail -n 1 "$FIX/timeline.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); del r["type"]; print(json.dumps(r, indent=2))' \
  >"$T/snapshot-pretty.json"
render snapshot-pretty "$T/snapshot-pretty.json" --snapshot

# ... and a timeline whose heap picture is a snapshot (hg_stats_print), no final record
{ head -n 8 "$FIX/timeline.jsonl"; tail -n 1 "$FIX/timeline.jsonl" | sed 's/"type":"final"/"type":"snapshot","when":"hg_stats_print()"/'; } \
  >"$T/snaponly.jsonl"
render snaponly "$T/snaponly.jsonl"

# 5. errors: status, and one line naming the file (and line and column)
# expect_error NAME STATUS REGEX ARGS...
expect_error() {
  local name=$1 want=$2 re=$3; shift 3
  check
  "$HG" report "$@" >"$T/$name.out" 2>"$T/$name.err"; local st=$?
  if [ "$st" -ne "$want" ]; then
    fail "$name: status $st, wanted $want (heapguard report $*)"; sed 's/^/  | /' "$T/$name.err"
  elif [ "$(wc -l <"$T/$name.err")" -ne 1 ] || ! grep -Eq -- "$re" "$T/$name.err"; then
    fail "$name: wanted one stderr line matching '$re'"; sed 's/^/  | /' "$T/$name.err"
  elif [ -s "$T/$name.out" ]; then
    fail "$name: printed on stdout"
  else
    ok "$name: $(cat "$T/$name.err")"
  fi
}
{ head -n 3 "$FIX/timeline.jsonl"; echo '{"type":"sample","t_ms":40.0,"requested":768000,,"in_use":1}'
  tail -n 2 "$FIX/timeline.jsonl"; } >"$T/bad.jsonl"
expect_error bad-json 1 "^heapguard: $T/bad.jsonl:4:49: expected a member name in quotes, found" "$T/bad.jsonl" -o "$T/bad.html"
check; if [ -e "$T/bad.html" ]; then fail "bad-json: a page was written"; else ok "bad-json: no page written"; fi
printf '{"type":"start","pid":1}\n{"type":"sample","t_ms":1e999}\n' >"$T/range.jsonl"
expect_error bad-number 1 "range.jsonl:2:[0-9]+: number out of range" "$T/range.jsonl"
printf '{"type":"start","pid":1}\n{"type":"sample","t_ms":1,"requested":2}\n' >"$T/missing-field.jsonl"
expect_error bad-sample 1 'missing-field.jsonl:2: a sample record has no "in_use"' "$T/missing-field.jsonl"
printf '{"type":"start","pid":1' >"$T/first-cut.jsonl"
expect_error first-cut 1 'first-cut.jsonl:1:[0-9]+: .*ends inside its first record' "$T/first-cut.jsonl"
: >"$T/empty.jsonl"
expect_error empty 1 "empty.jsonl: empty" "$T/empty.jsonl"
expect_error missing 1 "^heapguard: cannot read $T/nope.jsonl: No such file or directory$" "$T/nope.jsonl"
# An endless device was read until memory ran out (the reading now stops at a NUL byte)
check; timeout 30 "$HG" report /dev/zero -o "$T/zero.html" >/dev/null 2>"$T/zero.err"; st=$?
if [ $st -eq 1 ] && grep -q '^heapguard: /dev/zero:1:1: expected a value, found byte 0x00$' "$T/zero.err"; then ok "endless: $(cat "$T/zero.err")"
else fail "endless: heapguard report /dev/zero: status $st (124: it read on), $(head -c 200 "$T/zero.err")"; fi
expect_error no-arg 2 "no timeline file given to 'report' \(see heapguard report --help\)"
expect_error two-args 2 "takes one timeline file" "$T/a.jsonl" "$T/b.jsonl"
expect_error bad-option 2 "unknown option '--colour' for 'report'" --colour=red "$FIX/timeline.jsonl"
expect_error no-output 2 "option '-o' needs a file name" "$FIX/timeline.jsonl" -o
expect_error stdin-no-o 2 "give the output file with -o" -
expect_error unwritable 1 "cannot write /nonexistent/x.html" "$FIX/timeline.jsonl" -o /nonexistent/x.html
# A device that refuses the page, through a symbolic link: one line, and neither the
# link nor the device removed (the half-written page's removal took /dev/full with it).
if [ -w /dev/full ]; then
  ln -s /dev/full "$T/full.html"
  expect_error full 1 "cannot write $T/full.html: No space left on device" "$FIX/timeline.jsonl" -o "$T/full.html"
  check; if [ -L "$T/full.html" ]; then ok "full: the link is kept"; else fail "full: the link to /dev/full was removed"; fi
fi

# the other ways to name the output; the default is the timeline's name with .html
cp "$FIX/timeline.jsonl" "$T/default.jsonl"
check
if "$HG" report "$T/default.jsonl" >"$T/default.out" 2>&1 && [ -s "$T/default.html" ] &&
   "$HG" report --output="$T/o1.html" "$T/default.jsonl" >/dev/null 2>&1 && [ -s "$T/o1.html" ] &&
   "$HG" report --output "$T/o2.html" -- "$T/default.jsonl" >/dev/null 2>&1 && [ -s "$T/o2.html" ] &&
   "$HG" report - -o "$T/o3.html" <"$T/default.jsonl" >/dev/null 2>&1 && [ -s "$T/o3.html" ]; then
  ok "output: default $T/default.html, --output=, --output, stdin with -o"
else
  fail "output: default name, --output=FILE, --output FILE or stdin failed: $(cat "$T/default.out")"
fi

# help
check
"$HG" report --help >"$T/help.out" 2>&1; st=$?
"$HG" help report >"$T/help2.out" 2>&1
if [ $st -eq 0 ] && grep -q '^usage: heapguard report TIMELINE \[-o FILE\]' "$T/help.out" &&
   cmp -s "$T/help.out" "$T/help2.out" && "$HG" --help | grep '^  report ' >/dev/null; then
  ok "help: report --help = help report; listed by heapguard --help"
else
  fail "help: status $st"; sed 's/^/  | /' "$T/help.out" | head -n 5
fi

# 6. real timelines, written by the library (HEAPGUARD_TIMELINE, which `heapguard stats
# --timeline=FILE` sets): a program that allocates and frees for about half a second
# (many samples), and the seed's fragmentation challenge (examples/fragmentation.c)
cat >"$T/churn.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include <time.h>
int main(void) {   /* grows with blocks of up to 2 KB, frees a third each round, then
                      smaller blocks; sleeps between rounds so the timeline has samples */
  static void *p[20000];
  srand(1);
  for (int round = 0; round < 60; round++) {
    for (int i = 0; i < 20000; i++) {
      if (p[i] && rand() % 3 == 0) { free(p[i]); p[i] = NULL; }
      else if (!p[i]) { size_t n = 16 + rand() % (round < 30 ? 2000 : 300); p[i] = malloc(n); memset(p[i], 1, n); }
    }
    struct timespec ts = { 0, 5000000 };
    nanosleep(&ts, NULL);
  }
  for (int i = 0; i < 20000; i += 2) { free(p[i]); p[i] = NULL; }
  return 0;
}
EOF
check
if ! gcc -O1 -w -o "$T/churn" "$T/churn.c" 2>"$T/real.build" ||
   ! gcc -O1 -w -o "$T/fragmentation" "$HG_ROOT/examples/fragmentation.c" 2>>"$T/real.build"; then
  fail "real: cannot build the programs:"; sed 's/^/  | /' "$T/real.build"
elif ! env HEAPGUARD_TIMELINE="$T/probe.jsonl" LD_PRELOAD="$HG_LIB_SO" true 2>/dev/null ||
     ! grep -q '"type":"start"' "$T/probe.jsonl" 2>/dev/null; then
  # the library's timeline writer is the stats issue's; until it exists there is no real file
  say "skip  real: the library writes no timeline yet (HEAPGUARD_TIMELINE): no real timeline checked"
else
  ok "real: the library writes a timeline (HEAPGUARD_TIMELINE)"
  for prog in churn fragmentation; do
    check
    # through the CLI when it has `stats --timeline`, else the variable it sets
    if "$HG" stats --help 2>/dev/null | grep -- '--timeline' >/dev/null; then
      how="heapguard stats --timeline"
      "$HG" stats --timeline="$T/$prog.jsonl" -- "$T/$prog" >"$T/$prog.prog.out" 2>"$T/$prog.prog.err"
    else
      how="HEAPGUARD_TIMELINE"
      env HEAPGUARD_TIMELINE="$T/$prog.jsonl" LD_PRELOAD="$HG_LIB_SO" "$T/$prog" >"$T/$prog.prog.out" 2>"$T/$prog.prog.err"
    fi
    st=$?
    if [ $st -ne 0 ] || ! [ -s "$T/$prog.jsonl" ]; then
      fail "real $prog: $how: status $st, $(wc -c <"$T/$prog.jsonl" 2>/dev/null || echo no) bytes of timeline"
      tail -n 5 "$T/$prog.prog.err" | sed 's/^/  | /'
      continue
    fi
    ok "real $prog: $how wrote $(wc -l <"$T/$prog.jsonl") records"
    render "real-$prog" "$T/$prog.jsonl"
  done
  # `heapguard stats --json`: the final record alone, rendered as a snapshot
  if "$HG" stats --help 2>/dev/null | grep -- '--json' >/dev/null; then
    check
    if "$HG" stats --json --output="$T/stats.json" -- "$T/fragmentation" >/dev/null 2>&1 && [ -s "$T/stats.json" ]; then
      ok "real: heapguard stats --json wrote $(wc -c <"$T/stats.json") bytes"
      render real-json "$T/stats.json" --snapshot
    else
      fail "real: heapguard stats --json --output=$T/stats.json failed"
    fi
  fi
  check   # the long run must give a plot: samples, not just the final record
  n=$(grep -c '"type":"sample"' "$T/churn.jsonl" 2>/dev/null)
  if [ "${n:-0}" -ge 5 ]; then ok "real churn: $n samples"
  else fail "real churn: only ${n:-0} samples in half a second of running"; fi
fi
finish
