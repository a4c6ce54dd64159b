/*
 * Reference counts of shared pages.  Private pages are not in this table and
 * pay nothing; a page enters it when it is first shared (count 2: the owner
 * and the new holder) and leaves when its count drops to zero.
 * Open addressing with linear probing in a fixed table; deletion re-inserts
 * the rest of the cluster so that look-ups stay correct.
 */
#include <stdint.h>
#include <tessera/errors.h>
#include <kernel/pmm.h>
#include <kernel/spinlock.h>

#define REF_SLOTS 4096	/* at most REF_SLOTS * 3/4 shared pages at once */

struct ref {
	uint64_t ppn;	/* 0 = empty */
	uint32_t count;
};

static struct ref table[REF_SLOTS];
static unsigned used;
static struct spinlock ref_lock = SPINLOCK_INIT("refcnt");

static unsigned
hash(uint64_t ppn)
{
	return (unsigned)((ppn * 0x9e3779b97f4a7c15ull) >> 52) % REF_SLOTS;
}

static struct ref *
find(uint64_t ppn)
{
	for (unsigned i = hash(ppn), n = 0; n < REF_SLOTS; i = (i + 1) % REF_SLOTS, n++) {
		if (table[i].ppn == ppn)
			return &table[i];
		if (!table[i].ppn)
			return NULL;
	}
	return NULL;
}

static void
insert(uint64_t ppn, uint32_t count)
{
	unsigned i = hash(ppn);

	while (table[i].ppn)
		i = (i + 1) % REF_SLOTS;
	table[i].ppn = ppn;
	table[i].count = count;
}

/* Add a holder to page `ppn`.  Returns the new count or -ERR_NOMEM when the
 * table is full (the caller then refuses to share). */
int
page_share(uint64_t ppn)
{
	spin_lock(&ref_lock);
	struct ref *r = find(ppn);
	int n;
	if (r) {
		n = (int)++r->count;
	} else if (used >= REF_SLOTS * 3 / 4) {
		n = -ERR_NOMEM;
	} else {
		insert(ppn, 2);
		used++;
		n = 2;
	}
	spin_unlock(&ref_lock);
	return n;
}

/* Drop a holder.  Returns the references left; 0 means the caller frees the
 * page.  A page that is not in the table had one holder: returns 0. */
int
page_unshare(uint64_t ppn)
{
	spin_lock(&ref_lock);
	struct ref *r = find(ppn);
	int n = 0;
	if (r && --r->count > 0) {
		n = (int)r->count;
	} else if (r) {
		unsigned i = (unsigned)(r - table);
		table[i].ppn = 0;
		used--;
		for (unsigned j = (i + 1) % REF_SLOTS; table[j].ppn; j = (j + 1) % REF_SLOTS) {
			struct ref moved = table[j];
			table[j].ppn = 0;
			insert(moved.ppn, moved.count);
		}
	}
	spin_unlock(&ref_lock);
	return n;
}
