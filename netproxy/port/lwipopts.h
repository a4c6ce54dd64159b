/*
 * lwIP options for netproxy (docs/netproxy.md): NO_SYS=1 raw API, IPv4 +
 * ARP + TCP only, one Ethernet netif on the dgram/vde link.  Tuned for
 * throughput on a 1500-byte MTU link: window scaling, a 256 KiB receive
 * window and send buffer (a few RTTs of a fast local link at the ~1 ms RTT
 * a QEMU-to-QEMU path has), enough pbufs and segments for both for up to
 * 16 peers.  Checksums in software: the QEMU vde and dgram backends give
 * no offload (drivers/net negotiates none).
 */
#ifndef NP_LWIPOPTS_H
#define NP_LWIPOPTS_H

#define NO_SYS			1
#define SYS_LIGHTWEIGHT_PROT	0
#define LWIP_SOCKET		0
#define LWIP_NETCONN		0
#define LWIP_IPV4		1
#define LWIP_IPV6		0
#define LWIP_ARP		1
#define LWIP_ETHERNET		1
#define LWIP_ICMP		1
#define LWIP_RAW		0
#define LWIP_UDP		0
#define LWIP_TCP		1
#define LWIP_DHCP		0
#define LWIP_AUTOIP		0
#define LWIP_IGMP		0
#define LWIP_DNS		0
#define LWIP_STATS		1
#define LWIP_STATS_DISPLAY	0
#define MIB2_STATS		0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_HAVE_LOOPIF	0
#define LWIP_NETIF_LOOPBACK	0
#define LWIP_TIMERS		1

/* Memory: lwIP's own heap and pools (static arrays in .bss). */
#define MEM_ALIGNMENT		8
#define MEM_SIZE		(1024 * 1024)
#define MEMP_NUM_PBUF		512
#define MEMP_NUM_TCP_PCB	20	/* 16 nodes: one per peer, some spare */
#define MEMP_NUM_TCP_PCB_LISTEN	2
#define MEMP_NUM_TCP_SEG	2048
#define MEMP_NUM_SYS_TIMEOUT	8
#define PBUF_POOL_SIZE		512
#define PBUF_POOL_BUFSIZE	1536

/* TCP: 1460-byte segments, large scaled window (RFC 7323). */
#define TCP_MSS			1460
#define LWIP_WND_SCALE		1
#define TCP_RCV_SCALE		3
#define TCP_WND			(256 * 1024)
#define TCP_SND_BUF		(256 * 1024)
#define TCP_SND_QUEUELEN	(4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT		(32 * 1024)	/* below 64 KiB - 4 MSS (u16) */
#define TCP_OVERSIZE		TCP_MSS
#define TCP_QUEUE_OOSEQ		1
#define TCP_LISTEN_BACKLOG	1
#define LWIP_TCP_KEEPALIVE	0
#define LWIP_TCP_TIMESTAMPS	0
#define TCP_TTL			64
#define TCP_MAXRTX		6
#define TCP_SYNMAXRTX		4

/* Checksums: generated and checked in software (no offload). */
#define CHECKSUM_GEN_IP		1
#define CHECKSUM_GEN_TCP	1
#define CHECKSUM_CHECK_IP	1
#define CHECKSUM_CHECK_TCP	1
#define LWIP_CHECKSUM_ON_COPY	1

#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_TABLE_SIZE		20
#define ARP_QUEUEING		1
#define ETH_PAD_SIZE		0

#define LWIP_DEBUG		0
#define LWIP_NOASSERT		0

#endif
