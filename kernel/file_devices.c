/* SPDX-License-Identifier: MIT */
/* The /dev character devices (kernel/file_devices.h). */
#include "kernel/file_devices.h"

#include "kernel/file_store.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/random.h"

/* Documentation/admin-guide/devices.txt: the memory devices are major 1 */
#define FILE_DEVICE_MEM_MAJOR 1u
/* include/linux/kdev_t.h new_encode_dev, for majors and minors below 256 */
#define FILE_DEVICE_MAJOR_SHIFT 8u

static const struct {
    const char *path;
    enum file_device device;
    uint32_t minor; /* devices.txt: 3 null, 5 zero, 7 full, 8 random, 9 urandom */
} file_devices[] = {
    { "/dev/null", FILE_DEVICE_NULL, 3 },
    { "/dev/zero", FILE_DEVICE_ZERO, 5 },
    { "/dev/full", FILE_DEVICE_FULL, 7 },
    { "/dev/random", FILE_DEVICE_RANDOM, 8 },
    { "/dev/urandom", FILE_DEVICE_URANDOM, 9 },
};

void file_devices_add(void)
{
    for (size_t i = 0; i < sizeof file_devices / sizeof file_devices[0]; i++)
        if (!file_store_add_device(file_devices[i].path, file_devices[i].device))
            log_warn("files: no %s (no room, or the path is taken)", file_devices[i].path);
}

size_t file_device_read(enum file_device d, void *dst, size_t len)
{
    switch (d) {
    case FILE_DEVICE_ZERO:
    case FILE_DEVICE_FULL:
        memset(dst, 0, len);
        return len;
    case FILE_DEVICE_RANDOM:
    case FILE_DEVICE_URANDOM:
        random_fill(dst, len);
        return len;
    default:
        return 0;
    }
}

int64_t file_device_write(enum file_device d, size_t len)
{
    return d == FILE_DEVICE_FULL ? -LINUX_ENOSPC : (int64_t)len;
}

uint64_t file_device_number(enum file_device d)
{
    for (size_t i = 0; i < sizeof file_devices / sizeof file_devices[0]; i++)
        if (file_devices[i].device == d)
            return (FILE_DEVICE_MEM_MAJOR << FILE_DEVICE_MAJOR_SHIFT) | file_devices[i].minor;
    return 0;
}

uint64_t file_device_zero_number(void)
{
    return file_device_number(FILE_DEVICE_ZERO);
}
