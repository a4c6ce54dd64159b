/*
 * echo: the simplest server.  ECHO requests are answered with status = data
 * length, the request's name, and the request's data copied back
 * (PKT_DATA_COPY); any other opcode gets -ERR_NOTSUP.  Kernel packets
 * (TERMINATE, error completions of our replies) are counted and dropped.
 *
 * Usage: echo [service-name]   registers the name when given.
 */
#include <stdio.h>
#include <dux/dux.h>

#define RING		128u
#define EXTRA_RANGES	32u	/* on top of dux's DUX_RANGES */
#define MAX_HELD	(RING / 2)

static struct ts_packet *held[MAX_HELD];
static unsigned nheld;

/* Deliver the replies, then drop the requests whose data they copied. */
static void
release_held(void)
{
	dux_flush();
	for (unsigned i = 0; i < nheld; i++) {
		dux_data_free(held[i]);
		dux_done(held[i]);
	}
	nheld = 0;
}

static void
serve(struct ts_packet *req)
{
	if (req->flags & (PKT_KERNEL | PKT_REPLY)) {
		if (req->flags & PKT_REPLY)
			printf("echo: reply %lu to task %lu refused: %s\n",
			       (unsigned long)req->id, (unsigned long)req->addr,
			       ts_strerror(req->status));
		dux_done(req);
		return;
	}
	struct ts_packet *r = dux_alloc();
	if (!r) {
		release_held();
		r = dux_alloc();
		if (!r) {
			printf("echo: no slot for a reply\n");
			dux_data_free(req);
			dux_done(req);
			return;
		}
	}
	if (req->opcode != OP_ECHO) {
		dux_reply_init(r, req, -ERR_NOTSUP);
		dux_send(r);
		dux_data_free(req);
		dux_done(req);
		return;
	}
	dux_reply_init(r, req, (int)req->len);
	dux_set_name(r, req->name, req->name_len);
	if ((req->flags & PKT_DATA_MASK) != PKT_DATA_NONE && req->len) {
		r->flags |= PKT_DATA_COPY;
		r->data = req->data;
		r->len = req->len;
		dux_send(r);
		held[nheld++] = req;
		if (nheld == MAX_HELD)
			release_held();
		return;
	}
	dux_send(r);
	dux_done(req);
}

int
main(int argc, char **argv)
{
	int r = dux_init(RING);
	if (r < 0) {
		printf("echo: dux_init: %s\n", ts_strerror(r));
		return 1;
	}
	for (unsigned i = 0; i < EXTRA_RANGES; i++)
		dux_add_range(DUX_RANGE_VA + (DUX_RANGES + i) * DUX_RANGE_SIZE, DUX_RANGE_SIZE);
	if (argc > 1 && (r = dux_register(argv[1])) < 0) {
		printf("echo: register %s: %s\n", argv[1], ts_strerror(r));
		return 1;
	}
	for (;;) {
		long n = dux_wait(DUX_FOREVER);
		if (n < 0) {
			printf("echo: io_wait: %s\n", ts_strerror(n));
			return 1;
		}
		struct ts_packet *req;
		while ((req = dux_recv()))
			serve(req);
		release_held();
	}
}
