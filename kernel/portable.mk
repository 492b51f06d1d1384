# Portable kernel modules: no hardware includes; also built into host tests.
PORTABLE_SRCS += kernel/format.c kernel/cmdline.c kernel/multiboot.c
PORTABLE_SRCS += kernel/frame_alloc.c kernel/heap.c
PORTABLE_SRCS += kernel/elf.c kernel/pipe.c kernel/ramfile.c kernel/path.c kernel/eventfd.c kernel/epoll.c kernel/clock_sync.c kernel/timer_count.c
PORTABLE_SRCS += kernel/store_decode.c kernel/store_alu.c kernel/dsm_update_ranges.c kernel/civil_time.c
