/*
 * The client side of `pci hold=`: a privileged program that drives a
 * device itself (bench_blk, netproxy) asks the PCI server for the driver
 * arguments of the function held for it (OP_OPEN, docs/pci.md).  Guest
 * only (uses dux); not part of the host-tested sources.
 */
#include <string.h>

#include <dux/dux.h>
#include <pci/pci.h>
#include <tessera/errors.h>

#define WORDS_MAX	16

int
pci_held_args(long pci_tid, const char *fn, struct pci_args *a, uint64_t timeout_ns)
{
	struct ts_packet req = { .opcode = OP_OPEN }, rep;
	char words[512];
	char *argv[WORDS_MAX];
	int argc = 0;

	if (dux_set_name(&req, fn, strlen(fn)) < 0)
		return -ERR_INVAL;
	int r = dux_call((ts_addr)pci_tid, &req, &rep, timeout_ns);
	if (r < 0 || !rep.len) {
		dux_data_free(&rep);
		return r < 0 ? r : -ERR_NOENT;
	}
	size_t n = rep.len < sizeof(words) - 1 ? rep.len : sizeof(words) - 1;
	memcpy(words, (const void *)(uintptr_t)rep.data, n);
	words[n] = 0;
	dux_data_free(&rep);
	for (size_t i = 0; i < n && argc < WORDS_MAX; i += strlen(words + i) + 1)
		argv[argc++] = words + i;
	return pci_args_parse(argc, argv, a);
}
