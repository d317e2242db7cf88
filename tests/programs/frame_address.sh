#!/usr/bin/env bash
# The address of a report's frame is the call's (the return address less 1), as
# Valgrind prints it: `addr2line -e PROG ADDR` (or gdb's `info line *ADDR`) gives the
# file and line the frame shows.  The return address itself is often the next line's
# (every frame of calls.c's reports, built -O0: they were).  Checks, in check mode, on
# a program without PIE (its addresses are its file's): every frame of calls.c in the
# text report, and every <frame> of it in the XML document (<ip> against <file> and
# <line>), and the text's frames printed without the symboliser (HEAPGUARD_MODE=check
# with a crash in the allocator is crash.sh's: module+offset).
. "$(dirname "$0")/lib.sh"
need gcc addr2line python3
no_heapguard_env
build_cli
build calls gcc -O0 -g -fno-pie -no-pie -o "$T/calls" "$HG_ROOT/tests/programs/frame_address/calls.c"

# check_pairs FILE: each line "0xADDR calls.c:LINE" of FILE, against addr2line
check_pairs() {
  local pairs=$1 n=0 bad=0 addr want got
  while read -r addr want; do
    n=$((n + 1))
    got=$(addr2line -e "$T/calls" "$addr" | sed 's|.*/||; s| (discriminator.*||')
    if [ "$got" != "$want" ]; then
      bad=$((bad + 1))
      say "  $addr: the report says $want, addr2line $got"
    fi
  done <"$pairs"
  [ "$n" -ge 8 ] && [ "$bad" = 0 ]
}

HG_CHECKS=$((HG_CHECKS + 1))
"$HG" check --log-file="$T/text.log" -- "$T/calls" >/dev/null 2>&1
sed -n 's/.* \(at\|by\) \(0x[0-9a-f]*\): [^ ]* (\(calls\.c:[0-9]*\))$/\2 \3/p' "$T/text.log" >"$T/text.frames"
if check_pairs "$T/text.frames"; then say "ok: every frame's address is its call's, by addr2line"
else fail "frames whose address is not the call's (above)"; sed 's/^/  | /' "$T/text.log" | head -n 30; fi

HG_CHECKS=$((HG_CHECKS + 1))
"$HG" check --xml=yes --xml-file="$T/calls.xml" -- "$T/calls" >/dev/null 2>&1
python3 - "$T/calls.xml" >"$T/xml.frames" <<'PY'
import sys, xml.etree.ElementTree as E
for f in E.parse(sys.argv[1]).getroot().iter("frame"):
    if f.findtext("file") == "calls.c":
        print(f.findtext("ip"), "calls.c:" + f.findtext("line"))
PY
if check_pairs "$T/xml.frames"; then say "ok: every <frame>'s <ip> is its call's, by addr2line"
else fail "XML frames whose <ip> is not the call's (above)"; sed 's/^/  | /' "$T/xml.frames"; fi
finish
