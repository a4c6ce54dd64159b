/*
 * Boot: the boot hart reads the device tree, sets up memory, the console and
 * the first task, then starts the other harts through SBI HSM.
 */
#include <stdint.h>
#include <tessera/errors.h>
#include <tessera/abi.h>
#include <kernel/fdt.h>
#include <kernel/hart.h>
#include <kernel/initrd.h>
#include <kernel/ipc.h>
#include <kernel/kheap.h>
#include <kernel/memlayout.h>
#include <kernel/platform.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/sbi.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/vm.h>

struct platform plat;
struct hart harts[MAX_HARTS];
unsigned nharts;
uint8_t hart_kstacks[MAX_HARTS][KSTACK_SIZE] __attribute__((aligned(16)));
static volatile uint32_t *finisher;
/* A copy of the device tree for user-space drivers (sys_fdt_read). */
#define FDT_COPY_MAX (64u << 10)
uint8_t fdt_copy[FDT_COPY_MAX];
uint32_t fdt_copy_size;

extern char _end[], trap_vector[], secondary_entry[];

void kmain(unsigned long hartid, uint64_t dtb_pa);
void hart_main(unsigned long hartid, unsigned long index);
void hart_main_late(unsigned long hartid);
static volatile int secondaries_may_start;

void
platform_poweroff(int status)
{
	console_final();
	if (finisher) {
		uint32_t code = status == 0 ? 0x5555 : ((uint32_t)(status & 0xffff) << 16) | 0x3333;
		if (status != 0 && (status & 0xffff) == 0)
			code = (1u << 16) | 0x3333;
		*finisher = code;
	}
	sbi_shutdown();
	for (;;)
		wfi();
}

uint64_t platform_epoch_ns;

/* The goldfish RTC (QEMU virt): reading TIME_LOW latches TIME_HIGH; the
 * pair is ns since 1970.  Remember the real time at boot. */
static void
rtc_read_epoch(void)
{
	volatile uint32_t *rtc = kmmio_map(plat.rtc_base, 0x1000);
	uint64_t lo = rtc[0], hi = rtc[1];
	uint64_t now = hi << 32 | lo, up = time_ns();

	platform_epoch_ns = now > up ? now - up : 0;
}

static const char *
bootarg_find(const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = plat.bootargs; *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, "--", 2) == 0 && (p[2] == ' ' || p[2] == 0))
			return NULL;
		if (strncmp(p, key, kl) == 0)
			return p + kl;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

const char *
bootarg_init(void)
{
	static char name[TS_NAME_MAX + 1];
	const char *v = bootarg_find("init=");
	size_t n = 0;

	if (!v)
		return "init";
	while (v[n] && v[n] != ' ')
		n++;
	if (n == 0 || n > TS_NAME_MAX)
		return NULL;
	memcpy(name, v, n);
	name[n] = 0;
	return name;
}

/* Arguments after " -- ", NUL-separated (spaces become separators). */
const char *
bootarg_args(size_t *len)
{
	static char args[FDT_BOOTARGS_MAX];
	const char *p = plat.bootargs;
	size_t n = 0;

	*len = 0;
	for (; *p; p++)
		if (p[0] == '-' && p[1] == '-' && (p == plat.bootargs || p[-1] == ' ') &&
		    (p[2] == ' ' || p[2] == 0))
			break;
	if (!*p)
		return args;
	p += 2;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		while (*p && *p != ' ')
			args[n++] = *p++;
		args[n++] = 0;
	}
	*len = n;
	return args;
}

static void
trap_init_hart(void)
{
	csr_write(stvec, (uint64_t)trap_vector);
	csr_write(sscratch, 0);
	csr_clear(sstatus, SSTATUS_SIE | SSTATUS_SUM | SSTATUS_FS);
	csr_write(sie, SIE_SSIE | SIE_STIE | SIE_SEIE);
	csr_write(scounteren, 7);	/* user may read cycle, time, instret */
	sbi_set_timer(UINT64_MAX);
}

