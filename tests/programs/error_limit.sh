#!/usr/bin/env bash
# --error-limit=yes|no (HEAPGUARD_ERROR_LIMIT): after 1000 different errors have been
# printed, the errors of new contexts are counted but not printed.  error_limit/many.c
# makes 1100 different heap-buffer-overflows (one free, 1100 allocation stacks), twice,
# then loses 1100 blocks from 1100 stacks.  Checks:
#   * the default: 1000 overflow reports, the line saying the rest are not printed (once),
#     all 1100 loss records (leaks are never limited), the ERROR SUMMARY exact (3300
#     errors from 2200 contexts), the list of repeats naming the 1000 printed contexts
#     only, status 99 (the error exit code);
#   * --error-limit=no and HEAPGUARD_ERROR_LIMIT=0: all 1100 printed, no such line, the
#     same summary; HEAPGUARD_ERROR_LIMIT=1 as the default;
#   * 1000 different errors exactly: all printed, no line (the limit is "more than");
#   * --xml=yes: the document has the 1000 printed errors and counts for them only;
#   * a bad value is refused by the CLI (status 2).
. "$(dirname "$0")/lib.sh"
need gcc python3
no_heapguard_env
build_cli
build many gcc -O0 -g -o "$T/many" "$HG_ROOT/tests/programs/error_limit/many.c"

# expect NAME STATUS OVERFLOWS LIMIT_LINES LOSS_RECORDS REPEATS SUMMARY
expect() {
  local name=$1 want="$2|$3|$4|$5|$6|$7" f=$T/err
  local got="$st|$(grep -c 'ERROR: heap-buffer-overflow' "$f")|$(grep -c 'More than 1000 different errors' "$f")"
  got+="|$(grep -c 'definitely lost in loss record' "$f")|$(grep -c ' times: heap-buffer-overflow' "$f")"
  got+="|$(sed -n 's/^==[0-9]*== ERROR SUMMARY: //p' "$f")"
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$got" != "$want" ] || ! grep -q '^done$' "$T/out"; then
    fail "$name: status|overflows printed|limit lines|loss records|repeats listed|summary:" \
         "got $got, wanted $want"
    tail -n 20 "$f" | sed 's/^/  | /'
  else say "ok: $name: $got"; fi
}

"$HG" check -- "$T/many" 1100 2 leaks >"$T/out" 2>"$T/err"; st=$?
expect "default" 99 1000 1 1100 1000 "3300 errors from 2200 contexts"
# The line comes right after the 1000th report, before any error it holds back.
n=$(grep -n 'More than 1000 different errors' "$T/err" | cut -d: -f1)
last=$(grep -n 'ERROR: heap-buffer-overflow' "$T/err" | tail -n 1 | cut -d: -f1)
HG_CHECKS=$((HG_CHECKS + 1))
if [ -n "$n" ] && [ -n "$last" ] && [ "$n" -gt "$last" ]; then say "ok: the line follows the last report"
else fail "the limit's line (line ${n:-none}) is not after the last overflow report (line ${last:-none})"; fi

"$HG" check --error-limit=no -- "$T/many" 1100 2 leaks >"$T/out" 2>"$T/err"; st=$?
expect "--error-limit=no" 99 1100 0 1100 1100 "3300 errors from 2200 contexts"
"$HG" check --error-limit=yes -- "$T/many" 1100 1 >"$T/out" 2>"$T/err"; st=$?
expect "--error-limit=yes" 99 1000 1 0 0 "1100 errors from 1100 contexts"
for v in 0 1; do
  env LD_PRELOAD="$HG_LIB_SO" HEAPGUARD_MODE=check HEAPGUARD_ERROR_LIMIT=$v "$T/many" 1100 1 >"$T/out" 2>"$T/err"; st=$?
  if [ $v = 0 ]; then expect "HEAPGUARD_ERROR_LIMIT=$v" 99 1100 0 0 0 "1100 errors from 1100 contexts"
  else expect "HEAPGUARD_ERROR_LIMIT=$v" 99 1000 1 0 0 "1100 errors from 1100 contexts"; fi
done
"$HG" check -- "$T/many" 1000 1 >"$T/out" 2>"$T/err"; st=$?
expect "1000 different errors" 99 1000 0 0 0 "1000 errors from 1000 contexts"

# The XML document: the errors printed, and counts for those only.
"$HG" check --xml=yes --xml-file="$T/doc.xml" -- "$T/many" 1100 2 >"$T/out" 2>"$T/err"; st=$?
got=$(python3 - "$T/doc.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
errors = root.findall("error")
ids = {e.findtext("unique") for e in errors}
pairs = root.findall("errorcounts/pair")
print(len(errors), len(pairs), all(p.findtext("unique") in ids for p in pairs),
      sorted({p.findtext("count") for p in pairs}))
PY
)
HG_CHECKS=$((HG_CHECKS + 1))
if [ "$st|$got" = "99|1000 1000 True ['2']" ]; then say "ok: xml: $got"
else fail "xml: status|errors, count pairs, pairs all of printed errors, counts: got $st|$got, wanted 99|1000 1000 True ['2']"; fi

"$HG" check --error-limit=maybe -- "$T/many" 1 1 >"$T/out" 2>"$T/err"; st=$?
HG_CHECKS=$((HG_CHECKS + 1))
if [ $st = 2 ] && grep -q "error-limit" "$T/err"; then say "ok: a bad value is refused: $(head -n 1 "$T/err")"
else fail "--error-limit=maybe: status $st, wanted 2 with a message"; cat "$T/err"; fi
finish
