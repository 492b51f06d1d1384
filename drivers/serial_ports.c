/* SPDX-License-Identifier: MIT */
/* Polled 16550 UART driver for any port (PC16550D datasheet, table 2 for the register
 * map): COM1 through drivers/serial.c (the console adds CRLF translation), COM2/COM3 raw. */
#include "drivers/serial_ports.h"

#include <arch/io.h>

#define UART_THR 0 /* W: transmit holding (DLAB=0) */
#define UART_RBR 0 /* R: receive buffer (DLAB=0) */
#define UART_DLL 0 /* RW: divisor latch low (DLAB=1) */
#define UART_IER 1 /* RW: interrupt enable (DLAB=0) */
#define UART_DLM 1 /* RW: divisor latch high (DLAB=1) */
#define UART_FCR 2 /* W: FIFO control */
#define UART_LCR 3 /* RW: line control */
#define UART_MCR 4 /* RW: modem control */
#define UART_LSR 5 /* R: line status */
#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_DATA_READY 0x01
#define UART_LSR_THR_EMPTY 0x20
#define UART_DIVISOR_115200 1     /* 1.8432 MHz / (16 * 115200) */
#define UART_TX_SPIN_LIMIT 100000 /* gives up on a wedged UART rather than hang */

void serial_port_init(uint16_t base)
{
    outb((uint16_t)(base + UART_IER), 0);
    outb((uint16_t)(base + UART_LCR), UART_LCR_DLAB);
    outb((uint16_t)(base + UART_DLL), UART_DIVISOR_115200);
    outb((uint16_t)(base + UART_DLM), 0);
    outb((uint16_t)(base + UART_LCR), UART_LCR_8N1);
    outb((uint16_t)(base + UART_FCR), UART_FCR_ENABLE_CLEAR);
    outb((uint16_t)(base + UART_MCR), UART_MCR_DTR_RTS);
}

void serial_port_write_raw(uint16_t base, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        for (int spins = 0; spins < UART_TX_SPIN_LIMIT; spins++)
            if (inb((uint16_t)(base + UART_LSR)) & UART_LSR_THR_EMPTY)
                break;
        outb((uint16_t)(base + UART_THR), p[i]);
    }
}

int serial_port_read_byte(uint16_t base)
{
    if (!(inb((uint16_t)(base + UART_LSR)) & UART_LSR_DATA_READY))
        return -1;
    return inb((uint16_t)(base + UART_RBR));
}
