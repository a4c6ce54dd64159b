/*
 * lwIP's headers for netproxy's own files.  lwIP's err_t enum and
 * Tessera's errors (<tessera/errors.h>) both name an ERR_TIMEOUT: lwIP's
 * is renamed NP_LWIP_ERR_TIMEOUT here (netproxy never uses it), so both
 * can be included in one file, in either order.
 */
#ifndef NP_LWIP_H
#define NP_LWIP_H

#define ERR_TIMEOUT NP_LWIP_ERR_TIMEOUT
#include <lwip/etharp.h>
#include <lwip/init.h>
#include <lwip/sys.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/stats.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>
#undef ERR_TIMEOUT

#endif
