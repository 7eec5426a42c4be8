#!/usr/bin/env python3
"""Renders a run's report.html in headless Chromium and checks the plots are drawn.

    render_report.py --itlfleet BIN --work DIR [--scenario NAME] [--phones N] [--keep-png FILE]

1. `itlfleet run SCENARIO --phones N --out DIR/out` writes report.html.
2. Chromium (Debian's `chromium`) renders it to DIR/report.png at 1280x2400.
3. The PNG is decoded with zlib alone. Each plot's SVG has a near-white
   background colour of its own (report_html.cpp's style sheet: #plot-states,
   #plot-load, #plot-boot), which shows in its margins: the test finds each
   SVG by that colour, places the plot area inside it from the
   <rect class="plot-area"> of the HTML, and counts there the pixels of the
   series' colours: the stacked trusted and locked areas, the files-served
   and TVS-query lines, the boot-time bars and cumulative curve, and the
   dashed action markers. The HTML itself must hold the expected SVG series,
   and the stale-ITL-by-group plot (#plot-stale-groups, below the fold) 1 to
   8 group lines.

Exit 0: drawn. 77: chromium is not installed (ctest SKIP_RETURN_CODE).
Anything else: a failure, with what was seen on stderr.
"""

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

from chromium_support import chromium_or_skip


# Colours from report_html.cpp's style sheet and series tables.
BACKGROUNDS = {
    "plot-states": (0xFD, 0xFD, 0xFE),
    "plot-load": (0xFD, 0xFE, 0xFD),
    "plot-boot": (0xFE, 0xFD, 0xFD),
}
TRUSTED = (0x00, 0x9E, 0x73)
LOCKED = (0xD5, 0x5E, 0x00)
FILES = (0x00, 0x72, 0xB2)
TVS = (0x7B, 0x32, 0x94)
BARS = (0x56, 0xB4, 0xE9)
MARKER = (0x33, 0x33, 0x33)


