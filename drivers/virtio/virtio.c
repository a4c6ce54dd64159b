/*
 * Transport-independent device bring-up: the status protocol and feature
 * negotiation of virtio 1.2 section 3.1.1, over the ops of
 * <virtio/transport.h>.
 */
#include <stdint.h>

#include <tessera/errors.h>
#include <virtio/transport.h>
#include <virtio/virtq.h>

#define BIT(n) ((uint64_t)1 << (n))

static void
add_status(struct virtio_transport *t, uint8_t bits)
{
	t->ops->set_status(t, (uint8_t)(t->ops->get_status(t) | bits));
}

void
virtio_fail(struct virtio_transport *t)
{
	add_status(t, VIRTIO_CONFIG_S_FAILED);
}

static int
fail(struct virtio_transport *t, int rc, const char *why)
{
	t->err = why;
	virtio_fail(t);
	return rc;
}

int
virtio_start(struct virtio_transport *t, uint64_t wanted, uint64_t required,
    uint64_t *features)
{
	uint64_t dev, got;
	int rc;

	required |= BIT(VIRTIO_F_VERSION_1);
	rc = t->ops->reset(t);
	if (rc < 0)
		return fail(t, rc, "virtio_start: reset did not complete");
	add_status(t, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	add_status(t, VIRTIO_CONFIG_S_DRIVER);

	dev = t->ops->get_features(t);
	got = dev & (wanted | required);
	if ((got & required) != required)
		return fail(t, -ERR_NOTSUP,
		    "virtio_start: device lacks a required feature");
	t->ops->set_features(t, got);
	add_status(t, VIRTIO_CONFIG_S_FEATURES_OK);
	/* 3.1.1 step 6: the device may refuse the subset. */
	if (!(t->ops->get_status(t) & VIRTIO_CONFIG_S_FEATURES_OK))
		return fail(t, -ERR_NOTSUP,
		    "virtio_start: device refused FEATURES_OK");
	if (t->ops->get_status(t) & VIRTIO_CONFIG_S_NEEDS_RESET)
		return fail(t, -ERR_IO, "virtio_start: device needs reset");
	*features = got;
	return 0;
}

int
virtio_setup_vq(struct virtio_transport *t, const struct vq *q)
{
	return t->ops->setup_queue(t, q->index, q->size, q->desc_pa,
	    q->avail_pa, q->used_pa);
}

int
virtio_ready(struct virtio_transport *t)
{
	uint8_t s;

	add_status(t, VIRTIO_CONFIG_S_DRIVER_OK);
	s = t->ops->get_status(t);
	if (s & (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)) {
		t->err = "virtio_ready: device failed";
		return -ERR_IO;
	}
	return 0;
}
