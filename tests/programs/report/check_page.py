#!/usr/bin/env python3
"""check_page.py — checks a report page, as a browser rendered it, against its timeline.

usage: check_page.py DOM PAGE TIMELINE [--truncated] [--snapshot]

DOM is the page after its script ran (chromium --dump-dom), PAGE the file `heapguard
report` wrote, TIMELINE the file it read.  The expected figures are computed here from
TIMELINE itself, independently of report.c, and compared with the data embedded in the
page (script id="hg-data") and with what the page shows: the summary figures, the
series drawn, one bar per size class, one block per span.  --truncated: the timeline's
last record is cut short (the page must say the run did not finish); --snapshot: a
file with only a final record (no plots over time).  Prints one line per failed check
and exits 1 if there is any; prints what it checked otherwise.
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
SAMPLE_FIELDS = ["t_ms", "requested", "in_use", "mapped", "meta", "rss", "free", "free_runs",
                 "largest_free", "external_frag", "internal_waste", "mallocs", "frees",
                 "kernel_calls"]


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], ""

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find_all(self, tag=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def by_id(self, ident):
        found = [n for n in self.walk() if n.attrs.get("id") == ident]
        return found[0] if found else None

    def all_text(self):
        return self.text + "".join(c.all_text() for c in self.children)

    def classes(self):
        return (self.attrs.get("class") or "").split()


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text += data


def parse_bytes(text):
    m = re.fullmatch(r"\s*([\d.]+)\s*(B|KiB|MiB|GiB|TiB)\s*", text)
    if not m:
        return None
    return float(m.group(1)) * 1024 ** ["B", "KiB", "MiB", "GiB", "TiB"].index(m.group(2))


def read_timeline(path):
    """The records of a timeline, as this checker reads them: complete JSON values one
    a line, or one (possibly pretty-printed) object; a last line that does not parse
    is a record cut short."""
    text = open(path, encoding="utf-8").read()
    try:
        return [json.loads(text)], False
    except ValueError:
        pass
    records, cut = [], False
    lines = [l for l in text.split("\n") if l.strip()]
    for i, line in enumerate(lines):
        try:
            records.append(json.loads(line))
        except ValueError:
            if i != len(lines) - 1:
                raise
            cut = True
    return records, cut


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    dom_path, page_path, timeline_path = args
    truncated, snapshot = "--truncated" in flags, "--snapshot" in flags
    failures, checked = [], []

    def check(cond, what):
        (checked if cond else failures).append(what)
        return cond

    # ---- what the timeline says, computed here ----
    records, cut = read_timeline(timeline_path)
    check(cut == truncated, f"timeline cut short: {cut}, test expects {truncated}")
    samples = [r for r in records if r.get("type") == "sample"]
    finals = [r for r in records if r.get("type", "final") == "final" and ("spans" in r or "classes" in r)]
    final = finals[0] if finals else None
    snaps = [r for r in records if r.get("type") == "snapshot"]
    from_snapshot = final is None and bool(snaps)
    if from_snapshot:   # without a final record, the last snapshot is the heap's picture
        final = snaps[-1]
    points = samples + ([final] if final and "t_ms" in final and
                        (not samples or final["t_ms"] >= samples[-1]["t_ms"]) else [])
    everything = samples + ([final] if final else [])
    peak = {k: max(r[k] for r in everything) for k in ("in_use", "mapped", "rss", "requested")}
    for k in peak:   # the writer's own high-water marks, if the final record has them
        if final and isinstance(final.get("peak_" + k), (int, float)):
            peak[k] = max(peak[k], final["peak_" + k])
    end = final if final else samples[-1]

    # ---- the page as written: self-contained ----
    raw = open(page_path, encoding="utf-8").read()
    for pat, what in [(r"<link\b", "a <link> element"), (r"\ssrc\s*=", "a src= attribute"),
                      (r"@import", "a CSS @import"), (r"url\(", "a CSS url()"),
                      (r"https?://(?!www\.w3\.org/2000/svg)", "a URL other than the SVG namespace")]:
        check(not re.search(pat, raw), f"the page has no {what} (it must work offline)")

    # ---- the page as rendered ----
    tb = TreeBuilder()
    tb.feed(open(dom_path, encoding="utf-8").read())
    dom = tb.root
    body = dom.find_all("body")
    check(body and body[0].attrs.get("data-rendered") == "yes",
          "the page's script ran to the end (body data-rendered=yes)")
    data_el = dom.by_id("hg-data")
    if not check(data_el is not None, "the page embeds its data (script id=hg-data)"):
        return report(failures, checked)
    data = json.loads(data_el.all_text())
    S = data["summary"]

    # the embedded data agrees with the timeline
    check(data["sample_count"] == len(points), f"sample_count {data['sample_count']} == {len(points)} points")
    for k in peak:
        check(S["peak_" + k] == peak[k], f"summary peak_{k} {S['peak_' + k]} == {peak[k]} from the timeline")
    for k in ("requested", "in_use", "internal_waste", "external_frag", "mallocs", "kernel_calls"):
        check(S["end_" + k] == end[k], f"summary end_{k} {S['end_' + k]} == {end[k]}")
    check(data["finished"] == (final is not None and not truncated and not from_snapshot),
          f"finished is {data['finished']}")
    if points:
        for k in ("in_use", "mapped", "rss"):   # thinning out keeps every peak
            check(max(data["samples"][k]) == max(p[k] for p in points), f"the drawn {k} keeps its peak")
    if final:
        check(len(data["final"]["spans"]) == len(final.get("spans", [])), "every span is in the data")
        check(len(data["final"]["classes"]) == len(final.get("classes", [])), "every class is in the data")

    # the summary figures shown: exact value in data-value, readable text close to it
    for key, want in [("peak_in_use", peak["in_use"]), ("peak_mapped", peak["mapped"]),
                      ("peak_rss", peak["rss"]), ("end_requested", end["requested"]),
                      ("end_in_use", end["in_use"]), ("end_internal_waste", end["internal_waste"])]:
        fig = dom.by_id("fig-" + key)
        if not check(fig is not None, f"figure fig-{key} is shown"):
            continue
        check(float(fig.attrs.get("data-value")) == want, f"fig-{key} data-value {fig.attrs.get('data-value')} == {want}")
        shown = parse_bytes(fig.all_text())
        check(shown is not None and abs(shown - want) <= max(0.006 * want, 0.5),
              f"fig-{key} reads '{fig.all_text()}', about {want} bytes")
    fig = dom.by_id("fig-end_external_frag")
    if check(fig is not None, "figure fig-end_external_frag is shown"):
        txt = fig.all_text()
        check(txt.endswith("%") and abs(float(txt[:-1]) - 100 * end["external_frag"]) <= 0.051,
              f"fig-end_external_frag reads '{txt}', {100 * end['external_frag']:.2f}%")

    # plots over time
    mem, frag = dom.by_id("plot-memory"), dom.by_id("plot-frag")
    check(mem is not None and frag is not None, "plot-memory and plot-frag exist")
    if snapshot:
        check(not mem.find_all("svg") and not frag.find_all("svg"), "a snapshot has no plot over time")
        check("No samples" in mem.all_text(), "plot-memory says there are no samples")
    else:
        n = len(data["samples"]["t_ms"])
        for plot, series in ((mem, ["requested", "in_use", "mapped", "rss"]), (frag, ["external_frag"])):
            check(len(plot.find_all("svg")) == 1, f"{plot.attrs['id']} is one SVG")
            for s in series:
                paths = plot.find_all("path", data_series=s)
                if check(len(paths) == 1, f"{plot.attrs['id']} draws the series {s}"):
                    pts = len(re.findall(r"[ML]", paths[0].attrs.get("d", "")))
                    check(pts == n, f"series {s} has {pts} points, the data {n}")
            ticks = [t.all_text() for t in plot.find_all("text")]
            check(any("time since the program started" in t for t in ticks), f"{plot.attrs['id']} has a time axis title")
        axis = [t.all_text() for t in mem.find_all("text")]
        check(any(re.search(r"bytes \((B|KiB|MiB|GiB)\)", t) for t in axis), "plot-memory's y axis names its unit")

    # size classes and spans: only with a final record
    cls, spans_el = dom.by_id("plot-classes"), dom.by_id("plot-spans")
    if final is None:
        check(not cls.find_all("svg") and "No final record" in cls.all_text(), "no final record: plot-classes says so")
        check(not spans_el.find_all("svg"), "no final record: no span map")
    else:
        classes = sorted(final.get("classes", []), key=lambda c: c["size"])
        bars = [g for g in cls.find_all("g") if "bar" in g.classes()]
        check(len(bars) == len(classes), f"{len(bars)} class bars == {len(classes)} classes")
        check([int(b.attrs["data-class"]) for b in bars] == [c["size"] for c in classes], "bars in class-size order")
        for b, c in zip(bars, classes):
            req = b.find_all("rect", data_series="requested")
            waste = b.find_all("rect", data_series="waste")
            if not (req and waste):
                failures.append(f"bar {c['size']} has a requested and a waste rect")
                break
        if bars:   # heights proportional to the bytes: the tallest bar is the largest class
            def height(b):
                return sum(float(r.attrs["height"]) for r in b.find_all("rect") if r.attrs.get("data-series"))
            tallest = max(bars, key=height)
            biggest = max(classes, key=lambda c: c["requested"] + c["waste"])
            check(height(tallest) == height(bars[classes.index(biggest)]), "the tallest bar is the largest class")
        spans = final.get("spans", [])
        groups = [g for g in spans_el.find_all("g") if "span" in g.classes()]
        check(len(groups) == len(spans), f"{len(groups)} span blocks == {len(spans)} spans")
        check([g.attrs.get("data-kind") for g in groups] == [s["kind"] for s in spans], "span blocks in address order, by kind")
        check(all(g.find_all("rect") for g in groups), "every span block has a rectangle")
        legend = spans_el.all_text()
        for kind in sorted({s["kind"] for s in spans}):
            check(kind in legend, f"the span map's legend names {kind}")

    # the run's end
    notice = dom.by_id("notice")
    if from_snapshot and not truncated:
        check(notice is not None and "last snapshot" in notice.all_text(), "the page says the picture is a snapshot")
    elif truncated or final is None:
        check(notice is not None and "did not finish" in notice.all_text(), "the page says the run did not finish")
    else:
        check(notice is None, "no notice for a run that finished")
    return report(failures, checked)


def report(failures, checked):
    for f in failures:
        print("FAIL:", f)
    print(f"{len(checked)} page checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
