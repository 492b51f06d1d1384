/* SPDX-License-Identifier: MIT */
/* The program's byte streams on the extra 16550 UARTs: COM2 = stdout, COM3 = stderr
 * (common brief). Raw: no newline translation, polled, no interrupts. A port QEMU did
 * not create reads back all-ones, which this driver treats as "always ready": the bytes
 * are lost, nothing hangs. */
#ifndef DRIVERS_SERIAL_PORTS_H
#define DRIVERS_SERIAL_PORTS_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_PORT_COM2 0x2f8 /* program stdout */
#define SERIAL_PORT_COM3 0x3e8 /* program stderr */

/* Programs the UART at base for 115200 8N1 with FIFOs. */
void serial_port_init(uint16_t base);
/* Writes len bytes exactly as given. */
void serial_port_write_raw(uint16_t base, const void *buf, size_t len);

#endif
