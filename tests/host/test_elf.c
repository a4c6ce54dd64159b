/*
 * Host tests of kernel/task/elf.c: images built in memory field by field,
 * plus tests/host/data/hello.elf (a real riscv64-unknown-elf-gcc output).
 * Every image sits in a buffer of exactly its size so AddressSanitizer
 * catches any read past it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/elf.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/le.h>

#include "check.h"

#ifndef TESSERA_TEST_DATA
#error "TESSERA_TEST_DATA must name tests/host/data"
#endif

#define LIMIT	TS_USER_TOP
#define R	4u	/* PF_R */
#define W	2u	/* PF_W */
#define X	1u	/* PF_X */

struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

/* A RISC-V ET_EXEC image of exactly `size` bytes: header, program headers
 * at 64, the rest filled with 0xaa.  malloc'd. */
static uint8_t *
build(const struct ph *ph, unsigned n, uint64_t entry, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	unsigned i;

	if (p == NULL || size < 64 + (size_t)n * 56)
		abort();
	memset(p, 0xaa, size);
	memset(p, 0, 64 + (size_t)n * 56);
	memcpy(p, "\177ELF", 4);
	p[4] = 2;		/* ELFCLASS64 */
	p[5] = 1;		/* ELFDATA2LSB */
	p[6] = 1;		/* EV_CURRENT */
	le16_put(p + 16, 2);	/* ET_EXEC */
	le16_put(p + 18, 243);	/* EM_RISCV */
	le32_put(p + 20, 1);
	le64_put(p + 24, entry);
	le64_put(p + 32, 64);	/* e_phoff */
	le64_put(p + 40, 0);	/* e_shoff */
	le16_put(p + 52, 64);
	le16_put(p + 54, 56);
	le16_put(p + 56, (uint16_t)n);
	for (i = 0; i < n; i++) {
		uint8_t *h = p + 64 + i * 56;

		le32_put(h, ph[i].type);
		le32_put(h + 4, ph[i].flags);
		le64_put(h + 8, ph[i].offset);
		le64_put(h + 16, ph[i].vaddr);
		le64_put(h + 24, ph[i].vaddr);
		le64_put(h + 32, ph[i].filesz);
		le64_put(h + 40, ph[i].memsz);
		le64_put(h + 48, 0x1000);
	}
	return p;
}

/* The standard good image: text at 0x10000, data+bss at 0x20000. */
static const struct ph good_ph[] = {
	{ 1, R | X, 0x1000, 0x10000, 0x100, 0x100 },
	{ 1, R | W, 0x2000, 0x20000, 0x80, 0x3000 },
};
#define GOOD_SIZE	0x2080
#define GOOD_ENTRY	0x10010

static uint8_t *
build_good(void)
{
	return build(good_ph, 2, GOOD_ENTRY, GOOD_SIZE);
}

/* elf_check's result on `img`; *why gets the reason.  Frees img. */
static int
check_img(uint8_t *img, size_t size, const char **why)
{
	struct elf_info info;
	int r = elf_check(img, size, LIMIT, &info, why);

	free(img);
	return r;
}

/* Expect refusal of `ph` with reason `want`. */
static void
expect_bad(const struct ph *ph, unsigned n, uint64_t entry, size_t size,
	   const char *want)
{
	const char *why = NULL;

	CHECK_EQ(check_img(build(ph, n, entry, size), size, &why),
		 -ERR_BADEXEC);
	CHECK_STR(why, want);
}

