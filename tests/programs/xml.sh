#!/usr/bin/env bash
# --xml=yes --xml-file=PATH (HEAPGUARD_XML, HEAPGUARD_XML_FILE): the errors as Valgrind's
# XML, protocol version 4, for the CI plugins and IDEs that read Memcheck's.  Each
# document is read by xml/check.py (python3's xml.etree).  Checks:
#   * each kind, on tests/bugs and tests/guard programs: the <kind>s (Memcheck's names),
#     the first stack's top frame's function, file and line (the free's for a write
#     after free found at exit: no stack is empty, as Valgrind's schema says), its
#     <dir> absolute (joined to the compiler's directory for a relative name), the
#     leaks' bytes and blocks, the <errorcounts> (an error seen three times: 3); guard
#     mode's faults (a write: InvalidWrite, a read: InvalidRead) and a crash
#     (<fatal_signal>): the document is closed though the process dies of the signal,
#     and when the report itself faults; C++ names demangled in <fn> (mangled with
#     HEAPGUARD_DEMANGLE=no); an inlined call a <frame> of its own (none with
#     HEAPGUARD_READ_INLINE_INFO=no); possibly lost records (Leak_PossiblyLost, with
#     --show-leak-kinds=possible); each error's thread (<tid>, <threadname>);
#   * beside real `valgrind --xml=yes` (when installed): the same elements in the same
#     order in an error, the same kinds, the same leaked bytes (xml/leak.c: a leak both
#     find whole; with a stale pointer left on the stack, Valgrind's count of a loop's
#     leaks varied from run to run);
#   * a clean program: no <error>, FINISHED;
#   * a fork child and an exec'd child with %p: three documents, each well-formed, each
#     with its own process's errors; without %p: one document (the first process's), and
#     one line on stderr from each of the other two saying their errors are not in it;
#   * an exec in the same process (the same pid: `bash -c prog` execs prog; a program
#     that frees twice, then execs one that frees a pointer into a block): one document,
#     the new image's errors after the old one's, well-formed, with %p and without
#     (before, the old image's document was left open and the new image's errors out);
#   * '&', '<', '>' and '"' in a source file's name and in the arguments are escaped;
#   * a suppressed error is no <error>, and is in <suppcounts>;
#   * the text report is the same with and without --xml (but its pids and addresses);
#   * --xml=yes without --xml-file: the CLI exits 2 saying so; the library alone
#     (HEAPGUARD_XML=1) says so in one line and runs the program.
. "$(dirname "$0")/lib.sh"
need gcc g++ python3
no_heapguard_env
build_cli
D=$HG_ROOT/tests/programs/xml
CHECK="python3 $D/check.py"
B=$HG_ROOT/tests/bugs
G=$HG_ROOT/tests/guard
for p in bug_uaf bug_double_free_small bug_free_interior bug_overflow_small bug_underflow bug_leak_indirect \
         bug_realloc_freed bug_same_error_thrice bug_crash_null clean_calloc; do
  build "$p" gcc -O0 -g -w -o "$T/$p" "$B/$p.c"
done
build bug_thread_named gcc -O0 -g -w -pthread -o "$T/bug_thread_named" "$B/bug_thread_named.c"
build bug_crash_thread gcc -O0 -g -w -pthread -o "$T/bug_crash_thread" "$B/bug_crash_thread.c"
build possible g++ -O0 -g -w -o "$T/possible" "$HG_ROOT/tests/programs/leak_kinds/possible.cc"
build bug_cxx_new_free g++ -O0 -g -w -o "$T/bug_cxx_new_free" "$B/bug_cxx_new_free.cc"
build bug_demangled g++ -O0 -g -w -o "$T/bug_demangled" "$B/bug_demangled.cc"
build bug_inlined g++ -O2 -g -w -fno-allocation-dce -o "$T/bug_inlined" "$B/bug_inlined.cc"
build bug_overwrite gcc -O0 -g -w -o "$T/bug_overwrite" "$G/bug_overwrite.c"
build bug_overread gcc -O0 -g -w -o "$T/bug_overread" "$G/bug_overread.c"
build family gcc -O0 -g -w -o "$T/family" "$D/family.c"
build leak gcc -O0 -g -w -o "$T/leak" "$D/leak.c"
build longname g++ -O0 -g -w -o "$T/longname" "$D/longname.cc"
# a program whose frames have no function name (stripped), in a directory whose name
# ends a CDATA section: its suppression's obj: line holds "]]>"
mkdir -p "$T/d]]>e" && build stripped gcc -O0 -g -w -o "$T/d]]>e/stripped" "$D/leak.c" && strip "$T/d]]>e/stripped"
build df gcc -O0 -g -w -o "$T/df" "$HG_ROOT/tests/programs/log_file/df.c"
# A source file whose name needs escaping
mkdir -p "$T/src" && cp "$B/bug_double_free_small.c" "$T/src/a&b<c>\"d\".c"
build escaped gcc -O0 -g -w -o "$T/escaped" "$T/src/a&b<c>\"d\".c"
# built as `gcc bugs/bug_uaf.c` from tests/: its line table's directory is "bugs",
# relative to the compiler's (libdw leaves such a name relative)
(cd "$HG_ROOT/tests" && gcc -O0 -g -w -o "$T/relative" bugs/bug_uaf.c) || fail "cannot build bugs/bug_uaf.c"
show() { for f in "$@"; do say "  --- $f"; sed 's/^/  | /' "$f" | head -n 60; done; }

