/* SPDX-License-Identifier: MIT */
/* The character devices every program may open under /dev (Linux's drivers/char/mem.c and
 * random.c): null (reads end at once, writes vanish), zero (reads zeros, writes vanish),
 * full (reads zeros, writes fail with ENOSPC), random and urandom (read random bytes,
 * kernel/random.h; writes are taken and dropped). Their nodes live in kernel/file_store.c,
 * which asks here what a read or write does. */
#ifndef KERNEL_FILE_DEVICES_H
#define KERNEL_FILE_DEVICES_H

#include <stddef.h>
#include <stdint.h>

enum file_device {
    FILE_DEVICE_NONE = 0, /* not a device: a file or directory */
    FILE_DEVICE_NULL,
    FILE_DEVICE_ZERO,
    FILE_DEVICE_FULL,
    FILE_DEVICE_RANDOM,
    FILE_DEVICE_URANDOM,
};

/* Makes /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom (/dev exists). */
void file_devices_add(void);
/* A read of len bytes from device d into dst: the count. */
size_t file_device_read(enum file_device d, void *dst, size_t len);
/* A write of len bytes to device d: len, or -ENOSPC (full). */
int64_t file_device_write(enum file_device d, size_t len);
/* d's device number as stat's st_rdev shows it (Linux's new_encode_dev). */
uint64_t file_device_number(enum file_device d);
/* The device number of /dev/zero, whose mappings are anonymous memory (mmap(2)). */
uint64_t file_device_zero_number(void);

#endif
