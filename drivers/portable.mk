# Portable driver modules: no hardware includes; also built into host tests.
PORTABLE_SRCS += drivers/virtq.c
