# DSM protocol core: portable (no hardware includes), built into the kernel, the host
# unit tests and the simulator (tests/sim).
DSM_SRCS := dsm/msg.c dsm/locate.c dsm/stats.c dsm/node.c dsm/coherence.c dsm/update.c dsm/futex.c dsm/affinity.c dsm/sites.c
PORTABLE_SRCS += $(DSM_SRCS)
