#!/usr/bin/env python3
"""tests/programs/xml.sh's reader of an XML document (Valgrind's protocol 4).

    check.py FILE CHECK...     the document parses, is protocol 4 by Memcheck's name,
                               its first <status> is RUNNING and its last FINISHED, its
                               errors' <unique>s differ, every <stack> has a <frame> (as
                               Valgrind's schema says), and each CHECK holds:
      kinds=K1,K2,...          the errors' <kind>s, in order (kinds= : no error)
      top=KIND:FN:FILE:LINE    the first error of KIND: the first frame of its first stack
                               that is the program's (not heapguard's entry point, ip
                               0x0) is FN in FILE at LINE (an error found with no stack
                               of its own, at exit: the free's, or the allocation's)
      stack=KIND:F1|F2|...     the first error of KIND: its first stack's frames that are
                               the program's begin with F1, F2, ..., each FN@FILE@LINE
                               (names may have ':' and '|'-free C++ in them)
      sameip=KIND:N            ... its first N such frames have one <ip> (inlined calls)
      frames=KIND:N            ... it has N such frames
      dirs=OBJ                 every frame of OBJ with a <file> has an absolute <dir>,
                               and <dir>/<file> exists
      leak=KIND:BYTES:BLOCKS   an error of KIND with these <leakedbytes>, <leakedblocks>
      counts=N1,N2,...         <errorcounts>' counts, in order, each pair's unique an error's
      supp=NAME:N              <suppcounts> has NAME used N times
      fatal=SIGNAME[:CODE[:ADDR]]  a <fatal_signal> of that signal (with that
                               <sicode>, <siaddr>)
      argv=A1,A2,...           <argv>'s <arg>s after <exe>
      supps=FILE               every error ends with a <suppression> as Valgrind's
                               (--gen-suppressions); their <rawtext>s written to FILE
      pid=N                    <pid> is N
      tids=T1,T2,...           the errors' threads, in order: each <tid>, and
                               "/<threadname>" if it has one
      fataltid=T               the <fatal_signal>'s thread, as in tids=
    check.py --shape OURS THEIRS KIND
                               the first error of KIND in both: the same child elements
                               in the same order, the same <leakedbytes> if a leak
Prints one line per failed check; exit status 1 if any failed."""
import sys
import xml.etree.ElementTree as ET

failed = []


def fail(msg):
    failed.append(msg)
    print("FAIL: " + msg)


def load(path):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        fail("%s: not a well-formed document: %s" % (path, e))
        sys.exit(1)
    if root.tag != "valgrindoutput":
        fail("%s: root is <%s>" % (path, root.tag))
    return root


def errors_of(root, kind=None):
    return [e for e in root.findall("error") if kind is None or e.findtext("kind") == kind]


def top_frame(err):
    for f in err.find("stack").findall("frame"):
        if f.findtext("ip") != "0x0":
            return f
    return None


def program_frames(root, kind):
    """The frames of the first stack of the first error of KIND that are the program's."""
    errs = errors_of(root, kind)
    return [] if not errs else [f for f in errs[0].find("stack").findall("frame") if f.findtext("ip") != "0x0"]


