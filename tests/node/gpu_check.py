"""QMP script of node test gpu (tests/node/gpu.cmake): once test_gpu has drawn
its pattern, take a screendump and check it pixel by pixel.  The pattern is
the one in tests/node/test_gpu.c; keep the two the same.  The PNG is kept
next to the log as node_gpu.screen.png."""

import png  # tests/node/png.py

W, H = 800, 600
BLACK = (0, 0, 0)
RED, GREEN, BLUE, CYAN = (255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 255, 255)
CHECK_A, CHECK_B = (255, 255, 0), (255, 0, 255)

# (x, y, w, h, colour) of the solid rectangles that must be on screen.
SOLID = [
    (10, 10, 100, 50, RED),
    (W - 100, H - 100, 100, 100, GREEN),
    (200, 300, 64, 32, BLUE),
    (600, 200, 50, 40, CYAN),
]
UNFLUSHED = (500, 50, 40, 40)  # written white, never flushed: must stay black


def cell(i):
    return (i * 25, 255 - i * 25, 0x80)


def grad(x, y):
    return ((x - 400) * 2, (y - 400) * 4, 0x80)


def expected(x, y):
    """The colour test_gpu left at (x, y)."""
    for rx, ry, rw, rh, c in SOLID:
        if rx <= x < rx + rw and ry <= y < ry + rh:
            return c
    if 300 <= x < 364 and 100 <= y < 164:
        return CHECK_B if (x + y) & 1 else CHECK_A
    if 16 <= x < 96 and 560 <= y < 576:
        return cell((x - 16) // 8)
    if 400 <= x < 528 and 400 <= y < 464:
        return grad(x, y)
    return BLACK


def run(node):
    node.wait_for(r"gpu: pattern drawn", timeout=100)
    path = node.qmp.screendump(node.artefact("screen.png"))
    img = png.read(path)
    bad = []
    if (img.width, img.height) != (W, H):
        return ["screendump is %dx%d, want %dx%d" % (img.width, img.height, W, H)]

    def want(x, y, c):
        got = img.pixel(x, y)
        if got != c and len(bad) < 20:
            bad.append("pixel (%d, %d) is %s, want %s" % (x, y, got, c))

    # Every pixel of the screen against the model: rectangles, their edges
    # and what lies just outside them, the checkerboard, cells, gradient.
    for y in range(H):
        for x in range(W):
            want(x, y, expected(x, y))
    # The rectangle that was never flushed is black, not white: checked by
    # the sweep above, said again so that a failure names it.
    ux, uy, uw, uh = UNFLUSHED
    if img.pixel(ux + uw // 2, uy + uh // 2) == (255, 255, 255):
        bad.append("the unflushed rectangle reached the screen")
    # The sweep must be able to fail: the model is not all one colour.
    assert expected(10, 10) != expected(9, 10)
    node.quit()
    return bad
