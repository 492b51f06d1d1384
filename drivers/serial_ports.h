/* SPDX-License-Identifier: MIT */
/* The 16550 UARTs: COM1 is the console (drivers/serial.h); the program's byte streams
 * use COM2 = stdout, COM3 = stderr, COM4 = its files (at exit). Raw: no newline translation, polled, no interrupts. A port QEMU did
 * not create reads back all-ones, which this driver treats as "always ready": the bytes
 * are lost, nothing hangs. */
#ifndef DRIVERS_SERIAL_PORTS_H
#define DRIVERS_SERIAL_PORTS_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_PORT_COM2 0x2f8 /* program stdout */
#define SERIAL_PORT_COM3 0x3e8 /* program stderr */
#define SERIAL_PORT_COM4 0x2e8 /* files the program wrote, at its exit (kernel/file_store.h) */

/* Programs the UART at base for 115200 8N1 with FIFOs. */
void serial_port_init(uint16_t base);
/* Writes len bytes exactly as given. */
void serial_port_write_raw(uint16_t base, const void *buf, size_t len);
/* Returns the next received byte, or -1 when none is waiting. */
int serial_port_read_byte(uint16_t base);

#endif
