/* SPDX-License-Identifier: MIT */
/* TSC calibration and conversion (SDM vol. 3 17.17: invariant TSC; 18.7.3 CPUID leaf
 * 0x15 TSC/crystal ratio). Calibration order: CPUID 0x15 when it names the crystal, else
 * the PIT (intervals whose ends are bracketed by TSC reads, so a preempted vCPU is
 * detected, not believed), else CPUID 0x16's nominal MHz. ns = tsc * mult >> 32 with a 128-bit product. */
#include "kernel/clock.h"

#include <arch/cpu.h>
#include <arch/pit.h>

#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/panic.h"

#define CPUID_LEAF_MAX 0x0
#define CPUID_LEAF_TSC_CRYSTAL 0x15 /* eax: denominator, ebx: numerator, ecx: crystal Hz */
#define CPUID_LEAF_FREQUENCY 0x16   /* eax: base MHz */
#define CLOCK_MULT_SHIFT 32         /* ns = tsc * mult >> 32 */
#define CLOCK_INV_SHIFT 24          /* tsc = ns * inv >> 24; tsc_hz << 24 fits below 1 THz */
#define CLOCK_PIT_WINDOW_TICKS 11932 /* 10 ms of PIT_HZ */
#define CLOCK_PIT_ATTEMPTS 5
#define CLOCK_PIT_GOOD_PPM 200       /* 0.02 %: good enough to stop measuring */
#define CLOCK_PPM 1000000ull
#define CLOCK_HZ_PER_MHZ 1000000ull

static uint64_t clock_boot_tsc;
static uint64_t clock_hz;
static uint64_t clock_mult; /* ns per TSC tick, 32.32 fixed point; 0 until calibrated */
static uint64_t clock_inv;  /* TSC ticks per ns, 40.24 fixed point */
static uint64_t clock_boot_offset_ns;

void clock_mark_boot(void)
{
    clock_boot_tsc = cpu_rdtsc();
}

uint64_t clock_tsc_to_ns(uint64_t tsc_delta)
{
    return (uint64_t)(((unsigned __int128)tsc_delta * clock_mult) >> CLOCK_MULT_SHIFT);
}

