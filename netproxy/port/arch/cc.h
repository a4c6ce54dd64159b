/*
 * lwIP architecture header for netproxy on Tessera (RISC-V 64, picolibc):
 * little endian, the compiler's stdint/inttypes, platform diagnostics and
 * assertions through printf (the kernel log) and exit.
 */
#ifndef NP_ARCH_CC_H
#define NP_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_NO_CTYPE_H 1	/* lwIP's own isdigit & co. */

#define LWIP_PLATFORM_DIAG(x)	do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do {					\
		printf("netproxy: lwIP assertion \"%s\" at %s:%d\n",	\
		       x, __FILE__, __LINE__);				\
		exit(3);						\
	} while (0)

/* Random numbers lwIP asks for (initial sequence numbers, local ports):
 * netproxy's SHA-256 mixer (netproxy/nonce.c). */
unsigned np_rand32(void);
#define LWIP_RAND() ((u32_t)np_rand32())

#endif
