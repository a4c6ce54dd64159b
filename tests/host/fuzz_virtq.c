/*
 * libFuzzer target for drivers/virtio/virtq.c: the input is a script of
 * driver steps (add, publish, reap, interrupt on/off) and of a hostile
 * device's writes (used index, used elements, flags, avail_event, and any
 * byte of the descriptor table or avail ring).  After every step the
 * driver's books must balance: free descriptors + descriptors of in-flight
 * chains = queue size, and each reaped cookie was in flight.  ASan/UBSan
 * catch any access outside the ring memory or the buffers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/errors.h>
#include <virtio/virtq.h>

#define QMAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in;
static size_t left;

static unsigned
take(void)
{
	if (left == 0)
		return 0;
	left--;
	return *in++;
}

static unsigned
take16(void)
{
	unsigned lo = take();

	return lo | take() << 8;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static struct vq_slot slots[QMAX];
	unsigned qsize = 1u << (n > 0 ? data[0] % 5 : 0), ndesc[QMAX];
	size_t len = vq_mem_size(qsize);
	uint8_t *ring = aligned_alloc(64, (len + 63) & ~(size_t)63);
	struct vq_seg segs[QMAX + 1];
	struct vq q;
	void *cookie;
	uint32_t rlen;
	unsigned i, k, m, sum;
	int rc;

	if (ring == NULL)
		return 0;
	in = data + (n > 0);
	left = n - (n > 0);
	memset(ndesc, 0, sizeof(ndesc));
	if (vq_init(&q, 0, qsize, ring, 0x40001000, len, slots, take() & 1))
		abort();
	while (left > 0) {
		switch (take() % 8) {
		case 0: /* add */
			m = take() % (QMAX + 2);
			k = m ? take() % (m + 1) : 0;
			for (i = 0; i < m && i <= QMAX; i++) {
				segs[i].pa = 0x50000000 + i * 0x1000;
				segs[i].len = 1 + take16();
			}
			rc = vq_add(&q, segs, k, segs + k, m - k,
			    (void *)(uintptr_t)(0x1000 + m));
			if (rc >= 0) {
				if ((unsigned)rc >= qsize || ndesc[rc] != 0)
					abort();
				ndesc[rc] = m;
			}
			break;
		case 1:
			vq_publish(&q);
			break;
		case 2: /* reap */
			rc = vq_reap(&q, &cookie, &rlen);
			if (rc == 1) {
				for (i = 0; i < qsize; i++)
					if (ndesc[i] && q.slot[i].ndesc == 0)
						break;
				if (i == qsize ||
				    (uintptr_t)cookie != 0x1000 + ndesc[i])
					abort();
				ndesc[i] = 0;
			}
			break;
		case 3: /* device: a used element and a new used index */
			k = take16();
			q.used->ring[k % qsize].id = take() | take() << 8;
			q.used->ring[k % qsize].len = take16() | take16() << 16;
			q.used->idx = (uint16_t)(q.used->idx + take() % 4);
			break;
		case 4: /* device: flags and events */
			q.used->flags = (uint16_t)take16();
			*(uint16_t *)&q.used->ring[qsize] = (uint16_t)take16();
			break;
		case 5: /* device: any byte of the driver's part */
			k = take16() % (unsigned)((char *)q.used - (char *)ring);
			ring[k] = (uint8_t)take();
			break;
		case 6:
			if (take() & 1)
				vq_intr_disable(&q);
			else
				vq_intr_enable(&q);
			break;
		default: /* reset: drain, start again */
			while (vq_drain(&q, &cookie) > 0)
				;
			memset(ndesc, 0, sizeof(ndesc));
			if (vq_init(&q, 0, qsize, ring, 0x40001000, len, slots,
			    take() & 1))
				abort();
			break;
		}
		for (i = 0, sum = 0; i < qsize; i++)
			sum += q.slot[i].ndesc;
		if (sum + q.nfree != qsize)
			abort();
	}
	while (vq_drain(&q, &cookie) > 0)
		;
	if (q.nfree != qsize)
		abort();
	free(ring);
	return 0;
}