static void
test_good(void)
{
	struct elf_info info;
	const char *why = "unset";
	uint8_t *img = build_good();

	CHECK_EQ(elf_check(img, GOOD_SIZE, LIMIT, &info, &why), 0);
	CHECK(why == NULL);
	CHECK_EQ(info.entry, GOOD_ENTRY);
	CHECK_EQ(info.nsegs, 2);
	CHECK_EQ(info.seg[0].vaddr, 0x10000);
	CHECK_EQ(info.seg[0].memsz, 0x1000);
	CHECK_EQ(info.seg[0].file_off, 0x1000);
	CHECK_EQ(info.seg[0].file_va, 0x10000);
	CHECK_EQ(info.seg[0].filesz, 0x100);
	CHECK_EQ(info.seg[0].prot, MEM_R | MEM_X);
	CHECK_EQ(info.seg[1].vaddr, 0x20000);
	CHECK_EQ(info.seg[1].memsz, 0x3000);
	CHECK_EQ(info.seg[1].filesz, 0x80);
	CHECK_EQ(info.seg[1].prot, MEM_R | MEM_W);
	/* why may be NULL. */
	CHECK_EQ(elf_check(img, GOOD_SIZE, LIMIT, &info, NULL), 0);
	free(img);
}

/* A real linker output: text+rodata in one R X segment from offset 0,
 * .sdata+.bss in an RW one, and a PT_RISCV_ATTRIBUTES to ignore. */
static void
test_hello(void)
{
	struct elf_info info;
	const char *why;
	size_t n;
	uint8_t *img = load_file(TESSERA_TEST_DATA "/hello.elf", &n);

	CHECK_EQ(elf_check(img, n, LIMIT, &info, &why), 0);
	CHECK_EQ(info.entry, 0x100e8);
	CHECK_EQ(info.nsegs, 2);
	CHECK_EQ(info.seg[0].vaddr, 0x10000);
	CHECK_EQ(info.seg[0].memsz, 0x1000);
	CHECK_EQ(info.seg[0].file_off, 0);
	CHECK_EQ(info.seg[0].file_va, 0x10000);
	CHECK_EQ(info.seg[0].filesz, 0x133);
	CHECK_EQ(info.seg[0].prot, MEM_R | MEM_X);
	CHECK_EQ(info.seg[1].vaddr, 0x11000);
	CHECK_EQ(info.seg[1].memsz, 0x3000);	/* to 0x13138 rounded up */
	CHECK_EQ(info.seg[1].file_off, 0x134);
	CHECK_EQ(info.seg[1].file_va, 0x11134);
	CHECK_EQ(info.seg[1].filesz, 4);
	CHECK_EQ(info.seg[1].prot, MEM_R | MEM_W);
	/* Below a limit that cuts its bss, it is refused. */
	CHECK_EQ(elf_check(img, n, 0x13000, &info, &why), -ERR_BADEXEC);
	CHECK_STR(why, "segment beyond user address limit");
	CHECK_EQ(elf_check(img, n, 0x14000, &info, &why), 0);
	free(img);
}

/* Every truncation: refused while it cuts into headers or segment data,
 * accepted with the same result once only section data is cut. */
static void
test_truncate(void)
{
	struct elf_info full, info;
	const char *why;
	size_t n, len;
	uint8_t *img, *c;
	int r;

	img = build_good();
	for (len = 0; len < GOOD_SIZE; len++) {
		c = malloc(len ? len : 1);
		memcpy(c, img, len);
		r = elf_check(c, len, LIMIT, &info, &why);
		CHECK_EQ(r, -ERR_BADEXEC);
		if (len < 64)
			CHECK_STR(why, "truncated ELF header");
		else if (len < 64 + 2 * 56)
			CHECK_STR(why, "truncated program header");
		else
			CHECK_STR(why, "segment data past end of file");
		free(c);
	}
	free(img);

	img = load_file(TESSERA_TEST_DATA "/hello.elf", &n);
	CHECK_EQ(elf_check(img, n, LIMIT, &full, &why), 0);
	for (len = 0; len < n; len++) {
		c = malloc(len ? len : 1);
		memcpy(c, img, len);
		memset(&info, 0, sizeof(info));
		r = elf_check(c, len, LIMIT, &info, &why);
		if (len < 0x138) {	/* end of .sdata in the file */
			CHECK_EQ(r, -ERR_BADEXEC);
		} else {
			CHECK_EQ(r, 0);
			CHECK(memcmp(&info.seg, &full.seg,
				     full.nsegs * sizeof(full.seg[0])) == 0);
		}
		free(c);
	}
	free(img);
	CHECK_EQ(elf_check(NULL, 0, LIMIT, &info, &why), -ERR_BADEXEC);
	CHECK_STR(why, "truncated ELF header");
	CHECK_EQ(elf_check(NULL, 0, LIMIT, NULL, &why), -ERR_INVAL);
}