def check(path, checks):
    root = load(path)
    if root.findtext("protocolversion") != "4" or root.findtext("protocoltool") != "memcheck":
        fail("%s: not protocol 4 of memcheck" % path)
    states = [s.findtext("state") for s in root.findall("status")]
    if states[:1] != ["RUNNING"] or states[-1:] != ["FINISHED"]:
        fail("%s: statuses %s, wanted RUNNING first and FINISHED last" % (path, states))
    for stack in root.iter("stack"):
        if not stack.findall("frame"):
            fail("%s: a <stack> without a <frame>" % path)
            break
    listed = [e.findtext("unique") for e in errors_of(root)]
    uniques = set(listed)
    if len(uniques) != len(listed):
        fail("%s: the errors' uniques are not all different: %s" % (path, listed))
    for c in checks:
        what, _, arg = c.partition("=")
        if what == "kinds":
            got = [e.findtext("kind") for e in errors_of(root)]
            want = [k for k in arg.split(",") if k]
            if got != want:
                fail("%s: kinds %s, wanted %s" % (path, got, want))
        elif what == "top":
            kind, fn, file, line = arg.split(":")
            errs = errors_of(root, kind)
            f = top_frame(errs[0]) if errs else None
            got = None if f is None else (f.findtext("fn"), f.findtext("file"), f.findtext("line"))
            if got != (fn, file, line):
                fail("%s: top frame of %s is %s, wanted %s" % (path, kind, got, (fn, file, line)))
        elif what == "stack":
            kind, _, listed_frames = arg.partition(":")
            want = [tuple(f.split("@")) for f in listed_frames.split("|")]
            frames = program_frames(root, kind)
            got = [(f.findtext("fn"), f.findtext("file"), f.findtext("line")) for f in frames][:len(want)]
            if got != want:
                fail("%s: the first stack of %s begins %s, wanted %s" % (path, kind, got, want))
        elif what == "sameip":
            kind, _, n = arg.partition(":")
            frames = program_frames(root, kind)
            ips = [f.findtext("ip") for f in frames[:int(n)]]
            if len(ips) != int(n) or len(set(ips)) != 1:
                fail("%s: the first %s frames of %s's first stack do not share one <ip>: %s" % (path, n, kind, ips))
        elif what == "frames":
            kind, _, n = arg.partition(":")
            frames = program_frames(root, kind)
            if len(frames) != int(n):
                fail("%s: the first stack of %s has %d frames, wanted %s" % (path, kind, len(frames), n))
        elif what == "leak":
            kind, nbytes, blocks = arg.split(":")
            got = [(e.findtext("xwhat/leakedbytes"), e.findtext("xwhat/leakedblocks")) for e in errors_of(root, kind)]
            if (nbytes, blocks) not in got:
                fail("%s: %s leaks %s, wanted %s bytes in %s blocks" % (path, kind, got, nbytes, blocks))
        elif what == "counts":
            pairs = root.findall("errorcounts/pair")
            got = [p.findtext("count") for p in pairs]
            want = [n for n in arg.split(",") if n]
            if got != want:
                fail("%s: errorcounts %s, wanted %s" % (path, got, want))
            for p in pairs:
                if p.findtext("unique") not in uniques:
                    fail("%s: errorcounts names unique %s, no error's" % (path, p.findtext("unique")))
        elif what == "supp":
            name, n = arg.rsplit(":", 1)
            got = [(p.findtext("name"), p.findtext("count")) for p in root.findall("suppcounts/pair")]
            if (name, n) not in got:
                fail("%s: suppcounts %s, wanted %s used %s times" % (path, got, name, n))
        elif what == "fatal":
            # NAME[:SICODE[:SIADDR]]: the signal, its si_code and faulting address
            fields = ("signame", "sicode", "siaddr")[:len(arg.split(":"))]
            got = [":".join(f.findtext(t) or "-" for t in fields) for f in root.findall("fatal_signal")]
            if got != [arg]:
                fail("%s: fatal signals %s, wanted %s" % (path, got, arg))
        elif what == "supps":
            # --gen-suppressions: each error ends with one <suppression> shaped as
            # Valgrind's; their <rawtext>s are written to the file arg
            texts = []
            for e in root.iter("error"):
                sups = e.findall("suppression")
                tags = [c.tag for c in e]
                if len(sups) != 1 or tags[-1] != "suppression":
                    fail("%s: error %s: %d <suppression>s, its elements %s" % (path, e.findtext("unique"), len(sups), tags))
                    continue
                sup = sups[0]
                order = [c.tag for c in sup]
                shape = ["sname", "skind"] + (["skaux"] if "skaux" in order else [])
                nframes = order.count("sframe")
                if order != shape + ["sframe"] * nframes + ["rawtext"] or nframes == 0:
                    fail("%s: <suppression> elements %s" % (path, order))
                kind = (e.findtext("what") or e.findtext("xwhat/text") or "").split(":")[0]
                if e.findtext("kind").startswith("Leak_"):
                    kind = "memory-leak"
                if sup.findtext("skind") != "heapguard:" + kind:
                    fail("%s: <skind> %s for an error of kind %s" % (path, sup.findtext("skind"), kind))
                raw = sup.findtext("rawtext") or ""
                funs = [l.strip()[4:] for l in raw.splitlines() if l.strip().startswith("fun:")]
                sfuns = [f.findtext("fun") for f in sup.findall("sframe") if f.find("fun") is not None]
                if funs != sfuns:
                    fail("%s: <rawtext> frames %s, <sframe>s %s" % (path, funs, sfuns))
                texts.append(raw.strip() + "\n")
            if not texts:
                fail("%s: no error has a <suppression>" % path)
            with open(arg, "w") as f:
                f.write("".join(texts))
        elif what == "argv":
            got = [a.text for a in root.findall("args/argv/arg")]
            if got != arg.split(","):
                fail("%s: argv %s, wanted %s" % (path, got, arg.split(",")))
        elif what == "dirs":
            import os
            frames = [f for f in root.iter("frame") if f.findtext("obj") == arg and f.findtext("file")]
            if not frames:
                fail("%s: no frame of %s with a file" % (path, arg))
            for f in frames:
                d, name = f.findtext("dir") or "", f.findtext("file")
                if not d.startswith("/") or not os.path.exists(os.path.join(d, name)):
                    fail("%s: frame %s: dir %r, file %r: not an absolute path to it" % (path, f.findtext("fn"), d, name))
                    break
        elif what in ("tids", "fataltid"):
            def thread(e):
                name = e.findtext("threadname")
                return e.findtext("tid") + ("/" + name if name is not None else "")
            parts = errors_of(root) if what == "tids" else root.findall("fatal_signal")
            got = [thread(e) for e in parts]
            if got != arg.split(","):
                fail("%s: %s %s, wanted %s" % (path, what, got, arg.split(",")))
        elif what == "pid":
            if root.findtext("pid") != arg:
                fail("%s: pid %s, wanted %s" % (path, root.findtext("pid"), arg))
        else:
            fail("unknown check " + c)


def shape(ours, theirs, kind):
    a, b = errors_of(load(ours), kind), errors_of(load(theirs), kind)
    if not a or not b:
        fail("no %s error in %s" % (kind, ours if not a else theirs))
        return
    ta, tb = [c.tag for c in a[0]], [c.tag for c in b[0]]
    if ta != tb:
        fail("%s: %s's elements %s, Valgrind's %s" % (kind, ours, ta, tb))
    la, lb = a[0].findtext("xwhat/leakedbytes"), b[0].findtext("xwhat/leakedbytes")
    if la != lb:
        fail("%s: leaked bytes %s, Valgrind's %s" % (kind, la, lb))


if sys.argv[1] == "--shape":
    shape(*sys.argv[2:5])
else:
    check(sys.argv[1], sys.argv[2:])
sys.exit(1 if failed else 0)
