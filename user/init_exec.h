/* init's exec mode: run the host's --exec script (user/init_exec.c). */
#ifndef USER_INIT_EXEC_H
#define USER_INIT_EXEC_H

#include <stdint.h>

/* With a boot file boot.exec: copy it to a file on /tmp, set *deadline
 * (ns since boot, from boot.deadline; UINT64_MAX without one) and return
 * the file's path for `sh PATH`.  Without one: NULL.  A script that cannot
 * be delivered is logged and powers the node off with 125. */
const char *init_exec_script(uint64_t *deadline);

/* The script's shell ended with `status` (negative: killed or not started;
 * -ERR_TIMEOUT: stopped at `deadline`): log it, flush every volume and
 * power off with the status, 124 after the deadline or 125 (never returns). */
void init_exec_done(int status, uint64_t deadline) __attribute__((noreturn));

#endif
