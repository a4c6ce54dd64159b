/* The device side of a split virtqueue: see fake_virtq.h. */
#include <string.h>

#include "fake_virtq.h"

static uint8_t *fv_ram;
static uint64_t fv_base, fv_size;

void
fv_ram_set(uint8_t *ram, uint64_t pa, uint64_t size)
{
	fv_ram = ram;
	fv_base = pa;
	fv_size = size;
}

void *
fv_va(uint64_t pa, uint64_t len)
{
	if (pa < fv_base || pa - fv_base > fv_size || len > fv_size - (pa - fv_base))
		return NULL;
	return fv_ram + (pa - fv_base);
}

uint64_t
fv_pa(const void *va)
{
	return fv_base + (uint64_t)((const uint8_t *)va - fv_ram);
}

int
fv_attach(struct fdev *f, unsigned size, uint64_t desc_pa, uint64_t avail_pa, uint64_t used_pa)
{
	memset(f, 0, sizeof(*f));
	f->size = size;
	f->desc = fv_va(desc_pa, 16ull * size);
	f->avail = fv_va(avail_pa, 6 + 2ull * size);
	f->used = fv_va(used_pa, 6 + 8ull * size);
	return f->desc && f->avail && f->used ? 0 : -1;
}

uint16_t
fv_avail_pending(const struct fdev *f)
{
	return (uint16_t)(__atomic_load_n(&f->avail->idx, __ATOMIC_ACQUIRE) - f->last_avail);
}

/* Checks what the spec asks of the driver: head < size, NEXT links in
 * range, no loop, readable buffers before writable ones, buffers in RAM. */
int
fv_pop(struct fdev *f, struct chain *c)
{
	struct vring_desc *d;
	uint16_t id;

	if (fv_avail_pending(f) == 0)
		return 0;
	memset(c, 0, sizeof(*c));
	id = f->avail->ring[f->last_avail % f->size];
	f->last_avail++;
	if (id >= f->size) {
		f->bad = 1;
		return 0;
	}
	c->head = id;
	for (;;) {
		if (c->n >= f->size || c->n >= FV_MAX_CHAIN) {
			f->bad = 1; /* loop */
			return 0;
		}
		d = &f->desc[id];
		c->pa[c->n] = d->addr;
		c->len[c->n] = d->len;
		if (d->flags & VRING_DESC_F_WRITE) {
			c->nwrite++;
			c->wbytes += d->len;
		} else {
			if (c->nwrite > 0)
				f->bad = 1; /* readable after writable */
			c->nread++;
			c->rbytes += d->len;
		}
		if (fv_va(d->addr, d->len) == NULL)
			f->bad = 1;
		c->n++;
		if (!(d->flags & VRING_DESC_F_NEXT))
			break;
		id = d->next;
		if (id >= f->size) {
			f->bad = 1;
			return 0;
		}
	}
	return 1;
}

void
fv_push(struct fdev *f, uint32_t id, uint32_t len)
{
	vring_used_elem_t *e = &f->used->ring[f->used_idx % f->size];

	e->id = id;
	e->len = len;
	f->used_idx++;
	__atomic_store_n(&f->used->idx, f->used_idx, __ATOMIC_RELEASE);
}

void
fv_fill(const struct chain *c, uint32_t len, uint8_t seed)
{
	for (unsigned i = c->nread; i < c->n && len > 0; i++) {
		uint32_t n = c->len[i] < len ? c->len[i] : len;
		uint8_t *p = fv_va(c->pa[i], n);
		for (uint32_t k = 0; k < n; k++)
			p[k] = (uint8_t)(seed + k);
		len -= n;
	}
}

uint32_t
fv_read(const struct chain *c, void *out, uint32_t len)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < c->nread && done < len; i++) {
		uint32_t n = c->len[i] < len - done ? c->len[i] : len - done;
		memcpy((uint8_t *)out + done, fv_va(c->pa[i], n), n);
		done += n;
	}
	return done;
}
