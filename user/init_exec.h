/* init's exec mode: run the host's --exec script (user/init_exec.c). */
#ifndef USER_INIT_EXEC_H
#define USER_INIT_EXEC_H

/* With a boot file opt/tessera/exec: run it in sh and power the node off
 * with its status (never returns).  Without one: return at once. */
void init_exec(void);

#endif
