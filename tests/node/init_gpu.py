"""QMP script of node_init_gpu: a node booted with console=gpu runs the shell
on the GPU console.  Type a command on the virtio keyboard (editing it with
the arrow keys and backspace) and find its output drawn on the screen, glyph
by glyph against the font."""

import console_check
import png

TEXT = "Tessera-GPU-OK"


def row_matches(img, cmap, fw, fh, row, text):
    for i, ch in enumerate(text):
        g = cmap[ord(ch)]
        for y in range(fh):
            for x in range(fw):
                on = bool(g[y] & (0x80 >> x))
                want = console_check.FG if on else console_check.BG
                if img.pixel(i * fw + x, row * fh + y) != want:
                    return False
    return True


def find_row(node, text, tries=30):
    """Screenshots every 0.5 s until `text` is drawn at the start of a row:
    that row, or None."""
    cmap, fw, fh = console_check.load_psf(console_check.FONT)
    for attempt in range(tries):
        img = png.read(node.qmp.screendump(node.artefact("screen.png")))
        rows = img.height // fh
        hits = [r for r in range(rows) if row_matches(img, cmap, fw, fh, r, text)]
        if hits:
            return hits[0]
        import time
        time.sleep(0.5)
    return None


def run(node):
    node.wait_for(r"init: console on gpu", 60)
    node.wait_for(r"init: Tessera node up", 60)
    # Typed with a mistake, fixed with left arrow + backspace + insert:
    # "Tessera-GPU-XK" -> "Tessera-GPU-OK".
    node.qmp.type_text("echo " + TEXT[:-2] + "XK")
    node.qmp.key("left")
    node.qmp.key("backspace")
    node.qmp.type_text("O")
    node.qmp.key("ret")
    row = find_row(node, TEXT)
    node.quit()
    if row is None:
        return ["%r never appeared at the start of a screen row" % TEXT]
    print("init_gpu: %r drawn at row %d" % (TEXT, row), flush=True)
    return []
