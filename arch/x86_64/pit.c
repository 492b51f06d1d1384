/* SPDX-License-Identifier: MIT */
/* 8254 channel 2 in mode 0, gate on, speaker off, counting down from 0xffff; its count is
 * read with the counter-latch command between two TSC reads (8254 datasheet: control word,
 * counter latch, mode 0; IBM PC/AT port 61h). Channel 0 is only fired once by the irq
 * routing ktest. Nothing here uses PIT interrupts. */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/pit.h>

#define PIT_PORT_CHANNEL0 0x40
#define PIT_PORT_CHANNEL2 0x42
#define PIT_PORT_COMMAND 0x43
#define PIT_CMD_CHANNEL0 (0u << 6)
#define PIT_CMD_CHANNEL2 (2u << 6)
#define PIT_CMD_LATCH (0u << 4)
#define PIT_CMD_ACCESS_LOHI (3u << 4)
#define PIT_CMD_MODE0 (0u << 1)
#define PIT_CMD_BINARY 0u
#define PIT_COUNT_START 0xffffu
#define PIT_COUNT_MARGIN 16u      /* counts that prove the counter has loaded and runs */
#define PIT_MAX_INTERVAL 60000u   /* leaves room for PIT_COUNT_MARGIN at both ends of 0xffff */
#define PIT_READS_PER_END 8       /* best-bracketed read of this many at each end */
#define PORT_SYSTEM_CONTROL_B 0x61
#define SYSCTL_B_GATE2 (1u << 0)
#define SYSCTL_B_SPEAKER (1u << 1)
/* Give up on a PIT that does not count after this many TSC ticks (seconds at any real
 * TSC rate for the at most 55 ms a 16-bit count lasts). */
#define PIT_TIMEOUT_TSC (1ull << 34)

struct pit_read {
    uint64_t tsc;   /* middle of the bracket */
    uint64_t width; /* TSC ticks between the reads before and after */
    uint16_t count;
};

static struct pit_read pit_read_channel2(void)
{
    uint64_t t0 = cpu_rdtsc();
    outb(PIT_PORT_COMMAND, PIT_CMD_CHANNEL2 | PIT_CMD_LATCH);
    uint8_t lo = inb(PIT_PORT_CHANNEL2);
    uint8_t hi = inb(PIT_PORT_CHANNEL2);
    uint64_t t1 = cpu_rdtsc();
    return (struct pit_read){ .tsc = t0 + (t1 - t0) / 2, .width = t1 - t0, .count = (uint16_t)(lo | hi << 8) };
}

static struct pit_read pit_read_best(void)
{
    struct pit_read best = pit_read_channel2();
    for (int i = 1; i < PIT_READS_PER_END; i++) {
        struct pit_read r = pit_read_channel2();
        if (r.width < best.width)
            best = r;
    }
    return best;
}

/* Channel 2 is programmed and counting down from PIT_COUNT_START. */
static bool pit_time_channel2(uint16_t min_ticks, struct pit_interval *out)
{
    /* Start once the counter runs and has room for min_ticks before it wraps (in mode 0
     * it wraps from 0 to 0xffff and keeps counting, so a late start just waits a lap). */
    uint64_t deadline = cpu_rdtsc() + PIT_TIMEOUT_TSC;
    struct pit_read start;
    do {
        start = pit_read_best();
        if (cpu_rdtsc() > deadline)
            return false;
    } while (start.count > PIT_COUNT_START - PIT_COUNT_MARGIN || start.count < min_ticks + PIT_COUNT_MARGIN);
    uint16_t last = start.count;
    while (start.count - last < min_ticks) {
        uint16_t now = pit_read_channel2().count;
        if (now > last || cpu_rdtsc() > deadline)
            return false; /* wrapped: preempted for a whole lap; the caller retries */
        last = now;
    }
    struct pit_read end = pit_read_best();
    if (end.count > last)
        return false;
    out->tsc_delta = end.tsc - start.tsc;
    out->pit_ticks = (uint32_t)(start.count - end.count);
    out->tsc_uncertainty = start.width + end.width;
    return true;
}

bool pit_measure_interval(uint16_t min_ticks, struct pit_interval *out)
{
    if (min_ticks == 0 || min_ticks > PIT_MAX_INTERVAL)
        return false;
    uint8_t ctl = inb(PORT_SYSTEM_CONTROL_B);
    outb(PORT_SYSTEM_CONTROL_B, (uint8_t)((ctl & ~SYSCTL_B_SPEAKER) | SYSCTL_B_GATE2));
    outb(PIT_PORT_COMMAND, PIT_CMD_CHANNEL2 | PIT_CMD_ACCESS_LOHI | PIT_CMD_MODE0 | PIT_CMD_BINARY);
    outb(PIT_PORT_CHANNEL2, (uint8_t)PIT_COUNT_START);
    outb(PIT_PORT_CHANNEL2, (uint8_t)(PIT_COUNT_START >> 8));
    bool ok = pit_time_channel2(min_ticks, out);
    outb(PORT_SYSTEM_CONTROL_B, ctl);
    return ok;
}

void pit_irq0_oneshot(uint16_t ticks)
{
    outb(PIT_PORT_COMMAND, PIT_CMD_CHANNEL0 | PIT_CMD_ACCESS_LOHI | PIT_CMD_MODE0 | PIT_CMD_BINARY);
    outb(PIT_PORT_CHANNEL0, (uint8_t)ticks);
    outb(PIT_PORT_CHANNEL0, (uint8_t)(ticks >> 8));
}
