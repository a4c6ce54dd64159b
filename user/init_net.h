/* init's part in a cluster: start netproxy (user/init_net.c). */
#ifndef USER_INIT_NET_H
#define USER_INIT_NET_H

/* Start netproxy for node `node` of `nodes` with the key from boot file
 * boot.key; logs what it did.  Never fails init. */
void init_netproxy(const char *node, const char *nodes);

#endif
