# SPDX-License-Identifier: MIT
# Portable network stack (no hardware includes; also built into host tests and fuzzers).
NET_SRCS := net/pbuf.c net/copy.c net/checksum.c net/eth.c net/arp.c net/ipv4.c net/ipv4_reasm.c net/udp.c net/icmp.c \
	net/siphash.c net/nh.c net/transport_mac.c net/transport_codec.c net/transport.c net/cluster.c net/net.c net/net_output.c net/net_ping.c
PORTABLE_SRCS += $(NET_SRCS)
