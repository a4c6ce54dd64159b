"""QMP script of node_console_gpu: the console must show exactly the text
test_console wrote, drawn with the PSF font the console embeds.

The guest writes "row NN: <text>" lines (NN = 00..SCROLL_LINES-1, so that
the screen scrolls), then FINAL without a newline, then prints
"console: text drawn" on the serial log.  The screen then holds the last
rows-1 numbered lines and FINAL, the cursor after FINAL.  Every pixel of
the text area is compared with the font: glyph bits in FG, the rest BG, the
cursor cell inverted.  The PNG is kept as node_console_gpu.screen.png.
"""

import gzip
import os

import png

FONT = "/usr/share/consolefonts/Lat15-Terminus16.psf.gz"
FG, BG = (0xe0, 0xe0, 0xe0), (0x10, 0x18, 0x28)
SCROLL_LINES = 60
FINAL = "FINAL: Tessera GPU console, 0123456789 !#$%&()*+,-./:;<=>?@[]^_{|}~"


def line(n):
    return "row %02d: The quick brown fox jumps over the lazy dog" % n


def load_psf(path):
    """PSF1 with a Unicode table: {char: 16 row bytes}."""
    data = gzip.open(path).read()
    if data[:2] != b"\x36\x04":
        raise ValueError("%s: not PSF1" % path)
    mode, h = data[2], data[3]
    n = 512 if mode & 1 else 256
    glyphs = [data[4 + i * h:4 + (i + 1) * h] for i in range(n)]
    cmap = {}
    pos = 4 + n * h
    for g in range(n):
        seq = False
        while True:
            v = data[pos] | data[pos + 1] << 8
            pos += 2
            if v == 0xFFFF:
                break
            if v == 0xFFFE:
                seq = True
            elif not seq and v < 256 and v not in cmap:
                cmap[v] = glyphs[g]
    return cmap, 8, h


def expected_rows(rows):
    text = [line(n) for n in range(SCROLL_LINES)] + [FINAL]
    return text[-rows:]


def run(node):
    node.wait_for(r"console: text drawn", 90)
    img = png.read(node.qmp.screendump(node.artefact("screen.png")))
    cmap, fw, fh = load_psf(FONT)
    cols, rows = img.width // fw, img.height // fh
    want = expected_rows(rows)
    cursor = (len(FINAL), rows - 1)
    bad = []
    for cy in range(rows):
        text = want[cy].ljust(cols)[:cols]
        for cx in range(cols):
            g = cmap.get(ord(text[cx]), cmap[ord("?")])
            inv = (cx, cy) == cursor
            for y in range(fh):
                for x in range(fw):
                    on = bool(g[y] & (0x80 >> x))
                    exp = FG if on != inv else BG
                    got = img.pixel(cx * fw + x, cy * fh + y)
                    if got != exp:
                        bad.append("cell (%d,%d) %r pixel (%d,%d): got %s want %s"
                                   % (cx, cy, text[cx], x, y, got, exp))
                        break
                else:
                    continue
                break
    print("console_check: %dx%d screen, %dx%d cells, %d cells wrong"
          % (img.width, img.height, cols, rows, len(bad)), flush=True)
    node.quit()
    return bad[:10] + (["... %d more" % (len(bad) - 10)] if len(bad) > 10 else [])