/* One header byte/field at a time. */
static void
test_header(void)
{
	static const struct {
		unsigned off, width;
		uint64_t val;
		const char *why;
	} bad[] = {
		{ 0, 1, 0x7e, "bad ELF magic" },
		{ 3, 1, 'f', "bad ELF magic" },
		{ 4, 1, 1, "not a 64-bit ELF" },
		{ 5, 1, 2, "not little-endian" },
		{ 6, 1, 0, "bad ELF version" },
		{ 20, 4, 2, "bad ELF version" },
		{ 16, 2, 3, "not an executable (ET_EXEC)" },	/* ET_DYN */
		{ 16, 2, 1, "not an executable (ET_EXEC)" },	/* ET_REL */
		{ 18, 2, 62, "not a RISC-V ELF" },		/* x86-64 */
		{ 52, 2, 52, "bad ELF header size" },
		{ 54, 2, 32, "bad program header entry size" },
		{ 54, 2, 64, "bad program header entry size" },
		{ 56, 2, 0, "no program headers" },
		{ 56, 2, 65, "too many program headers" },
		{ 56, 2, 0xffff, "too many program headers" },
		{ 32, 8, 0xffffffffffffff00ull, "truncated program header" },
		{ 32, 8, GOOD_SIZE - 56 * 2 + 1, "truncated program header" },
		{ 24, 8, 0x20000, "entry point not in an executable segment" },
		{ 24, 8, 0x10100, "entry point not in an executable segment" },
		{ 24, 8, 0x10fff, "entry point not in an executable segment" },
		{ 24, 8, 0xffff, "entry point not in an executable segment" },
	};
	struct elf_info info, keep;
	const char *why;
	unsigned i, k;
	uint8_t *img;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		img = build_good();
		for (k = 0; k < bad[i].width; k++)
			img[bad[i].off + k] = (uint8_t)(bad[i].val >> (8 * k));
		memset(&keep, 0x5a, sizeof(keep));
		info = keep;
		why = NULL;
		CHECK_EQ(elf_check(img, GOOD_SIZE, LIMIT, &info, &why),
			 -ERR_BADEXEC);
		CHECK_STR(why, bad[i].why);
		/* A refused image leaves the output alone. */
		CHECK(memcmp(&info, &keep, sizeof(info)) == 0);
		free(img);
	}
	/* The last byte of text is a valid entry, the one after is not. */
	img = build(good_ph, 2, 0x100ff, GOOD_SIZE);
	CHECK_EQ(elf_check(img, GOOD_SIZE, LIMIT, &info, &why), 0);
	free(img);
	/* Program headers may sit anywhere, e.g. at the end, unaligned. */
	img = build(good_ph, 2, GOOD_ENTRY, GOOD_SIZE + 0x71);
	memcpy(img + GOOD_SIZE + 1, img + 64, 2 * 56);
	memset(img + 64, 0xee, 2 * 56);
	le64_put(img + 32, GOOD_SIZE + 1);
	CHECK_EQ(elf_check(img, GOOD_SIZE + 0x71, LIMIT, &info, &why), 0);
	CHECK_EQ(elf_check(img, GOOD_SIZE + 0x70, LIMIT, &info, &why),
		 -ERR_BADEXEC);
	CHECK_STR(why, "truncated program header");
	free(img);
}

