/*
 * libFuzzer target for kernel/task/elf.c: any input is refused with
 * -ERR_BADEXEC and a reason, or accepted with a layout that keeps every
 * rule of <kernel/elf.h>.  Seed: data/hello.elf.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <kernel/elf.h>
#include <tessera/abi.h>
#include <tessera/errors.h>

#define LIMIT TS_USER_TOP

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_info info;
	const char *why = NULL;
	unsigned i, j, entry_ok = 0;
	int r;

	r = elf_check(data, size, LIMIT, &info, &why);
	if (r != 0) {
		if (r != -ERR_BADEXEC || why == NULL || why[0] == 0)
			abort();
		return 0;
	}
	if (why != NULL || info.nsegs == 0 || info.nsegs > ELF_MAX_SEGS)
		abort();
	for (i = 0; i < info.nsegs; i++) {
		const struct elf_seg *s = &info.seg[i];

		if (s->vaddr % 4096 || s->memsz % 4096 || s->vaddr < 0x10000 ||
		    s->memsz > LIMIT - s->vaddr || s->file_va < s->vaddr ||
		    s->filesz > s->vaddr + s->memsz - s->file_va ||
		    s->file_off > size || s->filesz > size - s->file_off ||
		    (s->prot & (MEM_W | MEM_X)) == (MEM_W | MEM_X))
			abort();
		for (j = i + 1; j < info.nsegs; j++)
			if (s->vaddr < info.seg[j].vaddr + info.seg[j].memsz &&
			    info.seg[j].vaddr < s->vaddr + s->memsz)
				abort();
		if ((s->prot & MEM_X) && info.entry >= s->file_va &&
		    info.entry < s->vaddr + s->memsz)
			entry_ok = 1;
	}
	if (!entry_ok)
		abort();
	return 0;
}