uint64_t clock_ns_to_tsc(uint64_t ns)
{
    unsigned __int128 t = ((unsigned __int128)ns * clock_inv) >> CLOCK_INV_SHIFT;
    return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

uint64_t clock_now_ns(void)
{
    return clock_tsc_to_ns(cpu_rdtsc());
}

uint64_t clock_boot_ns(void)
{
    return clock_mult ? clock_now_ns() - clock_boot_offset_ns : 0;
}

uint64_t clock_tsc_hz(void)
{
    return clock_hz;
}

void clock_delay_ns(uint64_t ns)
{
    if (clock_mult == 0)
        panic("clock_delay_ns before clock_init: the delay would never end");
    uint64_t end = clock_now_ns() + ns;
    while (clock_now_ns() < end)
        cpu_pause();
}

static uint64_t clock_hz_from_cpuid_crystal(void)
{
    if (cpu_cpuid(CPUID_LEAF_MAX, 0).eax < CPUID_LEAF_TSC_CRYSTAL)
        return 0;
    struct cpuid_regs r = cpu_cpuid(CPUID_LEAF_TSC_CRYSTAL, 0);
    if (r.eax == 0 || r.ebx == 0 || r.ecx == 0)
        return 0;
    return (uint64_t)r.ecx * r.ebx / r.eax;
}

/* Best of up to CLOCK_PIT_ATTEMPTS intervals by relative uncertainty; stops early at
 * CLOCK_PIT_GOOD_PPM. Preemption between the two ends costs nothing: both clocks run on. */
static uint64_t clock_hz_from_pit(void)
{
    struct pit_interval best = { 0 };
    for (int i = 0; i < CLOCK_PIT_ATTEMPTS; i++) {
        struct pit_interval iv;
        if (!pit_measure_interval(CLOCK_PIT_WINDOW_TICKS, &iv))
            continue;
        if (best.tsc_delta == 0 || iv.tsc_uncertainty * best.tsc_delta < best.tsc_uncertainty * iv.tsc_delta)
            best = iv;
        if (best.tsc_uncertainty * CLOCK_PPM < best.tsc_delta * CLOCK_PIT_GOOD_PPM)
            break;
    }
    if (best.tsc_delta == 0)
        return 0;
    return best.tsc_delta * PIT_HZ / best.pit_ticks;
}

static uint64_t clock_hz_from_cpuid_nominal(void)
{
    if (cpu_cpuid(CPUID_LEAF_MAX, 0).eax < CPUID_LEAF_FREQUENCY)
        return 0;
    return (uint64_t)(cpu_cpuid(CPUID_LEAF_FREQUENCY, 0).eax & 0xffff) * CLOCK_HZ_PER_MHZ;
}

static uint64_t clock_boot_tsc_or_now(void)
{
    return clock_boot_tsc ? clock_boot_tsc : cpu_rdtsc();
}

void clock_init(void)
{
    const char *source = "CPUID 0x15";
    uint64_t hz = clock_hz_from_cpuid_crystal();
    if (hz == 0) {
        source = "the PIT";
        hz = clock_hz_from_pit();
    }
    if (hz == 0) {
        source = "CPUID 0x16 (nominal)";
        hz = clock_hz_from_cpuid_nominal();
    }
    if (hz == 0)
        panic("clock: cannot calibrate the TSC: no CPUID 0x15/0x16 and no PIT");
    clock_hz = hz;
    clock_mult = (NS_PER_SEC << CLOCK_MULT_SHIFT) / hz;
    clock_inv = (hz << CLOCK_INV_SHIFT) / NS_PER_SEC;
    clock_boot_offset_ns = clock_tsc_to_ns(clock_boot_tsc_or_now());
    log_set_clock(clock_boot_ns);
    log_info("clock: TSC %llu.%03llu MHz by %s", (unsigned long long)(hz / CLOCK_HZ_PER_MHZ),
             (unsigned long long)(hz % CLOCK_HZ_PER_MHZ / 1000), source);
}

KTEST(clock_monotonic)
{
    uint64_t prev = clock_now_ns();
    for (int i = 0; i < 10000; i++) {
        uint64_t now = clock_now_ns();
        if (!KT_EXPECT(now >= prev))
            return;
        prev = now;
    }
    KT_EXPECT(clock_boot_ns() > 0);
    KT_EXPECT(clock_boot_ns() < clock_now_ns());
}

/* 40 ms leaves the 16-bit PIT count ~15 ms of slack before it wraps, for a preempted vCPU;
 * a wrap makes pit_measure_interval refuse, so a few attempts are allowed. */
KTEST(clock_matches_pit_over_40ms)
{
    const uint16_t ticks = 47727; /* 40 ms of PIT_HZ */
    struct pit_interval iv;
    bool measured = false;
    for (int attempt = 0; attempt < 5 && !measured; attempt++)
        measured = pit_measure_interval(ticks, &iv);
    if (!KT_EXPECT(measured))
        return;
    uint64_t want = (uint64_t)iv.pit_ticks * NS_PER_SEC / PIT_HZ;
    uint64_t got = clock_tsc_to_ns(iv.tsc_delta);
    console_printf("    %llu ns of PIT = %llu ns by the kernel clock (+-%llu ns)\n", (unsigned long long)want,
                   (unsigned long long)got, (unsigned long long)clock_tsc_to_ns(iv.tsc_uncertainty));
    KT_EXPECT(got > want - want / 10);
    KT_EXPECT(got < want + want / 10);
}

KTEST(clock_conversions_round_trip)
{
    KT_EXPECT_EQ(clock_tsc_to_ns(0), 0);
    uint64_t one_sec_tsc = clock_ns_to_tsc(NS_PER_SEC);
    uint64_t diff = one_sec_tsc > clock_hz ? one_sec_tsc - clock_hz : clock_hz - one_sec_tsc;
    KT_EXPECT(diff < clock_hz / 1000000);
    /* A century of TSC ticks still converts without wrapping. */
    uint64_t century_ns = clock_tsc_to_ns(clock_hz * 100ull * 365 * 24 * 3600);
    KT_EXPECT(century_ns / NS_PER_SEC > 99ull * 365 * 24 * 3600);
    KT_EXPECT_EQ(clock_ns_to_tsc(UINT64_MAX) >= clock_ns_to_tsc(UINT64_MAX / 2), 1);
}
