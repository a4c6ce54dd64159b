/*
 * ELF64 executable checker (System V gABI "ELF-64 Object File Format";
 * RISC-V ELF psABI for EM_RISCV).  The rules are listed in <kernel/elf.h>.
 *
 * Fields are read byte by byte (little-endian), so the image may sit at any
 * alignment.  All bound checks are written so they cannot overflow: a sum
 * is only formed after checking it fits.  The result is built in a local
 * elf_info and copied out only when every check passed.
 *
 * No libc: this file is built into the freestanding kernel and for the host.
 */
#include <kernel/elf.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/le.h>

#define EHDR_SIZE	64u
#define PHDR_SIZE	56u
#define ELFCLASS64	2u
#define ELFDATA2LSB	1u
#define EV_CURRENT	1u
#define ET_EXEC		2u
#define EM_RISCV	243u
#define PT_LOAD		1u
#define PT_DYNAMIC	2u
#define PT_INTERP	3u
#define PF_X		0x1u
#define PF_W		0x2u
#define PF_R		0x4u

#define ELF_PAGE	4096u
#define ELF_MIN_VA	0x10000u	/* keep page 0 and friends unmapped */
#define ELF_MAX_PHNUM	64u		/* program headers looked at, all types */

/* One program header, decoded. */
struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

static void
phdr_read(const uint8_t *p, struct phdr *ph)
{
	ph->type = le32_get(p);
	ph->flags = le32_get(p + 4);
	ph->offset = le64_get(p + 8);
	ph->vaddr = le64_get(p + 16);
	/* p_paddr at 24 is ignored */
	ph->filesz = le64_get(p + 32);
	ph->memsz = le64_get(p + 40);
	/* p_align at 48 is ignored: the page rule below is what we need */
}

/* Check the ELF header of an image of `size` bytes whose first `avail`
 * (<= size) are at img.  Returns NULL if it is acceptable (and sets *phoff,
 * *phnum: the program headers lie in those bytes), else the reason. */