/* Unaligned image pointer: same answer. */
static void
test_unaligned(void)
{
	struct elf_info a, b;
	uint8_t *img = build_good(), *c = malloc(GOOD_SIZE + 1);

	memcpy(c + 1, img, GOOD_SIZE);
	CHECK_EQ(elf_check(img, GOOD_SIZE, LIMIT, &a, NULL), 0);
	CHECK_EQ(elf_check(c + 1, GOOD_SIZE, LIMIT, &b, NULL), 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	free(c);
	free(img);
}

/* Segment rules, one at a time. */
static void
test_segments(void)
{
	struct ph ph[2];

	/* filesz > memsz */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[1].memsz = 0x7f;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "file size larger than memory size");
	/* data past the end, and an offset that would overflow */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[1].filesz = 0x81;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment data past end of file");
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[1].offset = 0xfffffffffffff000ull;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment data past end of file");
	ph[1].offset = 0x2001;
	ph[1].filesz = 0xffffffffffffffffull;
	ph[1].memsz = 0xffffffffffffffffull;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment data past end of file");
	/* p_offset and p_vaddr disagree modulo the page size */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[1].vaddr = 0x20008;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment offset and address misaligned");
	/* below 0x10000 */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[0].vaddr = 0xf000;
	expect_bad(ph, 2, 0xf010, GOOD_SIZE, "segment below 0x10000");
	ph[0].vaddr = 0;
	expect_bad(ph, 2, 0x10, GOOD_SIZE, "segment below 0x10000");
	/* memsz wrapping the address space, raw and after rounding */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[1].memsz = 0xffffffffffff0000ull;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment wraps the address space");
	ph[1].memsz = 0xffffffffffffffffull - 0x20000 - 10;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment wraps the address space");
	/* at or past the limit; ending exactly at it is fine */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[1].vaddr = LIMIT;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment beyond user address limit");
	ph[1].vaddr = LIMIT - 0x2000;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment beyond user address limit");
	ph[1].vaddr = LIMIT - 0x3000;
	CHECK_EQ(check_img(build(ph, 2, GOOD_ENTRY, GOOD_SIZE), GOOD_SIZE,
			   NULL), 0);
	ph[1].memsz = 0x2f81;	/* last byte at LIMIT - 0x7f: page reaches it */
	CHECK_EQ(check_img(build(ph, 2, GOOD_ENTRY, GOOD_SIZE), GOOD_SIZE,
			   NULL), 0);
	ph[1].memsz = 0x3001;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "segment beyond user address limit");
	/* W+X */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[0].flags = R | W | X;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "writable and executable segment");
	ph[0].flags = W | X;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "writable and executable segment");
	/* entry in a segment that is not executable */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[0].flags = R;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE,
		   "entry point not in an executable segment");
}

static void
test_overlap(void)
{
	struct ph ph[3];
	struct elf_info info;
	uint8_t *img;

	/* plain overlap */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[1].vaddr = 0x10000;
	ph[1].offset = 0x2000;
	ph[1].flags = R;
	expect_bad(ph, 2, GOOD_ENTRY, GOOD_SIZE, "segments overlap");
	/* second inside the first, listed first */
	ph[0] = good_ph[1];
	ph[1] = good_ph[0];
	ph[1].vaddr = 0x21000;
	ph[1].offset = 0x1000;
	expect_bad(ph, 2, 0x21000, GOOD_SIZE, "segments overlap");
	/* disjoint bytes, same page after rounding */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[1].vaddr = 0x10800;
	ph[1].offset = 0x1800;
	ph[1].filesz = 0x80;
	ph[1].memsz = 0x80;
	expect_bad(ph, 2, GOOD_ENTRY, 0x1880, "segments overlap");
	/* the page right after is fine */
	ph[1].vaddr = 0x11800;
	img = build(ph, 2, GOOD_ENTRY, 0x1880);
	CHECK_EQ(elf_check(img, 0x1880, LIMIT, &info, NULL), 0);
	CHECK_EQ(info.seg[1].vaddr, 0x11000);
	CHECK_EQ(info.seg[1].memsz, 0x1000);
	free(img);
	/* a third segment overlapping only the second */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[2] = good_ph[1];
	ph[2].vaddr = 0x22000;
	ph[2].flags = R;
	expect_bad(ph, 3, GOOD_ENTRY, GOOD_SIZE, "segments overlap");
	ph[2].vaddr = 0x23000;
	CHECK_EQ(check_img(build(ph, 3, GOOD_ENTRY, GOOD_SIZE), GOOD_SIZE,
			   NULL), 0);
}

