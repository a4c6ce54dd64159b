/*
 * libFuzzer target for kernel/lib/fdt.c: any input must give 0 or a
 * negative code from every entry point, never a bad read (ASan), undefined
 * behaviour (UBSan) or a hang (libFuzzer -timeout).  Seeds: the blobs in
 * tests/host/data.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/fdt.h>
#include <tessera/errors.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walk the tree below `node` with fdt_child, reading a few properties;
 * depth-bounded so a bug in fdt_child cannot recurse forever. */
static void
walk(const struct fdt *f, int node, int depth)
{
	uint32_t len;
	const void *v;
	int c;

	if (depth > 70)
		abort();
	if (fdt_name(f, node) == NULL)
		abort();	/* fdt_child gave an offset it cannot name */
	v = fdt_prop(f, node, "reg", &len);
	if (v == NULL && len != 0)
		abort();
	(void)fdt_cell(v, len, len / 4);
	(void)fdt_prop(f, node, "compatible", NULL);
	for (c = fdt_child(f, node, -1); c >= 0; c = fdt_child(f, node, c))
		walk(f, c, depth + 1);
	if (c != -ERR_NOENT && c != -ERR_INVAL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *paths[] = { "/", "/chosen", "/cpus/cpu",
				       "/memory", "/soc/serial@10000000",
				       "/reserved-memory//x" };
	struct fdt f;
	struct platform p;
	unsigned i;
	int r;

	r = fdt_init(&f, data, size);
	if (r > 0)
		abort();
	if (r < 0)
		return 0;
	r = fdt_platform(&f, &p);
	if (r > 0)
		abort();
	if (r == 0 && (p.nharts == 0 || p.nharts > FDT_MAX_HARTS ||
		       p.nmem == 0 || p.nmem > FDT_MAX_MEM ||
		       p.nrsv > FDT_MAX_RSV ||
		       memchr(p.bootargs, 0, sizeof(p.bootargs)) == NULL))
		abort();
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (fdt_path(&f, paths[i]) > (int)f.size)
			abort();
	r = fdt_path(&f, "/");
	if (r >= 0)
		walk(&f, r, 0);
	return 0;
}
