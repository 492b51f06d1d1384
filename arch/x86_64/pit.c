/* SPDX-License-Identifier: MIT */
/* 8254 channel 2 in mode 0 ("interrupt on terminal count"): OUT2 goes low when the mode
 * is written and high when the count reaches zero; port 0x61 gates the channel and
 * reads OUT2 back (8254 datasheet, mode 0; IBM PC/AT technical reference, port 61h).
 * The speaker stays off. Channel 0 (IRQ 0) is only fired once by the irq routing ktest. */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/pit.h>

#define PIT_PORT_CHANNEL0 0x40
#define PIT_PORT_CHANNEL2 0x42
#define PIT_PORT_COMMAND 0x43
#define PIT_CMD_CHANNEL0 (0u << 6)
#define PIT_CMD_CHANNEL2 (2u << 6)
#define PIT_CMD_ACCESS_LOHI (3u << 4)
#define PIT_CMD_MODE0 (0u << 1)
#define PIT_CMD_BINARY 0u
#define PORT_SYSTEM_CONTROL_B 0x61
#define SYSCTL_B_GATE2 (1u << 0)
#define SYSCTL_B_SPEAKER (1u << 1)
#define SYSCTL_B_OUT2 (1u << 5)
/* Give up when OUT2 has not risen after this many TSC ticks (seconds at any real TSC rate
 * for the at most 55 ms a 16-bit count lasts). */
#define PIT_TIMEOUT_TSC (1ull << 34)

uint64_t pit_measure_tsc(uint16_t ticks)
{
    uint8_t ctl = inb(PORT_SYSTEM_CONTROL_B);
    outb(PORT_SYSTEM_CONTROL_B, (uint8_t)((ctl & ~SYSCTL_B_SPEAKER) | SYSCTL_B_GATE2));
    outb(PIT_PORT_COMMAND, PIT_CMD_CHANNEL2 | PIT_CMD_ACCESS_LOHI | PIT_CMD_MODE0 | PIT_CMD_BINARY);
    outb(PIT_PORT_CHANNEL2, (uint8_t)ticks);
    outb(PIT_PORT_CHANNEL2, (uint8_t)(ticks >> 8)); /* counting starts now */
    uint64_t start = cpu_rdtsc();
    uint64_t now = start;
    while ((inb(PORT_SYSTEM_CONTROL_B) & SYSCTL_B_OUT2) == 0) {
        now = cpu_rdtsc();
        if (now - start > PIT_TIMEOUT_TSC) {
            outb(PORT_SYSTEM_CONTROL_B, ctl);
            return 0;
        }
    }
    now = cpu_rdtsc();
    outb(PORT_SYSTEM_CONTROL_B, ctl);
    return now - start;
}

void pit_irq0_oneshot(uint16_t ticks)
{
    outb(PIT_PORT_COMMAND, PIT_CMD_CHANNEL0 | PIT_CMD_ACCESS_LOHI | PIT_CMD_MODE0 | PIT_CMD_BINARY);
    outb(PIT_PORT_CHANNEL0, (uint8_t)ticks);
    outb(PIT_PORT_CHANNEL0, (uint8_t)(ticks >> 8));
}