# xml NAME MODE [ENV...] -- PROG ARGS...: PROG under `heapguard MODE --xml=yes`, its
# document in $T/NAME.xml, its stderr in $T/NAME.err
xml() {
  local name=$1 mode=$2; shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  rm -f "$T/$name.xml"
  env "${envs[@]}" "$HG" "$mode" --xml=yes --xml-file="$T/$name.xml" -- "$@" >/dev/null 2>"$T/$name.err"
}
# expect NAME CHECK...: the document passes check.py's checks
expect() {
  local name=$1; shift
  HG_CHECKS=$((HG_CHECKS + 1))
  if $CHECK "$T/$name.xml" "$@" >"$T/$name.check" 2>&1; then say "ok: $name: $*"
  else fail "$name"; show "$T/$name.check" "$T/$name.xml" "$T/$name.err"; fi
}

# ---- each kind ---------------------------------------------------------------------------
xml uaf check -- "$T/bug_uaf"
expect uaf kinds=InvalidWrite top=InvalidWrite:main:bug_uaf.c:12 counts=1
# <dir> absolute (Valgrind's): the compiler's directory joined to a relative name
xml relative check -- "$T/relative"
expect relative kinds=InvalidWrite top=InvalidWrite:main:bug_uaf.c:12 "dirs=$T/relative"
xml double_free check -- "$T/bug_double_free_small"
expect double_free kinds=InvalidFree top=InvalidFree:main:bug_double_free_small.c:12 counts=1
# the thread that found each error: <tid> its number (the main thread's 1), <threadname>
# the name the program gave it; the thread a crash killed
xml threads check -- "$T/bug_thread_named"
expect threads kinds=InvalidFree,InvalidFree,InvalidFree tids=2/worker,3,1
xml crash_thread check -- "$T/bug_crash_thread"
expect crash_thread fatal=SIGSEGV fataltid=2
xml interior check -- "$T/bug_free_interior"
expect interior kinds=InvalidFree top=InvalidFree:main:bug_free_interior.c:12
xml overflow check -- "$T/bug_overflow_small"
expect overflow kinds=InvalidWrite top=InvalidWrite:main:bug_overflow_small.c:13
xml underflow check -- "$T/bug_underflow"
expect underflow kinds=InvalidWrite top=InvalidWrite:main:bug_underflow.c:12
xml leaks check -- "$T/bug_leak_indirect"
expect leaks kinds=Leak_IndirectlyLost,Leak_DefinitelyLost leak=Leak_DefinitelyLost:16:1 \
  leak=Leak_IndirectlyLost:4096:1 top=Leak_DefinitelyLost:buffer_new:bug_leak_indirect.c:15 counts=
# possibly lost records (--show-leak-kinds=possible): Leak_PossiblyLost, not errors
xml possible check HEAPGUARD_SHOW_LEAK_KINDS=possible -- "$T/possible"
expect possible kinds=Leak_PossiblyLost,Leak_PossiblyLost,Leak_PossiblyLost,Leak_PossiblyLost \
  leak=Leak_PossiblyLost:116:1 leak=Leak_PossiblyLost:64:1 counts=
