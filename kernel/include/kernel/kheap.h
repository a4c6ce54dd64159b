/* Kernel heap: page-backed objects in the KHEAP region (always mapped, in
 * every address space).  kmalloc'd memory is zeroed. */
#ifndef KERNEL_KHEAP_H
#define KERNEL_KHEAP_H

#include <stddef.h>
#include <stdint.h>

void kheap_init(void);
/* One page, zeroed; *pa receives its physical address. NULL when out. */
void *kheap_page_alloc(uint64_t *pa);
void kheap_page_free(void *va);
/* Objects up to 2048 bytes in power-of-two classes; larger: whole pages. */
void *kmalloc(size_t size);
void kfree(void *p);
uint64_t kheap_bytes_in_use(void);
uint64_t kheap_pages(void);	/* pages held: the high-water mark */

#endif