static const char *
ehdr_check(const uint8_t *img, size_t avail, size_t size, uint64_t *phoff, unsigned *phnum)
{
	uint64_t off;
	unsigned n;

	if (img == NULL || size < EHDR_SIZE || avail < EHDR_SIZE)
		return "truncated ELF header";
	if (img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' || img[3] != 'F')
		return "bad ELF magic";
	if (img[4] != ELFCLASS64)
		return "not a 64-bit ELF";
	if (img[5] != ELFDATA2LSB)
		return "not little-endian";
	if (img[6] != EV_CURRENT || le32_get(img + 20) != EV_CURRENT)
		return "bad ELF version";
	if (le16_get(img + 16) != ET_EXEC)
		return "not an executable (ET_EXEC)";
	if (le16_get(img + 18) != EM_RISCV)
		return "not a RISC-V ELF";
	if (le16_get(img + 52) != EHDR_SIZE)
		return "bad ELF header size";
	if (le16_get(img + 54) != PHDR_SIZE)
		return "bad program header entry size";
	off = le64_get(img + 32);
	n = le16_get(img + 56);
	if (n == 0)
		return "no program headers";
	if (n > ELF_MAX_PHNUM)
		return "too many program headers";
	if (off > size || (uint64_t)n * PHDR_SIZE > size - off)
		return "truncated program header";
	if (off > avail || (uint64_t)n * PHDR_SIZE > avail - off)
		return "program headers beyond the header part";
	*phoff = off;
	*phnum = n;
	return NULL;
}

/* Check one PT_LOAD header against the file size and the user address
 * range; NULL if acceptable (and fill *s), else the reason. */
static const char *
load_check(const struct phdr *ph, size_t size, uint64_t va_limit,
	   struct elf_seg *s)
{
	uint64_t end, start;

	if (ph->filesz > ph->memsz)
		return "file size larger than memory size";
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return "segment data past end of file";
	if (ph->vaddr % ELF_PAGE != ph->offset % ELF_PAGE)
		return "segment offset and address misaligned";
	if (ph->vaddr < ELF_MIN_VA)
		return "segment below 0x10000";
	if (ph->memsz > UINT64_MAX - ph->vaddr ||
	    ph->vaddr + ph->memsz > UINT64_MAX - (ELF_PAGE - 1))
		return "segment wraps the address space";
	if ((ph->flags & (PF_W | PF_X)) == (PF_W | PF_X))
		return "writable and executable segment";
	start = ph->vaddr & ~(uint64_t)(ELF_PAGE - 1);
	end = (ph->vaddr + ph->memsz + ELF_PAGE - 1) &
	      ~(uint64_t)(ELF_PAGE - 1);
	if (ph->vaddr >= va_limit || end > va_limit)
		return "segment beyond user address limit";
	s->vaddr = start;
	s->memsz = end - start;
	s->file_off = ph->offset;
	s->file_va = ph->vaddr;
	s->filesz = ph->filesz;
	s->prot = (ph->flags & PF_R ? MEM_R : 0) |
		  (ph->flags & PF_W ? MEM_W : 0) |
		  (ph->flags & PF_X ? MEM_X : 0);
	return NULL;
}

/* Check the segments in *info against each other and the entry point;
 * `memend[i]` is segment i's unrounded end.  NULL or the reason. */
static const char *
layout_check(const struct elf_info *info, const uint64_t *memend)
{
	const struct elf_seg *a, *b;
	unsigned i, j;
	int entry_ok = 0;

	for (i = 0; i < info->nsegs; i++) {
		a = &info->seg[i];
		for (j = i + 1; j < info->nsegs; j++) {
			b = &info->seg[j];
			if (a->vaddr < b->vaddr + b->memsz &&
			    b->vaddr < a->vaddr + a->memsz)
				return "segments overlap";
		}
		if ((a->prot & MEM_X) && info->entry >= a->file_va &&
		    info->entry < memend[i])
			entry_ok = 1;
	}
	if (!entry_ok)
		return "entry point not in an executable segment";
	return NULL;
}

/* Decode and check everything; NULL and *info filled, or the reason. */
static const char *
elf_decode(const uint8_t *img, size_t avail, size_t size, uint64_t va_limit,
	   struct elf_info *info)
{
	uint64_t memend[ELF_MAX_SEGS];
	uint64_t phoff;
	unsigned phnum, i;
	struct phdr ph;
	const char *why;

	why = ehdr_check(img, avail, size, &phoff, &phnum);
	if (why != NULL)
		return why;
	info->entry = le64_get(img + 24);
	info->nsegs = 0;
	for (i = 0; i < phnum; i++) {
		phdr_read(img + phoff + (uint64_t)i * PHDR_SIZE, &ph);
		if (ph.type == PT_INTERP)
			return "needs an interpreter (PT_INTERP)";
		if (ph.type == PT_DYNAMIC)
			return "dynamically linked (PT_DYNAMIC)";
		if (ph.type != PT_LOAD)
			continue;
		/* Linkers emit empty PT_LOADs (an empty .rodata, say) with any
		 * address: they map nothing, so they are skipped. */
		if (ph.memsz == 0 && ph.filesz == 0)
			continue;
		if (info->nsegs == ELF_MAX_SEGS)
			return "too many loadable segments";
		why = load_check(&ph, size, va_limit, &info->seg[info->nsegs]);
		if (why != NULL)
			return why;
		memend[info->nsegs] = ph.vaddr + ph.memsz;
		info->nsegs++;
	}
	if (info->nsegs == 0)
		return "no loadable segment";
	return layout_check(info, memend);
}

/* elf_check_prefix: see <kernel/elf.h>.  Also -ERR_INVAL ("no output") if
 * `out` is NULL; `why` may be NULL.  *out is untouched on failure; *why is
 * set to NULL on success. */
int
elf_check_prefix(const void *img, size_t avail, size_t size, uint64_t va_limit,
		 struct elf_info *out, const char **why)
{
	struct elf_info info = { 0 };
	const char *reason;

	if (out == NULL) {
		if (why != NULL)
			*why = "no output";
		return -ERR_INVAL;
	}
	if (avail > size)
		avail = size;
	reason = elf_decode(img, avail, size, va_limit, &info);
	if (why != NULL)
		*why = reason;
	if (reason != NULL)
		return -ERR_BADEXEC;
	*out = info;
	return 0;
}

int
elf_check(const void *img, size_t size, uint64_t va_limit,
	  struct elf_info *out, const char **why)
{
	return elf_check_prefix(img, size, size, va_limit, out, why);
}
