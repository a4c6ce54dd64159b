/*
 * Snapshots of the kernel's task table and service registry (ps, mount,
 * services, kill NAME, ts_sync_mounts), in malloc'd arrays grown until the
 * whole table fits.
 */
#include <stdlib.h>
#include <tessera/user.h>

struct ts_task_info *
ts_tasks(long *n)
{
	for (long room = sys_task_list(NULL, 0) + 8;; room *= 2) {
		struct ts_task_info *t = malloc((size_t)room * sizeof(*t));
		if (!t)
			return NULL;
		*n = sys_task_list(t, (size_t)room * sizeof(*t));
		if (*n <= room)
			return t;
		free(t);
	}
}

struct ts_svc_info *
ts_services(long *n)
{
	for (long room = sys_svc_list(NULL, 0) + 8;; room *= 2) {
		struct ts_svc_info *s = malloc((size_t)room * sizeof(*s));
		if (!s)
			return NULL;
		*n = sys_svc_list(s, (size_t)room * sizeof(*s));
		if (*n <= room)
			return s;
		free(s);
	}
}