xml mismatch check -- "$T/bug_cxx_new_free"
expect mismatch kinds=MismatchedFree top=MismatchedFree:main:bug_cxx_new_free.cc:15
# C++ names demangled in <fn>, as Valgrind's (--demangle=yes); mangled with --demangle=no
xml demangled check -- "$T/bug_demangled"
expect demangled "stack=InvalidFree:drop(Node*)@bug_demangled.cc@22|main@bug_demangled.cc@27"
xml mangled check HEAPGUARD_DEMANGLE=no -- "$T/bug_demangled"
expect mangled "stack=InvalidFree:_ZL4dropP4Node@bug_demangled.cc@22|main@bug_demangled.cc@27"
# Inlined calls as frames of their own (--read-inline-info=yes), the same <ip>; or not
xml inlined check -- "$T/bug_inlined"
expect inlined "stack=InvalidFree:app::drop(Node*)@bug_inlined.cc@21|release@bug_inlined.cc@24|main@bug_inlined.cc@31" \
  sameip=InvalidFree:3
# HEAPGUARD_STACK_DEPTH counts the frames printed, inlined ones too (--num-callers)
xml inlined_depth check HEAPGUARD_STACK_DEPTH=2 -- "$T/bug_inlined"
expect inlined_depth "stack=InvalidFree:app::drop(Node*)@bug_inlined.cc@21|release@bug_inlined.cc@24" \
  frames=InvalidFree:2
xml not_inlined check HEAPGUARD_READ_INLINE_INFO=no -- "$T/bug_inlined"
expect not_inlined "stack=InvalidFree:main@bug_inlined.cc@21"
xml realloc_freed check -- "$T/bug_realloc_freed"
expect realloc_freed kinds=InvalidFree top=InvalidFree:main:bug_realloc_freed.c:11
xml thrice check -- "$T/bug_same_error_thrice"
expect thrice kinds=InvalidWrite counts=3
xml guard_write guard HEAPGUARD_GUARD_ALIGN=8 -- "$T/bug_overwrite"
expect guard_write kinds=InvalidWrite top=InvalidWrite:copy:bug_overwrite.c:16 counts=1
xml guard_read guard HEAPGUARD_GUARD_ALIGN=1 -- "$T/bug_overread"
expect guard_read kinds=InvalidRead top=InvalidRead:main:bug_overread.c:18
xml crash check -- "$T/bug_crash_null"
expect crash fatal=SIGSEGV:1:0x8 kinds=Leak_DefinitelyLost
# A fault in the report itself (fault.c's report_faulted, made by the tests' hook at the
# summary): the process dies with no summary, its document closed all the same.
xml report_faulted guard HEAPGUARD_GUARD_ALIGN=8 HG_TEST_FAULT_IN_REPORT=1 -- "$T/bug_overwrite"
expect report_faulted kinds=InvalidWrite counts=