/* Program header types and counts. */
static void
test_types(void)
{
	struct ph ph[ELF_MAX_SEGS + 2];
	struct elf_info info;
	uint8_t *img;
	unsigned i;

	/* PT_INTERP and PT_DYNAMIC are refused wherever they are. */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[2] = (struct ph){ 3, R, 0x2000, 0, 0x10, 0 };
	expect_bad(ph, 3, GOOD_ENTRY, GOOD_SIZE,
		   "needs an interpreter (PT_INTERP)");
	ph[2] = ph[0];
	ph[0] = (struct ph){ 2, R | W, 0x2000, 0x20000, 0x10, 0x10 };
	expect_bad(ph, 3, GOOD_ENTRY, GOOD_SIZE,
		   "dynamically linked (PT_DYNAMIC)");
	/* PT_NOTE, PT_PHDR, PT_GNU_STACK, PT_RISCV_ATTRIBUTES, PT_NULL are
	 * ignored, even with silly fields. */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[2] = (struct ph){ 4, R, 0xffffffffffffff00ull, 0, 0x1000, 0 };
	ph[3] = (struct ph){ 6, R, 64, 0x10040, 112, 112 };
	ph[4] = (struct ph){ 0x6474e551, R | W | X, 0, 0, 0, 0 };
	ph[5] = (struct ph){ 0x70000003, R, 0x2000, 0, 0x10, 0 };
	ph[6] = (struct ph){ 0, 0, 0, 0, 0, 0 };
	img = build(ph, 7, GOOD_ENTRY, GOOD_SIZE);
	CHECK_EQ(elf_check(img, GOOD_SIZE, LIMIT, &info, NULL), 0);
	CHECK_EQ(info.nsegs, 2);
	free(img);
	/* No PT_LOAD at all. */
	ph[0] = ph[2];
	expect_bad(ph, 1, GOOD_ENTRY, GOOD_SIZE, "no loadable segment");
	/* ELF_MAX_SEGS loads fit, one more does not. */
	for (i = 0; i < ELF_MAX_SEGS + 1; i++)
		ph[i] = (struct ph){ 1, i == 0 ? R | X : R, 0x1000,
				     0x10000 + 0x10000 * i, 0x10, 0x10 };
	img = build(ph, ELF_MAX_SEGS, 0x10000, 0x1010);
	CHECK_EQ(elf_check(img, 0x1010, LIMIT, &info, NULL), 0);
	CHECK_EQ(info.nsegs, ELF_MAX_SEGS);
	CHECK_EQ(info.seg[ELF_MAX_SEGS - 1].vaddr, 0x80000);
	free(img);
	expect_bad(ph, ELF_MAX_SEGS + 1, 0x10000, 0x1010,
		   "too many loadable segments");
	/* An empty PT_LOAD is skipped whatever its address and offset (ld
	 * emits one at address 0 for an empty .rodata). */
	memcpy(ph, good_ph, sizeof(good_ph));
	ph[2] = (struct ph){ 1, R, 0x120, 0, 0, 0 };
	img = build(ph, 3, GOOD_ENTRY, GOOD_SIZE);
	CHECK_EQ(elf_check(img, GOOD_SIZE, LIMIT, &info, NULL), 0);
	CHECK_EQ(info.nsegs, 2);
	free(img);
	/* ...but file bytes with no memory size are still refused. */
	ph[2] = (struct ph){ 1, R, 0x1000, 0x30000, 0x10, 0 };
	expect_bad(ph, 3, GOOD_ENTRY, GOOD_SIZE,
		   "file size larger than memory size");
}

