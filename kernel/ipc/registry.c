/* The service registry: names (1..63 bytes, any bytes, '/' too) to task ids.  Entries die with
 * their task.  A fixed table: no allocation, bounded look-up. */
#include <stdint.h>
#include <tessera/errors.h>
#include <kernel/ipc.h>
#include <kernel/ipc_route.h>
#include <kernel/string.h>
#include <kernel/task.h>

#define SVC_MAX 256	/* a 16-node cluster: ~15 names per peer, remote ones (netproxy) */
#define SVC_NAME 63

static struct {
	char name[SVC_NAME];
	uint8_t len;
	long tid;
} svc[SVC_MAX];

static int
find(const char *name, size_t len)
{
	for (int i = 0; i < SVC_MAX; i++)
		if (svc[i].tid && svc[i].len == len && memcmp(svc[i].name, name, len) == 0)
			return i;
	return -1;
}

long
svc_register(struct task *t, const char *name, size_t len)
{
	long err = 0;

	if (len == 0 || len > SVC_NAME)
		return -ERR_INVAL;
	spin_lock(&ipc_lock);
	if (find(name, len) >= 0) {
		err = -ERR_EXIST;
	} else {
		int i;
		for (i = 0; i < SVC_MAX && svc[i].tid; i++)
			;
		if (i == SVC_MAX) {
			err = -ERR_NOMEM;
		} else {
			memcpy(svc[i].name, name, len);
			svc[i].len = (uint8_t)len;
			svc[i].tid = t->tid;
		}
	}
	spin_unlock(&ipc_lock);
	return err;
}

long
svc_unregister(struct task *t, const char *name, size_t len)
{
	long err = 0;

	if (len == 0 || len > SVC_NAME)
		return -ERR_INVAL;
	spin_lock(&ipc_lock);
	int i = find(name, len);
	if (i < 0)
		err = -ERR_NOENT;
	else if (svc[i].tid != t->tid)
		err = -ERR_PERM;
	else
		svc[i].tid = 0;
	spin_unlock(&ipc_lock);
	return err;
}

int
svc_any_mount(void)
{
	int any = 0;

	spin_lock(&ipc_lock);
	for (int i = 0; i < SVC_MAX && !any; i++)
		any = svc[i].tid && svc[i].len && svc[i].name[0] == '/';
	spin_unlock(&ipc_lock);
	return any;
}

long
svc_lookup(const char *name, size_t len)
{
	if (len == 0 || len > SVC_NAME)
		return -ERR_INVAL;
	spin_lock(&ipc_lock);
	int i = find(name, len);
	long tid = i < 0 ? -ERR_NOENT : svc[i].tid;
	spin_unlock(&ipc_lock);
	return tid;
}

/* ipc_lock held. */
void
svc_task_exit(long tid)
{
	for (int i = 0; i < SVC_MAX; i++)
		if (svc[i].tid == tid)
			svc[i].tid = 0;
}

/* Copy up to `max` entries from table index *pos on into out[]; *pos moves
 * past the last index looked at (SVC_MAX at the end).  Returns the records
 * filled. */
unsigned
svc_list(unsigned *pos, struct ts_svc_info *out, unsigned max)
{
	unsigned n = 0;

	spin_lock(&ipc_lock);
	for (; *pos < SVC_MAX && n < max; (*pos)++) {
		if (!svc[*pos].tid)
			continue;
		struct ts_svc_info *r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->tid = svc[*pos].tid;
		memcpy(r->name, svc[*pos].name, svc[*pos].len);
	}
	spin_unlock(&ipc_lock);
	return n;
}