static void
hart_setup(unsigned index)
{
	struct hart *h = &harts[index];

	h->kstack_top = (uint64_t)hart_kstacks[index] + KSTACK_SIZE;
	__asm__ volatile("mv tp, %0" :: "r"(h));
	vm_init_hart();
	trap_init_hart();
	plic_hart_init();
	h->online = 1;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void
kmain(unsigned long hartid, uint64_t dtb_pa)
{
	struct fdt f;
	/* The early mapping covers the kernel's gigapage, where QEMU puts the
	 * device tree; it is reached at its physical address until
	 * vm_init_hart() drops that mapping. */
	const uint8_t *blob = (const uint8_t *)dtb_pa;
	uint64_t room = GIGA_SIZE - (dtb_pa & (GIGA_SIZE - 1));

	if ((dtb_pa >> 30) != (KERNEL_PA >> 30) || room < 8)
		panic("device tree at %lx is outside the boot mapping", dtb_pa);
	uint32_t dtb_size = be32(blob + 4);
	if (fdt_init(&f, blob, room) < 0)
		panic("device tree: corrupt header");
	int err = fdt_platform(&f, &plat);
	if (err < 0)
		panic("device tree: %s", ts_strerror(err));
	if (f.size <= FDT_COPY_MAX) {
		memcpy(fdt_copy, blob, f.size);
		fdt_copy_size = f.size;
	}

	unsigned me = MAX_HARTS;
	nharts = plat.nharts;
	for (unsigned i = 0; i < nharts; i++) {
		harts[i].index = i;
		harts[i].hartid = plat.hartid[i];
		if (plat.hartid[i] == hartid)
			me = i;
	}
	if (me == MAX_HARTS)
		panic("boot hart %lu is not in the device tree", hartid);
	if (plat.timebase_hz)
		timebase_hz = plat.timebase_hz;

	pmm_init(&plat, (uint64_t)_end - KERNEL_OFFSET, dtb_pa, dtb_size);
	vm_init_kernel();
	hart_setup(me);
	if (plat.uart_base)
		console_init_uart((unsigned long)kmmio_map(plat.uart_base, 0x100),
				  (unsigned long)plat.uart_base);
	if (plat.test_base)
		finisher = kmmio_map(plat.test_base, 0x1000);
	if (plat.rtc_base)
		rtc_read_epoch();
	plic_init();
	plic_hart_init();

	printk("\nTessera kernel: %u harts, %lu MiB RAM, %lu free pages, timebase %lu Hz\n",
	       nharts, pmm_total_pages() * PAGE_SIZE >> 20, pmm_free_pages(), timebase_hz);
	printk("bootargs: \"%s\"\n", plat.bootargs);
	kheap_init();
	task_init();
	int nprog = initrd_init(plat.initrd_start, plat.initrd_end);
	printk("boot image: %d programs\n", nprog);

	printk("hart %lu online (boot hart)\n", hartid);
	__atomic_store_n(&secondaries_may_start, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < nharts; i++) {
		if (i == me)
			continue;
		long e = sbi_hart_start(harts[i].hartid, (uint64_t)secondary_entry - KERNEL_OFFSET, i);
		if (e)
			printk("hart %lu: SBI hart_start failed (%ld)\n", harts[i].hartid, e);
	}
	/* Wait (at most a second) for every hart, so init sees them all. */
	for (uint64_t t0 = rdtime(); rdtime() - t0 < timebase_hz;) {
		unsigned up = 0;
		for (unsigned i = 0; i < nharts; i++)
			up += __atomic_load_n(&harts[i].online, __ATOMIC_ACQUIRE);
		if (up == nharts)
			break;
	}

	size_t alen;
	const char *args = bootarg_args(&alen);
	const char *init = bootarg_init();
	if (!init)
		panic("boot arguments: init= needs a program name of 1-%lu characters", TS_NAME_MAX);
	long tid = task_spawn(init, args, alen, NULL, group_root(), 1, 0, 0);
	if (tid < 0)
		panic("cannot start init program '%s': %s", init, ts_strerror(tid));
	schedule();
}

/* A secondary hart that OpenSBI sent to the cold-boot address (see
 * arch/entry.S): find its index once the boot hart has set up, then go on as
 * if it had entered normally. */
void
hart_main_late(unsigned long hartid)
{
	while (!__atomic_load_n(&secondaries_may_start, __ATOMIC_ACQUIRE))
		;
	for (unsigned i = 0; i < nharts; i++)
		if (harts[i].hartid == hartid && !harts[i].online)
			hart_main(hartid, i);
	for (;;)
		wfi();
}

void
hart_main(unsigned long hartid, unsigned long index)
{
	hart_setup((unsigned)index);
	printk("hart %lu online\n", hartid);
	schedule();
}
