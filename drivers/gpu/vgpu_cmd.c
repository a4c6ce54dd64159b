/*
 * virtio-gpu command queue: tags, ops, commands and the checks on every
 * response (virtio 1.2, 5.7.6).  See <gpu/virtio_gpu.h>.  No system calls
 * here, so tests/host/test_gpu.c runs it against a fake controlq.
 *
 * Tag i owns DMA slot i: the command at slot + 0 (device-readable), the
 * response at slot + VGPU_RESP_OFF (device-writable).  The vq cookie of a
 * chain is its tag + 1, so a completion maps back to driver memory only.
 */
#include <stdio.h>
#include <string.h>

#include <gpu/virtio_gpu.h>
#include <tessera/errors.h>

#define die vgpu_die

void
vgpu_cmd_init(struct vgpu *d, uint8_t *slots, uint64_t slots_pa)
{
	d->slots = slots;
	d->slots_pa = slots_pa;
	d->nfree_tag = VGPU_TAGS;
	d->nfree_op = VGPU_OPS;
	for (unsigned i = 0; i < VGPU_TAGS; i++)
		d->free_tag[i] = (uint16_t)(VGPU_TAGS - 1 - i);
	for (unsigned i = 0; i < VGPU_OPS; i++) {
		d->free_op[i] = (uint16_t)(VGPU_OPS - 1 - i);
		d->op[i].pending = 0;
		d->op[i].live = 0;
	}
}

const char *
vgpu_type_name(uint32_t type)
{
	switch (type) {
	case VIRTIO_GPU_CMD_GET_DISPLAY_INFO:		return "GET_DISPLAY_INFO";
	case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D:		return "RESOURCE_CREATE_2D";
	case VIRTIO_GPU_CMD_RESOURCE_UNREF:		return "RESOURCE_UNREF";
	case VIRTIO_GPU_CMD_SET_SCANOUT:		return "SET_SCANOUT";
	case VIRTIO_GPU_CMD_RESOURCE_FLUSH:		return "RESOURCE_FLUSH";
	case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D:	return "TRANSFER_TO_HOST_2D";
	case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING:	return "RESOURCE_ATTACH_BACKING";
	case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING:	return "RESOURCE_DETACH_BACKING";
	case VIRTIO_GPU_RESP_OK_NODATA:			return "OK_NODATA";
	case VIRTIO_GPU_RESP_OK_DISPLAY_INFO:		return "OK_DISPLAY_INFO";
	case VIRTIO_GPU_RESP_ERR_UNSPEC:		return "ERR_UNSPEC";
	case VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY:		return "ERR_OUT_OF_MEMORY";
	case VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID:	return "ERR_INVALID_SCANOUT_ID";
	case VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID:	return "ERR_INVALID_RESOURCE_ID";
	case VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID:	return "ERR_INVALID_CONTEXT_ID";
	case VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER:	return "ERR_INVALID_PARAMETER";
	}
	return "an unknown type";
}

int
vgpu_check_resp(const struct virtio_gpu_ctrl_hdr *r, uint32_t used, uint32_t want,
		uint32_t want_len, const char **why)
{
	if (used < sizeof(*r)) {
		*why = "response shorter than its header";
		return -ERR_IO;
	}
	uint32_t type = r->type;	/* little endian, as the CPU */
	if (type >= VIRTIO_GPU_RESP_ERR_UNSPEC && type <= VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER) {
		*why = "error response";
		return -ERR_IO;
	}
	if (type != want) {
		*why = "unexpected response type";
		return -ERR_IO;
	}
	if (used < want_len) {
		*why = "response shorter than its type";
		return -ERR_IO;
	}
	return 0;
}

int
vgpu_pick_mode(const struct virtio_gpu_resp_display_info *r, uint32_t *scanout, uint32_t *w,
	       uint32_t *h)
{
	for (uint32_t i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; i++) {
		const struct virtio_gpu_display_one *m = &r->pmodes[i];
		uint32_t mw = m->r.width, mh = m->r.height;
		if (!m->enabled || mw == 0 || mh == 0 || mw > VGPU_DIM_MAX || mh > VGPU_DIM_MAX ||
		    (uint64_t)mw * mh * VGPU_BPP > VGPU_FB_MAX)
			continue;
		*scanout = i;
		*w = mw;
		*h = mh;
		return 1;
	}
	return 0;
}

static void vgpu_break(struct vgpu *d);

int
vgpu_submit(struct vgpu *d, const void *const *cmd, const uint32_t *len,
	    const uint32_t *resp, unsigned n, void *cookie)
{
	if (d->broken)
		return -ERR_IO;
	if (n == 0 || n > VGPU_CMDS_MAX)
		return -ERR_INVAL;
	for (unsigned i = 0; i < n; i++)
		if (len[i] < sizeof(struct virtio_gpu_ctrl_hdr) || len[i] > VGPU_RESP_OFF)
			return -ERR_INVAL;
	if (d->nfree_tag < n || d->nfree_op == 0 || vq_nfree(&d->q) < 2 * n)
		return -ERR_AGAIN;

	uint16_t o = d->free_op[--d->nfree_op];
	d->op[o] = (struct vgpu_op){ cookie, 0, (uint8_t)n, 1 };
	for (unsigned i = 0; i < n; i++) {
		uint16_t t = d->free_tag[--d->nfree_tag];
		uint8_t *s = d->slots + (size_t)t * VGPU_SLOT;
		uint64_t pa = d->slots_pa + (uint64_t)t * VGPU_SLOT;
		const struct virtio_gpu_ctrl_hdr *h = cmd[i];
		uint32_t rlen = resp[i] == VIRTIO_GPU_RESP_OK_DISPLAY_INFO ?
			sizeof(struct virtio_gpu_resp_display_info) :
			sizeof(struct virtio_gpu_ctrl_hdr);

		d->tag[t] = (struct vgpu_tag){ h->type, resp[i], rlen, o };
		memcpy(s, cmd[i], len[i]);
		memset(s + VGPU_RESP_OFF, 0, rlen);
		struct vq_seg out = { pa, len[i] };
		struct vq_seg in = { pa + VGPU_RESP_OFF, rlen };
		int rc = vq_add(&d->q, &out, 1, &in, 1, (void *)(uintptr_t)(t + 1u));
		if (rc < 0) {
			/* Room was checked: only a broken queue refuses. */
			if (rc != -ERR_IO)
				die("vgpu_submit: controlq refused a chain it had room for");
			d->free_tag[d->nfree_tag++] = t;
			d->op[o].pending = (uint8_t)i;	/* the chains queued */
			vgpu_break(d);			/* takes them back */
			d->op[o].live = 0;		/* the caller sees -ERR_IO once */
			d->free_op[d->nfree_op++] = o;
			return -ERR_IO;
		}
	}
	return 0;
}

