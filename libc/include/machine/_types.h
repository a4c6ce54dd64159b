/*
 * Replaces picolibc's <machine/_types.h> (which only includes
 * <machine/_default_types.h>) to give Tessera 64-bit file serial numbers
 * and devices: picolibc's defaults outside Linux are 16 bits, too small for
 * the file protocol's 64-bit ino (struct file_stat).  libc/fd.c fills
 * st_dev with the file server's task id and st_ino with that ino, so
 * POSIX code can tell that two paths name the same file (cp, mv).
 */
#ifndef _MACHINE__TYPES_H
#define _MACHINE__TYPES_H

#include <machine/_default_types.h>

#define __machine_ino_t_defined
typedef __uint64_t __ino_t;
#define __machine_dev_t_defined
typedef __uint64_t __dev_t;

#endif
