/*
 * Host tests of drivers/input/virtio_input.c: identification from the
 * configuration and the event completion path against a fake virtio-input
 * keyboard (vdev.c, fake_virtq.c) whose used lengths may lie: a short
 * event is skipped and counted, one over the 8-byte buffer breaks the
 * protocol.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <input/virtio_input.h>
#include <linux/input-event-codes.h>
#include <tessera/errors.h>

#include "check.h"
#include "vdev.h"

#define QMAX 64u
#define NAME "Fake Keyboard"

static struct vinput d;
static const struct pci_args args;

/* The device's answer to (select, subsel) (5.8.4): a name and EV_KEY bits
 * with KEY_A; nothing else. */
static void
on_config_write(uint32_t off, uint32_t len)
{
	struct virtio_input_config *c = (struct virtio_input_config *)vdev.config;

	(void)off;
	(void)len;
	memset(&c->u, 0, sizeof(c->u));
	c->size = 0;
	if (c->select == VIRTIO_INPUT_CFG_ID_NAME) {
		memcpy(c->u.string, NAME, strlen(NAME));
		c->size = (uint8_t)strlen(NAME);
	} else if (c->select == VIRTIO_INPUT_CFG_EV_BITS && c->subsel == EV_KEY) {
		c->u.bitmap[KEY_A / 8] = (uint8_t)(1u << (KEY_A % 8));
		c->size = 16;
	}
}

static void
attach(void)
{
	vdev_init(0, 1, QMAX);
	vdev.on_config_write = on_config_write;
	CHECK_EQ(vinput_attach(&d, &args, vdev_window(VINPUT_VA_SPAN)), 0);
}

/* Device: put one event in the next buffer and post used length `used`
 * (~0u: 8).  Returns 0, or -1 if no buffer was available. */
static int
event(uint16_t type, uint16_t code, int32_t value, uint32_t used)
{
	struct chain c;
	struct virtio_input_event e = { type, code, (uint32_t)value };

	if (!fv_pop(&vdev.q[VINPUT_EVENTQ], &c))
		return -1;
	CHECK(c.nread == 0 && c.nwrite == 1 && c.len[0] == VINPUT_EV_SIZE);
	memcpy(fv_va(c.pa[0], sizeof(e)), &e, sizeof(e));
	fv_push(&vdev.q[VINPUT_EVENTQ], c.head, used == ~0u ? VINPUT_EV_SIZE : used);
	return 0;
}

static void
test_attach(void)
{
	attach();
	CHECK_STR(d.name, NAME);
	CHECK_EQ(d.kind, INPUT_KIND_KEYBOARD);
	CHECK_EQ(d.ev_types, 1u << EV_KEY);
	CHECK_EQ(d.nbufs, QMAX);
	CHECK_EQ(fv_avail_pending(&vdev.q[VINPUT_EVENTQ]), QMAX);
	CHECK_EQ(vdev.nnotify[VINPUT_EVENTQ], 1);
	CHECK(vdev.status & VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Events arrive in order with their values; at most `max` per call; every
 * buffer goes back to the device. */
static void
test_events(void)
{
	struct input_event_rec ev[4];

	attach();
	CHECK_EQ(event(EV_KEY, KEY_A, 1, ~0u), 0);
	CHECK_EQ(event(EV_SYN, 0, 0, ~0u), 0);
	CHECK_EQ(event(EV_KEY, KEY_A, 0, ~0u), 0);
	CHECK_EQ(event(EV_ABS, 1, -5, ~0u), 0);
	CHECK_EQ(event(EV_SYN, 0, 0, ~0u), 0);
	CHECK_EQ(vinput_recv(&d, ev, 2), 2);
	CHECK(ev[0].type == EV_KEY && ev[0].code == KEY_A && ev[0].value == 1);
	CHECK(ev[1].type == EV_SYN);
	CHECK_EQ(vinput_recv(&d, ev, 4), 3);
	CHECK(ev[0].type == EV_KEY && ev[0].value == 0);
	CHECK(ev[1].type == EV_ABS && ev[1].code == 1 && ev[1].value == -5);
	CHECK_EQ(vinput_recv(&d, ev, 4), 0);
	CHECK_EQ(d.stats.events, 5);
	CHECK_EQ(d.stats.errors, 0);
	CHECK_EQ(fv_avail_pending(&vdev.q[VINPUT_EVENTQ]), QMAX);
	CHECK_EQ(vdev.q[VINPUT_EVENTQ].bad, 0);
}

/* Used lengths below 8: the event is skipped and counted, its buffer
 * posted again; the next good event still comes. */
static void
test_short_events(void)
{
	struct input_event_rec ev[4];

	attach();
	for (uint32_t len = 0; len < VINPUT_EV_SIZE; len++)
		CHECK_EQ(event(EV_KEY, KEY_A, 1, len), 0);
	CHECK_EQ(event(EV_KEY, KEY_A, 2, ~0u), 0);
	CHECK_EQ(vinput_recv(&d, ev, 4), 1);
	CHECK_EQ(ev[0].value, 2);
	CHECK_EQ(d.stats.errors, VINPUT_EV_SIZE);
	CHECK_EQ(d.stats.events, 1);
	CHECK_EQ(fv_avail_pending(&vdev.q[VINPUT_EVENTQ]), QMAX);
	CHECK_EQ(d.broken, 0);
}

/* A used length over the buffer breaks the protocol: the events before it
 * are still handed out, then FAILED, reset and -ERR_IO. */
static void
test_over_long(void)
{
	struct input_event_rec ev[4];

	attach();
	CHECK_EQ(event(EV_KEY, KEY_A, 1, ~0u), 0);
	CHECK_EQ(event(EV_KEY, KEY_A, 0, VINPUT_EV_SIZE + 1), 0);
	unsigned resets = vdev.nreset;
	CHECK_EQ(vinput_recv(&d, ev, 4), 1);
	CHECK_EQ(ev[0].value, 1);
	CHECK_EQ(d.broken, 1);
	CHECK_EQ(vdev.nreset, resets + 1);
	CHECK_EQ(vq_nfree(&d.evq), d.evq.size);
	CHECK_EQ(vinput_recv(&d, ev, 4), -ERR_IO);
	CHECK_EQ(vinput_rearm(&d), 0);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "attach", test_attach },
		{ "events", test_events },
		{ "short_events", test_short_events },
		{ "over_long", test_over_long },
	};

	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