int
vgpu_flush_submit(struct vgpu *d, uint32_t x, uint32_t y, uint32_t w, uint32_t h, void *cookie)
{
	if (w == 0 || h == 0 || x >= d->width || y >= d->height || w > d->width - x ||
	    h > d->height - y)
		return -ERR_INVAL;
	struct virtio_gpu_rect r = { x, y, w, h };
	struct virtio_gpu_transfer_to_host_2d tr = {
		.hdr = { .type = VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D },
		.r = r,
		.offset = (uint64_t)y * d->stride + (uint64_t)x * VGPU_BPP,
		.resource_id = VGPU_RESOURCE,
	};
	struct virtio_gpu_resource_flush fl = {
		.hdr = { .type = VIRTIO_GPU_CMD_RESOURCE_FLUSH },
		.r = r,
		.resource_id = VGPU_RESOURCE,
	};
	const void *cmd[2] = { &tr, &fl };
	const uint32_t len[2] = { sizeof(tr), sizeof(fl) };
	const uint32_t resp[2] = { VIRTIO_GPU_RESP_OK_NODATA, VIRTIO_GPU_RESP_OK_NODATA };

	return vgpu_submit(d, cmd, len, resp, 2, cookie);
}

void
vgpu_kick(struct vgpu *d)
{
	if (!d->broken && vq_publish(&d->q))
		d->t->ops->notify(d->t, d->q.index);
}

/* The device broke the ring protocol: FAILED, reset, and every command
 * still in flight fails (driver memory only). */
static void
vgpu_break(struct vgpu *d)
{
	void *c;

	d->broken = 1;
	d->err = d->q.err;
	virtio_fail(d->t);
	d->t->ops->reset(d->t);
	while (vq_drain(&d->q, &c) > 0) {
		uintptr_t t = (uintptr_t)c - 1;
		if (t >= VGPU_TAGS)
			die("vgpu_break: cookie is not a tag");
		struct vgpu_op *op = &d->op[d->tag[t].op];
		op->status = -ERR_IO;
		op->pending--;
		d->free_tag[d->nfree_tag++] = (uint16_t)t;
	}
}

/* An op whose commands have all completed: hand it back.  1. */
static int
finish_op(struct vgpu *d, uint16_t o, void **cookie, int *status)
{
	*cookie = d->op[o].cookie;
	*status = d->op[o].status;
	d->op[o].live = 0;
	d->free_op[d->nfree_op++] = o;
	return 1;
}

/* Tag t came back with `used` bytes written: check its response. */
static void
complete_tag(struct vgpu *d, uintptr_t t, uint32_t used)
{
	struct vgpu_tag *g = &d->tag[t];
	struct vgpu_op *op = &d->op[g->op];
	const char *why;

	/* The device may still write DMA memory: read the response once. */
	if (used > g->resp_len)
		die("vgpu complete_tag: used length over the writable bytes");
	memcpy(&d->last, d->slots + t * VGPU_SLOT + VGPU_RESP_OFF, g->resp_len);
	d->ncmds++;
	if (vgpu_check_resp(&d->last.hdr, used, g->resp, g->resp_len, &why) < 0) {
		d->nerrors++;
		snprintf(d->errbuf, sizeof(d->errbuf), "vgpu: %s: %s (%s, %u bytes)",
			 vgpu_type_name(g->cmd), why,
			 used >= sizeof(d->last.hdr) ? vgpu_type_name(d->last.hdr.type) : "-",
			 used);
		d->err = d->errbuf;
		if (op->status == 0)
			op->status = -ERR_IO;
	}
	op->pending--;
	d->free_tag[d->nfree_tag++] = (uint16_t)t;
}

int
vgpu_complete(struct vgpu *d, void **cookie, int *status)
{
	void *c;
	uint32_t used;
	int rc;

	if (!d->broken) {
		while ((rc = vq_reap(&d->q, &c, &used)) > 0) {
			uintptr_t t = (uintptr_t)c - 1;
			if (t >= VGPU_TAGS)
				die("vgpu_complete: cookie is not a tag");
			uint16_t o = d->tag[t].op;
			complete_tag(d, t, used);
			if (d->op[o].pending == 0)
				return finish_op(d, o, cookie, status);
		}
		if (rc == 0)
			return 0;
		vgpu_break(d);
	}
	/* Broken: every op still counted hands back its -ERR_IO, one a call. */
	for (uint16_t o = 0; o < VGPU_OPS; o++)
		if (d->op[o].live && d->op[o].pending == 0)
			return finish_op(d, o, cookie, status);
	return 0;
}
