/* SPDX-License-Identifier: MIT */
/* The kernel console on COM1: the 16550 driver of drivers/serial_ports.c plus the
 * console's "\n" -> "\r\n" translation. Deliberately polled, no interrupts: console output
 * is rare and small, and a polled write keeps panic output working in any kernel state. */
#include "drivers/serial.h"

#include "drivers/serial_ports.h"

#define SERIAL_PORT_COM1 0x3f8

void serial_init(void)
{
    serial_port_init(SERIAL_PORT_COM1);
}

void serial_write(const char *s, size_t len)
{
    static const char crlf[] = "\r\n";
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\n')
            continue;
        serial_port_write_raw(SERIAL_PORT_COM1, s + start, i - start);
        serial_port_write_raw(SERIAL_PORT_COM1, crlf, sizeof crlf - 1);
        start = i + 1;
    }
    serial_port_write_raw(SERIAL_PORT_COM1, s + start, len - start);
}

int serial_read_byte(void)
{
    return serial_port_read_byte(SERIAL_PORT_COM1);
}
