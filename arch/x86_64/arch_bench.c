/* SPDX-License-Identifier: MIT */
/* Micro-benchmarks of the CPU paths the DSM leans on, run as ktests named arch_bench_*:
 * a claimed #PF round trip (what every DSM fault pays before any protocol work), a
 * claimed #BP, a self-IPI to its handler, and timer wake-up lateness from halt. Each
 * prints "bench: NAME median=N p99=N unit" for tools/bench/arch.py; the checks are
 * only sanity bounds. Under TCG the figures measure the emulator as much as the code. */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>

#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/timer.h"

#define BENCH_SAMPLES 256
#define BENCH_PERCENTILE_99(n) ((n) * 99 / 100)
#define BENCH_FAULT_ADDRESS 0x00000dead0002000ull /* unmapped (as fault_inject's) */
#define BENCH_LOAD_LENGTH 3                        /* "mov (%rbx), %rax" = 48 8b 03 */
#define BENCH_TIMER_DELAY_NS (200 * NS_PER_US)
#define BENCH_WAIT_LIMIT_NS (NS_PER_SEC / 2)

static uint64_t bench_samples[BENCH_SAMPLES];

static void bench_sort(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Sorts the samples and prints the median and the 99th percentile. */
static void bench_report(const char *name, uint64_t *v, size_t n, const char *unit)
{
    bench_sort(v, n);
    console_printf("bench: %s median=%llu p99=%llu %s\n", name, (unsigned long long)v[n / 2],
                   (unsigned long long)v[BENCH_PERCENTILE_99(n)], unit);
}

static bool bench_fixup_load(struct trap_frame *f)
{
    if (trap_from_user(f) || cpu_read_cr2() != BENCH_FAULT_ADDRESS)
        return false;
    f->rax = 0;
    f->rip += BENCH_LOAD_LENGTH;
    return true;
}

static bool bench_claim_breakpoint(struct trap_frame *f)
{
    (void)f;
    return true;
}

KTEST(arch_bench_page_fault_round_trip)
{
    trap_handler_fn old = trap_set_handler(TRAP_PAGE_FAULT, bench_fixup_load);
    for (size_t i = 0; i < BENCH_SAMPLES; i++) {
        uint64_t value;
        uint64_t t0 = cpu_rdtsc();
        __asm__ volatile(".byte 0x48, 0x8b, 0x03" : "=a"(value) : "b"(BENCH_FAULT_ADDRESS) : "memory");
        bench_samples[i] = clock_tsc_to_ns(cpu_rdtsc() - t0);
        KT_EXPECT_EQ(value, 0);
    }
    trap_set_handler(TRAP_PAGE_FAULT, old);
    bench_report("trap_page_fault_round_trip", bench_samples, BENCH_SAMPLES, "ns");
    KT_EXPECT(bench_samples[0] > 0);
}

KTEST(arch_bench_breakpoint_round_trip)
{
    trap_handler_fn old = trap_set_handler(TRAP_BREAKPOINT, bench_claim_breakpoint);
    for (size_t i = 0; i < BENCH_SAMPLES; i++) {
        uint64_t t0 = cpu_rdtsc();
        __asm__ volatile("int3");
        bench_samples[i] = clock_tsc_to_ns(cpu_rdtsc() - t0);
    }
    trap_set_handler(TRAP_BREAKPOINT, old);
    bench_report("trap_breakpoint_round_trip", bench_samples, BENCH_SAMPLES, "ns");
    KT_EXPECT(bench_samples[0] > 0);
}

static uint64_t bench_ipi_tsc; /* TSC when the handler ran, 0 while waiting */

static void bench_ipi_handler(void *ctx)
{
    (void)ctx;
    bench_ipi_tsc = cpu_rdtsc();
}

KTEST(arch_bench_self_ipi_latency)
{
    int v = irq_alloc_vector(bench_ipi_handler, NULL);
    if (!KT_EXPECT(v >= 0))
        return;
    size_t n = 0;
    for (; n < BENCH_SAMPLES; n++) {
        bench_ipi_tsc = 0;
        uint64_t t0 = cpu_rdtsc();
        lapic_send_self((uint8_t)v);
        /* The IPI is pending; the window after sti delivers it before cli. */
        __asm__ volatile("sti; nop; cli" ::: "memory");
        if (!KT_EXPECT(bench_ipi_tsc != 0))
            break;
        bench_samples[n] = clock_tsc_to_ns(bench_ipi_tsc - t0);
    }
    irq_free_vector(v);
    if (n == BENCH_SAMPLES)
        bench_report("irq_self_ipi_latency", bench_samples, n, "ns");
}

static void bench_timer_fired(struct timer *t, void *arg)
{
    (void)t;
    *(uint64_t *)arg = clock_now_ns();
}

KTEST(arch_bench_timer_wakeup_lateness)
{
    static struct timer t;
    size_t n = 0;
    for (; n < BENCH_SAMPLES / 4; n++) {
        uint64_t fired = 0;
        uint64_t deadline = clock_now_ns() + BENCH_TIMER_DELAY_NS;
        timer_arm(&t, deadline, bench_timer_fired, &fired);
        while (fired == 0 && clock_now_ns() < deadline + BENCH_WAIT_LIMIT_NS)
            cpu_wait_for_interrupt();
        if (!KT_EXPECT(fired >= deadline))
            break;
        bench_samples[n] = (fired - deadline) / NS_PER_US;
    }
    timer_cancel(&t);
    if (n == BENCH_SAMPLES / 4)
        bench_report("timer_wakeup_lateness", bench_samples, n, "us");
}
