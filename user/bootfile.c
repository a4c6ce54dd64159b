/* Boot files through the boot_read system call (bootfile.h). */
#include <stdlib.h>
#include <string.h>

#include <tessera/user.h>

#include "bootfile.h"

long
bootfile_load(const char *name, size_t max, char **out)
{
	size_t nl = strnlen(name, TS_NAME_MAX + 1);

	if (nl == 0 || nl > TS_NAME_MAX)
		return -ERR_INVAL;
	long size = sys_boot_read(name, nl, NULL, 0, 0);
	if (size < 0)
		return size;
	if ((size_t)size > max)
		return -ERR_TOOBIG;
	char *buf = malloc((size_t)size + 1);
	if (!buf)
		return -ERR_NOMEM;
	long again = sys_boot_read(name, nl, buf, (size_t)size, 0);
	if (again != size) {	/* the boot image does not change */
		free(buf);
		return again < 0 ? again : -ERR_IO;
	}
	buf[size] = 0;
	*out = buf;
	return size;
}
