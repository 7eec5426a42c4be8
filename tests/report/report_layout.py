#!/usr/bin/env python3
"""Both HTML reports stay inside a 1280-pixel window, laid out by headless Chromium.

    report_layout.py --itlfleet BIN --work DIR

1. `itlfleet run legacy-phones` (two groups: the final counts per group
   table has 13 columns) and `itlfleet sweep hold-timer-too-short` over two
   settings with --find (the runs table has 14 columns, the last the
   expectations and the condition) write their report.html.
2. A copy of each page gets a script that measures the laid-out page, and
   Chromium (Debian's `chromium`) loads it in a 1280x900 window and prints
   the DOM (--dump-dom) with the figures in an attribute.
3. The rule (metrics/html_page.hpp): the page never scrolls sideways, every
   table sits in a box within the page's column, and a table wider than its
   box scrolls inside it.

Exit 0: the layout holds. 77: chromium is not installed (ctest SKIP_RETURN_CODE).
Anything else: a failure, saying which table of which report runs off.
"""

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from chromium_support import chromium_or_skip

WINDOW = (1280, 900)

MEASURE = """<script>
const body = document.body.getBoundingClientRect();
const style = getComputedStyle(document.body);
const column = body.right - parseFloat(style.paddingRight);
const out = {window: window.innerWidth, page: document.documentElement.scrollWidth,
             column: column, tables: []};
for (const t of document.querySelectorAll('table')) {
  const box = t.parentElement;
  const section = t.closest('section');
  out.tables.push({section: section ? section.id : '', box: box.className,
                   table_right: t.getBoundingClientRect().right,
                   box_right: box.getBoundingClientRect().right,
                   overflow: getComputedStyle(box).overflowX,
                   scrolls: box.scrollWidth > box.clientWidth});
}
document.body.setAttribute('data-layout', JSON.stringify(out));
</script>"""


def fail(msg):
    print("report_layout: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=300)
    if r.returncode not in (0, 1):
        fail("%s exited %d:\n%s" % (" ".join(cmd), r.returncode, r.stdout[-3000:]))


def layout(chromium, report, work):
    page = open(report, encoding="utf-8").read()
    if page.count("</body>") != 1:
        fail(report + ": no single </body>")
    probe = os.path.join(work, "probe-" + os.path.basename(os.path.dirname(report)) + ".html")
    with open(probe, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", MEASURE + "</body>"))
    profile = tempfile.mkdtemp(prefix="itlfleet-chromium-")
    try:
        dom = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--force-device-scale-factor=1", "--user-data-dir=" + profile,
             "--window-size=%d,%d" % WINDOW, "--dump-dom", "file://" + os.path.abspath(probe)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120).stdout
    except subprocess.TimeoutExpired:
        fail("chromium did not finish within 120 s")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    m = re.search(r'data-layout="([^"]*)"', dom)
    if not m:
        fail("chromium printed no measurements for " + report)
    return json.loads(html.unescape(m.group(1)))


def check(name, figures, wide_sections):
    if figures["page"] > figures["window"]:
        fail("%s: the page is %d px wide in a %d px window (it scrolls sideways): %s" %
             (name, figures["page"], figures["window"], figures["tables"]))
    seen = set()
    for t in figures["tables"]:
        where = "%s: the table of section %r" % (name, t["section"])
        if t["box"] != "table-box":
            fail(where + " is not in a table-box")
        if t["box_right"] > figures["column"] + 1:
            fail("%s: its box ends at %.0f px, past the page's column at %.0f px" %
                 (where, t["box_right"], figures["column"]))
        if t["table_right"] > t["box_right"] + 1 and not (t["overflow"] == "auto" and t["scrolls"]):
            fail(where + " runs past its box and the box does not scroll")
        seen.add(t["section"])
    for s in wide_sections:
        if s not in seen:
            fail("%s: no table in section %r to check" % (name, s))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--itlfleet", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()

    chromium = chromium_or_skip("report_layout")
    os.makedirs(args.work, exist_ok=True)
    run_out = os.path.join(args.work, "run")
    sweep_out = os.path.join(args.work, "sweep")
    run([args.itlfleet, "run", "legacy-phones", "--phones", "500", "--quiet", "--out", run_out])
    run([args.itlfleet, "sweep", "hold-timer-too-short", "--phones", "500", "--vary",
         "timeline[2].at=15m..30m/5m", "--vary", "cluster.tftp.max_serving_count=200,500",
         "--find", "locked == 0", "--along", "timeline[2].at", "--out", sweep_out])

    check("report.html of run", layout(chromium, os.path.join(run_out, "report.html"), args.work),
          ["groups"])
    check("report.html of sweep",
          layout(chromium, os.path.join(sweep_out, "report.html"), args.work), ["runs"])
    print("report_layout: both reports stay within a %d px window" % WINDOW[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