# --gen-suppressions: a <suppression> in each error, as Valgrind's, whose text
# suppresses the error when given back with --suppressions
for p in bug_double_free_small leak longname 'd]]>e/stripped'; do
  n=gen_${p##*/}
  xml "$n" check HEAPGUARD_GEN_SUPPRESSIONS=all -- "$T/$p"
  expect "$n" "supps=$T/$n.supp"
  xml "${n}_back" check HEAPGUARD_SUPPRESSIONS="$T/$n.supp" -- "$T/$p"
  expect "${n}_back" kinds= "supp=<insert_a_suppression_name_here>:1"
done

# ---- beside Valgrind's --------------------------------------------------------------------
if type -P valgrind >/dev/null; then
  for c in bug_double_free_small:InvalidFree bug_free_interior:InvalidFree bug_uaf:InvalidWrite \
           leak:Leak_DefinitelyLost bug_thread_named:InvalidFree; do
    p=${c%%:*} kind=${c#*:}
    valgrind --xml=yes --xml-file="$T/$p.vg.xml" --leak-check=full "$T/$p" >/dev/null 2>&1
    xml "$p.hg" check -- "$T/$p"
    HG_CHECKS=$((HG_CHECKS + 1))
    if $CHECK --shape "$T/$p.hg.xml" "$T/$p.vg.xml" "$kind" >"$T/$p.shape" 2>&1; then
      say "ok: $p: the $kind error has Valgrind's elements in Valgrind's order"
    else fail "$p beside Valgrind"; show "$T/$p.shape" "$T/$p.hg.xml" "$T/$p.vg.xml"; fi
    vkinds=$(python3 -c 'import sys,xml.etree.ElementTree as E; print(",".join(e.findtext("kind") for e in E.parse(sys.argv[1]).getroot().iter("error")))' "$T/$p.vg.xml")
    expect "$p.hg" "kinds=$vkinds"
  done
  # the crash: <fatal_signal>'s elements in Valgrind's order, the same code and address
  valgrind --xml=yes --xml-file="$T/crash.vg.xml" "$T/bug_crash_null" >/dev/null 2>&1
  HG_CHECKS=$((HG_CHECKS + 1))
  fatal_of='import sys,xml.etree.ElementTree as E
f = E.parse(sys.argv[1]).getroot().find("fatal_signal")
print(" ".join(c.tag + ("" if c.tag in ("stack", "event") else "=" + (c.text or "")) for c in f) if f is not None else "none")'
  hgf=$(python3 -c "$fatal_of" "$T/crash.xml") vgf=$(python3 -c "$fatal_of" "$T/crash.vg.xml")
  if [ "$hgf" = "$vgf" ]; then say "ok: crash: <fatal_signal> as Valgrind's: $hgf"
  else fail "crash beside Valgrind: heapguard's <fatal_signal> '$hgf', Valgrind's '$vgf'"; fi
else
  say "(valgrind is not installed: the documents are not compared with Valgrind's)"
fi

# ---- a clean program ----------------------------------------------------------------------
xml clean check -- "$T/clean_calloc"
expect clean kinds= counts=

# ---- processes ----------------------------------------------------------------------------
rm -rf "$T/fam" && mkdir -p "$T/fam"
"$HG" check --leak-check=no --xml=yes --xml-file="$T/fam/doc.%p.xml" -- "$T/family" "$T/bug_free_interior" \
  >/dev/null 2>"$T/fam.err"
docs=("$T"/fam/doc.*.xml)
HG_CHECKS=$((HG_CHECKS + 1))
if [ ${#docs[@]} -eq 3 ]; then say "ok: %p: three processes, three documents"
else fail "%p: wanted three documents, found ${#docs[@]}"; show "$T/fam.err"; fi
kinds_seen=()
for d in "${docs[@]}"; do
  HG_CHECKS=$((HG_CHECKS + 1))
  pid=${d##*/doc.}; pid=${pid%.xml}
  if ! $CHECK "$d" "pid=$pid" >"$T/fam.check" 2>&1; then fail "$d"; show "$T/fam.check" "$d"; continue; fi
  say "ok: $(basename "$d"): well-formed, its own pid"
  k=$(python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(",".join(e.findtext("what").split(":")[0] for e in r.iter("error")) or "none")' "$d")
  kinds_seen+=("$k")
done
HG_CHECKS=$((HG_CHECKS + 1))
got=$(printf '%s\n' "${kinds_seen[@]}" | sort | tr '\n' ' ')
if [ "$got" = "double-free invalid-free none " ]; then
  say "ok: %p: the parent's document is clean, the fork child's has its double free, the exec'd one's its invalid free"
else fail "%p: the documents' errors: $got"; show "${docs[@]}"; fi

rm -rf "$T/one" && mkdir -p "$T/one"
"$HG" check --leak-check=no --xml=yes --xml-file="$T/one/doc.xml" -- "$T/family" "$T/bug_free_interior" \
  >/dev/null 2>"$T/one.err"
cp "$T/one/doc.xml" "$T/one_doc.xml" 2>/dev/null
expect one_doc kinds=
HG_CHECKS=$((HG_CHECKS + 1))
if [ "$(grep -c "a forked child's errors are not in the XML file" "$T/one.err")" -eq 1 ] &&
   [ "$(grep -c 'not writing the XML file .*another process of this run' "$T/one.err")" -eq 1 ]; then
  say "ok: no %p: one document, and each other process says in one line that its errors are not in it"
else fail "no %p: wanted one line from the fork child and one from the exec'd child"; show "$T/one.err"; fi

for name in 'exec.%p.xml' exec.xml; do
  rm -rf "$T/exec" && mkdir -p "$T/exec"
  "$HG" check --leak-check=no --xml=yes --xml-file="$T/exec/$name" -- "$T/df" "$T/bug_free_interior" \
    >/dev/null 2>"$T/exec.err"
  docs=("$T"/exec/*.xml)
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ ${#docs[@]} -eq 1 ] && ! grep -q "heapguard:" "$T/exec.err"; then say "ok: $name, an exec: one document"
  else fail "$name, an exec: wanted one document and no message, found ${#docs[@]}"; show "$T/exec.err"; fi
  cp "${docs[0]}" "$T/exec_doc.xml" 2>/dev/null
  expect exec_doc kinds=InvalidFree,InvalidFree top=InvalidFree:main:df.c:20
  python3 -c 'import sys,xml.etree.ElementTree as E; print("\n".join(e.findtext("what") for e in E.parse(sys.argv[1]).getroot().iter("error")))' \
    "$T/exec_doc.xml" >"$T/exec.whats" 2>&1
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$(sed 's/:.*//' "$T/exec.whats" | tr '\n' ' ')" = "double-free invalid-free " ]; then
    say "ok: $name: the old image's double free, then the new image's invalid free"
  else fail "$name: the errors in order"; show "$T/exec.whats"; fi
done
rm -rf "$T/bash" && mkdir -p "$T/bash"
"$HG" check --xml=yes --xml-file="$T/bash/doc.%p.xml" -- bash -c "$T/bug_double_free_small" >/dev/null 2>&1
docs=("$T"/bash/*.xml)
cp "${docs[0]}" "$T/bash_doc.xml" 2>/dev/null
HG_CHECKS=$((HG_CHECKS + 1))
if [ ${#docs[@]} -eq 1 ]; then say "ok: bash -c PROG: one document"; else fail "bash -c PROG: ${#docs[@]} documents"; fi
expect bash_doc kinds=InvalidFree

# ---- escaping -----------------------------------------------------------------------------
xml escaped check -- "$T/escaped" '<x&y>' '"q"'
expect escaped 'argv=<x&y>,"q"' 'top=InvalidFree:main:a&b<c>"d".c:12'
HG_CHECKS=$((HG_CHECKS + 1))
if grep -q 'a&amp;b&lt;c&gt;&quot;d&quot;.c' "$T/escaped.xml"; then say "ok: a file name's markup is escaped"
else fail "the file name is not escaped"; show "$T/escaped.xml"; fi

# ---- suppressions -------------------------------------------------------------------------
cat >"$T/df.supp" <<'EOF'
{
   the-double-free
   Memcheck:Free
   fun:free
   fun:main
}
EOF
xml suppressed check HEAPGUARD_SUPPRESSIONS="$T/df.supp" -- "$T/bug_double_free_small"
expect suppressed kinds= counts= supp=the-double-free:1

# ---- the text report unchanged ------------------------------------------------------------
norm() { sed -E 's/^==[0-9]+==/==PID==/; s/0x[0-9a-f]+/0xADDR/g' "$1"; }
"$HG" check -- "$T/bug_double_free_small" >/dev/null 2>"$T/text_plain.err"
HG_CHECKS=$((HG_CHECKS + 1))
if diff <(norm "$T/text_plain.err") <(norm "$T/double_free.err") >"$T/text.diff"; then
  say "ok: the text report is the same with --xml=yes"
else fail "the text report changed with --xml=yes"; show "$T/text.diff"; fi

# ---- --xml=yes without a file -------------------------------------------------------------
HG_CHECKS=$((HG_CHECKS + 1))
"$HG" check --xml=yes -- "$T/clean_calloc" >/dev/null 2>"$T/nofile.err"; st=$?
if [ $st -eq 2 ] && grep -q -- '--xml=yes needs --xml-file=PATH' "$T/nofile.err"; then
  say "ok: --xml=yes without --xml-file: exit 2 with the reason"
else fail "--xml=yes without --xml-file: status $st"; show "$T/nofile.err"; fi
HG_CHECKS=$((HG_CHECKS + 1))
HEAPGUARD_MODE=check HEAPGUARD_XML=1 LD_PRELOAD="$HG_LIB_SO" "$T/clean_calloc" >/dev/null 2>"$T/libonly.err"; st=$?
if [ $st -eq 0 ] && [ "$(grep -c 'HEAPGUARD_XML=yes needs HEAPGUARD_XML_FILE' "$T/libonly.err")" -eq 1 ]; then
  say "ok: HEAPGUARD_XML=1 alone: one line, the program runs"
else fail "HEAPGUARD_XML=1 alone: status $st"; show "$T/libonly.err"; fi

finish