/* Any result must be 0 with a sane layout, or -ERR_BADEXEC with a reason. */
static void
exercise(const uint8_t *img, size_t n)
{
	struct elf_info info;
	const char *why = NULL;
	unsigned i, j, entry_ok = 0;
	int r = elf_check(img, n, LIMIT, &info, &why);

	if (r != 0) {
		CHECK_EQ(r, -ERR_BADEXEC);
		CHECK(why != NULL && why[0] != 0);
		return;
	}
	CHECK(why == NULL);
	CHECK(info.nsegs >= 1 && info.nsegs <= ELF_MAX_SEGS);
	for (i = 0; i < info.nsegs && i < ELF_MAX_SEGS; i++) {
		const struct elf_seg *s = &info.seg[i];

		CHECK_EQ(s->vaddr % 4096, 0);
		CHECK_EQ(s->memsz % 4096, 0);
		CHECK(s->vaddr >= 0x10000);
		CHECK(s->vaddr + s->memsz <= LIMIT);
		CHECK(s->file_va >= s->vaddr);
		CHECK(s->file_va + s->filesz <= s->vaddr + s->memsz);
		CHECK(s->file_off <= n && s->filesz <= n - s->file_off);
		CHECK((s->prot & (MEM_W | MEM_X)) != (MEM_W | MEM_X));
		if ((s->prot & MEM_X) && info.entry >= s->file_va &&
		    info.entry < s->vaddr + s->memsz)
			entry_ok = 1;
		for (j = i + 1; j < info.nsegs; j++)
			CHECK(s->vaddr + s->memsz <= info.seg[j].vaddr ||
			      info.seg[j].vaddr + info.seg[j].memsz <=
				      s->vaddr);
	}
	CHECK(entry_ok);
}

/* Flip bits at every offset of the good image and of hello.elf. */
static void
test_flips(void)
{
	static const uint8_t pat[] = { 0xff, 0x01, 0x80, 0x10 };
	size_t n, i, j;
	uint8_t *img;

	img = build_good();
	for (i = 0; i < 64 + 2 * 56; i++) {
		for (j = 0; j < sizeof(pat); j++) {
			img[i] ^= pat[j];
			exercise(img, GOOD_SIZE);
			img[i] ^= pat[j];
		}
	}
	free(img);
	img = load_file(TESSERA_TEST_DATA "/hello.elf", &n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof(pat); j++) {
			img[i] ^= pat[j];
			exercise(img, n);
			img[i] ^= pat[j];
		}
	}
	free(img);
}

/* Seeded random program header fields drawn from edge values. */
static void
test_random(void)
{
	static const uint64_t edge[] = {
		0, 1, 0xfff, 0x1000, 0x10000, 0x10010, 0x20000, GOOD_SIZE,
		LIMIT - 0x1000, LIMIT, 0x7fffffffffffffffull,
		0xfffffffffffff000ull, 0xffffffffffffffffull,
	};
	uint64_t seed = 1;
	uint8_t *img = build_good();
	unsigned i, k, field;

	for (i = 0; i < 50000; i++) {
		uint8_t *c = malloc(GOOD_SIZE);

		memcpy(c, img, GOOD_SIZE);
		for (k = 0; k < 1 + i % 4; k++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			field = (unsigned)(seed >> 40) % 10;
			/* phdr 0 or 1, field offset 8..40, or e_entry */
			if (field < 8)
				le64_put(c + 64 + 56 * (field & 1) +
					      8 * (1 + (field >> 1)),
				      edge[(seed >> 16) % 13]);
			else if (field == 8)
				le64_put(c + 24, edge[(seed >> 16) % 13]);
			else
				le32_put(c + 64 + 56 * ((seed >> 12) & 1) + 4,
				      (uint32_t)(seed >> 20) & 7);
		}
		exercise(c, GOOD_SIZE);
		free(c);
	}
	free(img);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "good", test_good },
		{ "hello.elf", test_hello },
		{ "truncate", test_truncate },
		{ "header", test_header },
		{ "unaligned", test_unaligned },
		{ "segments", test_segments },
		{ "overlap", test_overlap },
		{ "types", test_types },
		{ "flips", test_flips },
		{ "random", test_random },
	};

	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
