/*
 * Boot files: named blobs the host hands to a node at boot, out of band of
 * the boot arguments (one short line).  cluster/launch adds them to the
 * node's boot image (cluster/qemu.py write_boot_image); a privileged task
 * reads them with the boot_read system call.  Names in use:
 *   boot.exec      the --exec script (init runs it in sh, init_exec.c)
 *   boot.deadline  seconds after boot when init ends the script
 *   boot.key       the cluster key (issue 10)
 * docs/cluster.md, "Boot files".
 *
 * How to use:
 *   char *buf;
 *   long n = bootfile_load("boot.exec", 1 << 20, &buf);
 *   n >= 0: buf holds n bytes and a NUL (free it); -ERR_NOENT: no such file.
 */
#ifndef USER_BOOTFILE_H
#define USER_BOOTFILE_H

#include <stddef.h>

/* Load boot file `name` into a malloc'ed buffer of its size + 1
 * (NUL-terminated) stored in *out.  Returns its size, -ERR_NOENT (no such
 * file), -ERR_TOOBIG (over `max` bytes), -ERR_NOMEM, -ERR_PERM (the caller
 * is not privileged), -ERR_INVAL (a name that is not 1..31 bytes).  *out is
 * set only on success. */
long bootfile_load(const char *name, size_t max, char **out);

#endif
