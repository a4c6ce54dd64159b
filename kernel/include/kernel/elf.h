/*
 * ELF64 executable checker: decides whether a user program may be loaded
 * and describes its segments.  Pure C: builds for the host and is fuzzed.
 *
 * elf_check() never reads outside [img, img + size) and never trusts a
 * field: every header value and segment bound is checked, with overflow-safe
 * arithmetic.  The loader (kernel/task/loader.c) only maps what it returns.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGS 8

struct elf_seg {
	uint64_t vaddr;		/* page-aligned start (rounded down) */
	uint64_t memsz;		/* bytes from vaddr, page-rounded up */
	uint64_t file_off;	/* offset in the image of the first file byte */
	uint64_t file_va;	/* where that byte goes (p_vaddr) */
	uint64_t filesz;	/* bytes copied from the image; rest zero */
	unsigned prot;		/* MEM_R | MEM_W | MEM_X from <tessera/abi.h> */
};

struct elf_info {
	uint64_t entry;
	unsigned nsegs;
	struct elf_seg seg[ELF_MAX_SEGS];
};

/*
 * Check `img` as a RISC-V ELF64 little-endian ET_EXEC for user space below
 * `va_limit`.  On success fill `out` and return 0.  On failure return
 * -ERR_BADEXEC and set *why to a static reason ("truncated program header",
 * "segments overlap", "writable and executable segment", ...).
 * Rules: PT_LOAD only counted (empty ones, memsz = filesz = 0, skipped) (others ignored, except PT_INTERP/PT_DYNAMIC
 * refused); 1..ELF_MAX_SEGS loads; filesz <= memsz; p_vaddr % 4096 ==
 * p_offset % 4096; no segment below 0x10000 or reaching va_limit; page-rounded
 * segments do not overlap; no W+X; entry inside an executable segment.
 */
int elf_check(const void *img, size_t size, uint64_t va_limit,
	      struct elf_info *out, const char **why);
/*
 * The same for an image of `size` bytes of which only the first `avail`
 * are at `img` (the rest is copied later, segment by segment, from memory
 * the checker must not read: task_spawn_image).  The ELF header and the
 * program headers must lie in those `avail` bytes ("program headers beyond
 * the header part" otherwise); segment bounds are checked against `size`.
 */
int elf_check_prefix(const void *img, size_t avail, size_t size, uint64_t va_limit,
		     struct elf_info *out, const char **why);

#endif
