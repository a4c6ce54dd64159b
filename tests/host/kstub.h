/*
 * Host stand-ins for the few kernel services that kernel/mm/pmm.c and
 * kernel/mm/refcnt.c use (tests/host/kstub.c): harts[], spinlocks, printk,
 * panic and kmap.  Single-threaded.
 *
 * How to use:
 *   kstub_set_harts(4);                     harts[0..3], host_hart = &harts[0]
 *   host_hart = &harts[1];                  "run" on hart 1
 *   kstub_ram_init(0x80000000, 64 << 20);   fake RAM behind kmap()
 *   if (kstub_catch(fn, arg))               fn panicked; message in
 *           ... kstub_panic_msg ...         kstub_panic_msg, locks released
 *   kstub_ram_free();
 * A panic outside kstub_catch prints the message and aborts the test.
 */
#ifndef TESSERA_TEST_KSTUB_H
#define TESSERA_TEST_KSTUB_H

#include <stdint.h>

#include <kernel/hart.h>

/* Set nharts = n, clear harts[] (index = i, empty caches), host_hart =
 * &harts[0]. */
void kstub_set_harts(unsigned n);

/* Fake physical RAM [base, base + size), malloc'd to exactly that size so
 * AddressSanitizer catches a kmap() user that runs past it. */
void kstub_ram_init(uint64_t base, uint64_t size);
void kstub_ram_free(void);
/* Host pointer to physical address pa of the fake RAM; NULL outside it. */
uint8_t *kstub_ram(uint64_t pa);

/* Run fn(arg).  Returns 1 if it called panic() (message in kstub_panic_msg,
 * every spinlock it held released), else 0. */
int kstub_catch(void (*fn)(void *), void *arg);
extern char kstub_panic_msg[256];
extern unsigned kstub_npanics;

/* Spinlocks held right now (0 between kernel calls). */
unsigned kstub_locks_held(void);

/* Last printk line, and the last kmap() call. */
extern char kstub_printk_msg[256];
extern int kstub_kmap_slot;
extern uint64_t kstub_kmap_pa;

#endif
