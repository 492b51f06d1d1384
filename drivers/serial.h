/* SPDX-License-Identifier: MIT */
/* 16550 UART console on COM1 (polled output; the kernel log's sink). */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include <stddef.h>

/* Programs COM1 for 115200 8N1 with FIFOs; safe to call more than once. */
void serial_init(void);
/* Writes len bytes, turning "\n" into "\r\n"; blocks until the UART took them. */
void serial_write(const char *s, size_t len);
/* Returns the next received byte, or -1 when none is waiting. */
int serial_read_byte(void);

#endif
