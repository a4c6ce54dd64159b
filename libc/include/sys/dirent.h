/*
 * Directory entries for picolibc's <dirent.h> (Debian's picolibc ships a
 * <sys/dirent.h> that only says "not supported"); Tessera's implementation
 * is libc/dir.c over the file protocol's OP_LIST.
 */
#ifndef _SYS_DIRENT_H
#define _SYS_DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN	0
#define DT_DIR		4
#define DT_REG		8

struct dirent {
	ino_t d_ino;		/* index of the entry in its directory, from 1 */
	off_t d_off;		/* telldir value of the next entry */
	unsigned short d_reclen;
	unsigned char d_type;	/* DT_REG or DT_DIR */
	/* Tessera: what stat() would give, from the listing itself
	 * (OP_LIST's records), so `ls -l` needs no stat per entry. */
	mode_t d_mode;		/* st_mode */
	off_t d_size;		/* st_size (0 for directories) */
	time_t d_mtime;		/* st_mtime */
	char d_name[766];	/* NUL-terminated; up to 765 bytes (FAT's 255
				   UTF-16 units as UTF-8: FILE_NAME_MAX) */
};

typedef struct __ts_dir DIR;

#endif
