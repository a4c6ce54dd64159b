/*
 * mbedTLS configuration for netproxy (MBEDTLS_CONFIG_FILE): only what the
 * membership handshake needs, HMAC-SHA256 through the generic message
 * digest layer.  Built for the guest and for the host tests.
 */
#ifndef NP_MBEDTLS_CONFIG_H
#define NP_MBEDTLS_CONFIG_H

#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C

#include "mbedtls/check_config.h"

#endif
