/*
 * Kernel console: SBI legacy putchar until the UART is mapped, then the
 * ns16550 directly, or the kernel log ring while a user-space driver owns
 * the console (klog.c).  One lock keeps lines from different harts whole.
 */
#include <stdint.h>
#include <kernel/hart.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/sbi.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/task.h>

static volatile uint8_t *uart;
unsigned long console_uart_pa;
struct spinlock console_lock = SPINLOCK_INIT("console");
/* Hart index + 1 of the hart that panicked, 0 normally. */
static volatile int panic_hart;

void
console_init_uart(unsigned long va, unsigned long pa)
{
	uart = (volatile uint8_t *)va;
	console_uart_pa = pa;
}

static void
putc_raw(char c)
{
	if (!uart) {
		sbi_putchar(c);
		return;
	}
	while (!(uart[5] & 0x20))	/* LSR: THR empty */
		;
	uart[0] = (uint8_t)c;
}

/* console_lock held (or this hart panicked): straight to the UART. */
void
console_uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			putc_raw('\r');
		putc_raw(s[i]);
	}
}

static int
hart_no(void)
{
	struct hart *h = this_hart();

	return h ? (int)h->index + 1 : 1;
}

void
console_write(const char *s, size_t n)
{
	int ph = panic_hart;

	if (ph) {
		/* Only the panic report: other harts would tear it. */
		if (ph == hart_no())
			console_uart_write(s, n);
		return;
	}
	spin_lock(&console_lock);
	if (!klog_append(s, n))
		console_uart_write(s, n);
	spin_unlock(&console_lock);
}

/* console_lock held.  An owner on another hart may be writing a chunk it
 * read: give it time to finish (its next klog_read then waits on
 * console_lock). */
static void
owner_settle(void)
{
	if (klog_owned())
		for (uint64_t t0 = rdtime(); rdtime() - t0 < timebase_hz / 50;)
			;
}

void
console_panic(void)
{
	int got = 0;

	/* A hart inside console_write leaves soon; one stuck there must not
	 * keep the report from being written. */
	if (!spin_held(&console_lock)) {
		for (long i = 0; i < 20000000 && !got; i++) {
			if (!__atomic_load_n(&console_lock.locked, __ATOMIC_RELAXED)) {
				spin_lock(&console_lock);
				got = 1;
			}
		}
	}
	panic_hart = hart_no();
	if (got)
		owner_settle();
	klog_flush_locked();
	if (got)
		spin_unlock(&console_lock);
}

void
console_final(void)
{
	if (panic_hart)
		return;		/* console_panic wrote the ring out already */
	spin_lock(&console_lock);
	owner_settle();
	klog_flush_locked();
	spin_unlock(&console_lock);
}

struct out {
	char *buf;
	size_t n, pos;
};

static void
out_c(struct out *o, char c)
{
	if (o->pos + 1 < o->n)
		o->buf[o->pos] = c;
	o->pos++;
}

static void
out_num(struct out *o, uint64_t v, unsigned base, int neg, int width, char pad)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[i++] = '-';
	while (width-- > i)
		out_c(o, pad);
	while (i)
		out_c(o, tmp[--i]);
}

int
vsnprintk(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			out_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
			out_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0, width, pad);
			break;
		case 'x':
			out_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0, width, pad);
			break;
		case 'p':
			out_c(&o, '0');
			out_c(&o, 'x');
			out_num(&o, (uint64_t)va_arg(ap, void *), 16, 0, 16, '0');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int len = (int)strlen(s);
			while (width-- > len)
				out_c(&o, ' ');
			while (*s)
				out_c(&o, *s++);
			break;
		}
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_c(&o, '%');
			break;
		default:
			out_c(&o, '%');
			out_c(&o, *fmt);
			if (!*fmt)
				fmt--;
			break;
		}
	}
	if (n)
		buf[o.pos < n ? o.pos : n - 1] = 0;
	return (int)o.pos;
}

int
snprintk(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = vsnprintk(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

void
printk(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	int r = vsnprintk(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, r < (int)sizeof(buf) ? (size_t)r : sizeof(buf) - 1);
}
