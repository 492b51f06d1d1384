/* SPDX-License-Identifier: MIT */
/* 16550 UART driver for COM1, polled. Register map: PC16550D datasheet, table 2.
 * Deliberately no interrupts: console output is rare and small, and a polled write
 * keeps panic output working whatever state the kernel is in. */
#include "drivers/serial.h"

#include <arch/io.h>
#include <stdint.h>

#define COM1_BASE 0x3f8
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
#define UART_FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear RX and TX */
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_DATA_READY 0x01
#define UART_LSR_THR_EMPTY 0x20
#define UART_CLOCK_DIVISOR_115200 1 /* 1.8432 MHz / (16 * 115200) */
#define UART_TX_SPIN_LIMIT 100000   /* gives up rather than hang on an absent UART */

void serial_init(void)
{
    outb(COM1_BASE + UART_IER, 0);
    outb(COM1_BASE + UART_LCR, UART_LCR_DLAB);
    outb(COM1_BASE + UART_DLL, UART_CLOCK_DIVISOR_115200);
    outb(COM1_BASE + UART_DLM, 0);
    outb(COM1_BASE + UART_LCR, UART_LCR_8N1);
    outb(COM1_BASE + UART_FCR, UART_FCR_ENABLE_CLEAR);
    outb(COM1_BASE + UART_MCR, UART_MCR_DTR_RTS);
}

static void serial_put_byte(char c)
{
    for (int spins = 0; spins < UART_TX_SPIN_LIMIT; spins++) {
        if (inb(COM1_BASE + UART_LSR) & UART_LSR_THR_EMPTY)
            break;
    }
    outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_put_byte('\r');
        serial_put_byte(s[i]);
    }
}

int serial_read_byte(void)
{
    if (!(inb(COM1_BASE + UART_LSR) & UART_LSR_DATA_READY))
        return -1;
    return inb(COM1_BASE + UART_RBR);
}
