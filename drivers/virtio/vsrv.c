/*
 * The start-up and main-loop policy shared by the virtio driver servers
 * (<virtio/vsrv.h>).
 */
#include <stdio.h>

#include <dux/dux.h>
#include <tessera/errors.h>
#include <virtio/vsrv.h>

int
vsrv_args(struct vsrv *s, int argc, char **argv)
{
	if (pci_args_parse(argc - 1, argv + 1, &s->args) < 0) {
		printf("%s: bad arguments (want pci=, cfg=, barN=, irq=)\n", s->drv);
		return -1;
	}
	snprintf(s->who, sizeof(s->who), "%02x:%02x.%x", s->args.bus, s->args.dev,
		 s->args.fn);
	return 0;
}

int
vsrv_fail(const struct vsrv *s, const char *what, long rc)
{
	printf("%s %s: %s: %s\n", s->drv, s->who, what, ts_strerror((int)rc));
	return 1;
}

int
vsrv_register(struct vsrv *s, long rc)
{
	if (rc == 0)
		rc = dux_register_first(s->prefix, s->name, sizeof(s->name));
	if (rc < 0) {
		vsrv_fail(s, "setup", rc);
		return -1;
	}
	return 0;
}

uint64_t
vsrv_wait_ns(int irq_on, unsigned flags, const struct vsrv_times *t)
{
	if (flags & VSRV_AGAIN)
		return 0;
	if (flags & VSRV_TXQ)
		return t->poll_ns;
	if (!irq_on)
		return flags & VSRV_BUSY ? t->poll_ns : t->idle_ns;
	return flags & VSRV_BUSY ? t->safety_ns : DUX_FOREVER;
}