def fail(msg):
    print("render_report: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def decode_png(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        fail("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        fail("unsupported PNG: depth %d colour type %d interlace %d" % (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        ftype = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        elif ftype != 0:
            fail("bad PNG filter type %d" % ftype)
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def near(px, colour, tol=24):
    return all(abs(a - b) <= tol for a, b in zip(px, colour))


def find_area(width, height, bpp, rows, colour):
    """Bounding box (x0, y0, x1, y1) of the pixels of exactly `colour`, or None."""
    needle = bytes(colour) + (b"\xff" if bpp == 4 else b"")
    x0 = y0 = None
    x1 = y1 = -1
    for y, row in enumerate(rows):
        first = -1
        at = row.find(needle)
        while at != -1:
            if at % bpp == 0:
                first = at // bpp
                break
            at = row.find(needle, at + 1)
        if first == -1:
            continue
        last = row.rfind(needle)
        while last % bpp != 0:
            last = row.rfind(needle, 0, last)
        x0 = first if x0 is None else min(x0, first)
        x1 = max(x1, last // bpp)
        y0 = y if y0 is None else y0
        y1 = y
    return None if x0 is None else (x0, y0, x1, y1)


def census(rows, bpp, box, colours):
    """Pixels inside `box` near each of `colours`, plus per-column counts of the last one."""
    x0, y0, x1, y1 = box
    counts = {name: 0 for name in colours}
    columns = [0] * (x1 - x0 + 1)
    names = list(colours)
    for y in range(y0, y1 + 1):
        row = rows[y]
        for x in range(x0, x1 + 1):
            i = x * bpp
            px = (row[i], row[i + 1], row[i + 2])
            for name in names:
                if near(px, colours[name]):
                    counts[name] += 1
                    if name == names[-1]:
                        columns[x - x0] += 1
                    break
    return counts, columns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--itlfleet", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--scenario", default="double-regen-recovery")
    ap.add_argument("--phones", default="2000")
    ap.add_argument("--keep-png")
    args = ap.parse_args()

    chromium = chromium_or_skip("render_report")

    os.makedirs(args.work, exist_ok=True)
    out = os.path.join(args.work, "out")
    run = subprocess.run(
        [args.itlfleet, "run", args.scenario, "--phones", args.phones, "--quiet", "--out", out],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    report = os.path.join(out, "report.html")
    if run.returncode not in (0, 1) or not os.path.exists(report):
        fail("itlfleet run exited %d without report.html:\n%s" % (run.returncode, run.stdout))

    # The page must hold what the pixels are checked against.
    html = open(report, encoding="utf-8").read()
    for pid in BACKGROUNDS:
        if html.count('<svg id="%s"' % pid) != 1:
            fail("report.html lacks exactly one <svg id=%s>" % pid)
    svgs = {pid: html[html.index('<svg id="%s"' % pid) :] for pid in BACKGROUNDS}
    svgs = {pid: s[: s.index("</svg>")] for pid, s in svgs.items()}
    geometry = {}
    for pid, svg in svgs.items():
        size = re.search(r'width="([\d.]+)" height="([\d.]+)"', svg)
        rect = re.search(r'<rect class="plot-area [^"]*" x="([\d.]+)" y="([\d.]+)" '
                         r'width="([\d.]+)" height="([\d.]+)"', svg)
        if not size or not rect:
            fail("%s: no size or plot-area rect in the SVG" % pid)
        geometry[pid] = ([float(v) for v in size.groups()], [float(v) for v in rect.groups()])
    expected = {"plot-states": ('class="series area"', 7), "plot-load": ('class="series rate"', 3),
                "plot-boot": ('class="series bars"', 1)}
    for pid, (needle, n) in expected.items():
        if svgs[pid].count(needle) != n:
            fail("%s: %d x %s, expected %d" % (pid, svgs[pid].count(needle), needle, n))
    # The stale-ITL-by-group plot (below the screenshot's fold): one line per
    # group that had stale phones, at most 8; every scenario run here changes
    # the ITL, so at least one.
    if html.count('<svg id="plot-stale-groups"') != 1:
        fail("report.html lacks exactly one <svg id=plot-stale-groups>")
    stale = html[html.index('<svg id="plot-stale-groups"') :]
    stale_lines = stale[: stale.index("</svg>")].count('class="series stale-line"')
    if not 1 <= stale_lines <= 8:
        fail("plot-stale-groups: %d stale-ITL lines, expected 1 to 8" % stale_lines)
    markers = svgs["plot-states"].count('<g class="action')
    if markers == 0:
        fail("no operator action markers in the phones-by-state plot")
    for bad in ("<script", "<link", "https:"):
        if bad in html.lower():
            fail("report.html is not self-contained: it holds %r" % bad)

    png = os.path.join(args.work, "report.png")
    if os.path.exists(png):
        os.remove(png)
    profile = tempfile.mkdtemp(prefix="itlfleet-chromium-")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
           "--user-data-dir=" + profile, "--window-size=1280,2400", "--screenshot=" + png,
           "file://" + os.path.abspath(report)]
    try:
        shot = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=120)
    except subprocess.TimeoutExpired:
        fail("chromium did not finish within 120 s")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not os.path.exists(png):
        fail("chromium exited %d without a screenshot:\n%s" % (shot.returncode, shot.stdout[-3000:]))
    if args.keep_png:
        shutil.copyfile(png, args.keep_png)

    width, height, bpp, rows = decode_png(open(png, "rb").read())
    if (width, height) != (1280, 2400):
        fail("screenshot is %dx%d, expected 1280x2400" % (width, height))

    boxes = {}
    origins = {}
    for pid, bg in BACKGROUNDS.items():
        svg_box = find_area(width, height, bpp, rows, bg)
        if svg_box is None:
            fail("%s: its SVG (background #%02x%02x%02x) is not on the page" % ((pid,) + bg))
        (svg_w, svg_h), (px, py, pw, ph) = geometry[pid]
        w, h = svg_box[2] - svg_box[0] + 1, svg_box[3] - svg_box[1] + 1
        if abs(w - svg_w) > 2 or abs(h - svg_h) > 2:
            fail("%s: drawn %dx%d px, the SVG is %gx%g" % (pid, w, h, svg_w, svg_h))
        origins[pid] = svg_box[:2]
        # The plot area, 2 px inside its edges (axis lines, anti-aliasing).
        x0, y0 = svg_box[0] + int(px) + 2, svg_box[1] + int(py) + 2
        boxes[pid] = (x0, y0, x0 + int(pw) - 4, y0 + int(ph) - 4)
    order = sorted(boxes, key=lambda p: boxes[p][1])
    if order != ["plot-states", "plot-load", "plot-boot"]:
        fail("plots out of order: %s" % order)

    def area(box):
        return (box[2] - box[0] + 1) * (box[3] - box[1] + 1)

    report_lines = []
    checks = []

    b = boxes["plot-states"]
    c, columns = census(rows, bpp, b, {"trusted": TRUSTED, "locked": LOCKED, "marker": MARKER})
    # Each marker inside the plot area is a dashed line over about 60% of its
    # height, in the pixel column of the SVG's x (the line sits on x + 0.5).
    xs = [float(x) for x in re.findall(r'<g class="action[^>]*>.*?<line x1="([\d.]+)"',
                                       svgs["plot-states"], re.S)]
    inside = [int(origins["plot-states"][0] + x) - b[0] for x in xs]
    inside = [col for col in inside if 0 <= col < len(columns)]
    drawn = [col for col in inside if columns[col] >= 0.4 * (b[3] - b[1] + 1)]
    report_lines.append("states %s: %s; action markers drawn in columns %s of %s"
                        % (b, c, drawn, inside))
    checks += [("trusted area", c["trusted"] >= 0.2 * area(b)),
               ("locked area", c["locked"] >= 0.1 * area(b)),
               ("action markers", len(inside) >= 1 and drawn == inside)]

    b = boxes["plot-load"]
    c, _ = census(rows, bpp, b, {"files": FILES, "tvs": TVS})
    report_lines.append("load %s: %s" % (b, c))
    # Where a rate is 0 its line runs on the x axis, outside the inset box:
    # what counts is the bursts (each a few hundred pixels tall and wide).
    checks += [("files served/s line", c["files"] >= 200),
               ("TVS queries/s line", c["tvs"] >= 200)]

    b = boxes["plot-boot"]
    c, _ = census(rows, bpp, b, {"bars": BARS, "cdf": MARKER})
    report_lines.append("boot %s: %s" % (b, c))
    checks += [("boot-time bars", c["bars"] >= 0.02 * area(b)),
               ("boot-time cumulative curve", c["cdf"] >= 100)]

    print("\n".join(report_lines))
    failed = [name for name, ok in checks if not ok]
    if failed:
        fail("not drawn: " + ", ".join(failed))
    print("render_report: all three plots drawn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
