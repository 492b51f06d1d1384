/* SPDX-License-Identifier: MIT */
/* Fault phase timing of the kernel's DSM glue (kernel/dsm_phase.h; docs/dsm-protocol.md
 * section 9a): a ring of the latest samples per phase, median and 90th percentile at
 * log time. Kernel code runs with IF=0 on one CPU, so the rings need no lock. */
#include "kernel/dsm_phase.h"

#include <stdbool.h>
#include <stddef.h>

#include "dsm/msg.h"
#include "kernel/clock.h"
#include "kernel/format.h"
#include "kernel/irq.h"
#include "kernel/log.h"
#include "kernel/sched.h"
#include "kernel/timer.h"

#define DSM_PHASE_SAMPLES 256   /* per phase: enough for a bench run's faults */
#define DSM_PHASE_LINE 640

struct dsm_phase_ring {
    uint64_t count;             /* samples ever recorded */
    uint64_t ns[DSM_PHASE_SAMPLES];
};

static struct dsm_phase_ring dsm_phase_rings[DSM_PHASE_COUNT];
static uint64_t dsm_phase_start_ns, dsm_phase_start_idle_ns; /* dsm_phase_mark_start */
/* Host-costly events under QEMU since dsm_phase_mark_start: each halt ends in a vCPU thread
 * wake-up, each LAPIC timer write wakes QEMU's main loop, each timer interrupt is one. */
static uint64_t dsm_phase_start_halts, dsm_phase_start_lapic_writes, dsm_phase_start_timer_irqs;
static const char *const dsm_phase_names[DSM_PHASE_COUNT] = {
    "send", "net", "install", "resume", "total", "serve_req", "serve_fwd", "serve_grant", "serve_other",
};

void dsm_phase_record(enum dsm_phase ph, uint64_t ns)
{
    if ((unsigned)ph >= DSM_PHASE_COUNT)
        return;
    struct dsm_phase_ring *r = &dsm_phase_rings[ph];
    r->ns[r->count % DSM_PHASE_SAMPLES] = ns;
    r->count++;
}

enum dsm_phase dsm_phase_of_msg(unsigned type)
{
    switch (type) {
    case DSM_MSG_READ_REQ:
    case DSM_MSG_WRITE_REQ: return DSM_PHASE_SERVE_REQ;
    case DSM_MSG_FWD_READ:
    case DSM_MSG_FWD_WRITE: return DSM_PHASE_SERVE_FWD;
    case DSM_MSG_GRANT: return DSM_PHASE_SERVE_GRANT;
    default: return DSM_PHASE_SERVE_OTHER;
    }
}

/* Sorts the kept samples of r into out (insertion sort: at most DSM_PHASE_SAMPLES). */
static size_t dsm_phase_sorted(const struct dsm_phase_ring *r, uint64_t *out)
{
    size_t n = r->count < DSM_PHASE_SAMPLES ? (size_t)r->count : DSM_PHASE_SAMPLES;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = r->ns[i];
        size_t j = i;
        for (; j > 0 && out[j - 1] > v; j--)
            out[j] = out[j - 1];
        out[j] = v;
    }
    return n;
}

void dsm_phase_mark_start(void)
{
    dsm_phase_start_ns = clock_now_ns();
    dsm_phase_start_idle_ns = sched_idle_ns();
    dsm_phase_start_halts = sched_halt_count();
    dsm_phase_start_lapic_writes = timer_hw_write_count();
    dsm_phase_start_timer_irqs = irq_count(IRQ_VECTOR_TIMER);
}

void dsm_phase_log(unsigned node)
{
    static uint64_t sorted[DSM_PHASE_SAMPLES];
    char line[DSM_PHASE_LINE];
    int len = fmt_snprintf(line, sizeof line, "dsm-phases node=%u", node);
    for (unsigned ph = 0; ph < DSM_PHASE_COUNT && len > 0 && (size_t)len < sizeof line; ph++) {
        const struct dsm_phase_ring *r = &dsm_phase_rings[ph];
        size_t n = dsm_phase_sorted(r, sorted);
        uint64_t p50 = n ? sorted[n / 2] : 0, p90 = n ? sorted[n * 9 / 10] : 0;
        len += fmt_snprintf(line + len, sizeof line - (size_t)len, " %s=%llu/%llu/%llu", dsm_phase_names[ph],
                            (unsigned long long)r->count, (unsigned long long)(p50 / NS_PER_US),
                            (unsigned long long)(p90 / NS_PER_US));
    }
    if (len > 0 && (size_t)len < sizeof line)
        fmt_snprintf(line + len, sizeof line - (size_t)len,
                     " run_ms=%llu idle_ms=%llu halts=%llu lapic_writes=%llu timer_irqs=%llu",
                     (unsigned long long)((clock_now_ns() - dsm_phase_start_ns) / NS_PER_MS),
                     (unsigned long long)((sched_idle_ns() - dsm_phase_start_idle_ns) / NS_PER_MS),
                     (unsigned long long)(sched_halt_count() - dsm_phase_start_halts),
                     (unsigned long long)(timer_hw_write_count() - dsm_phase_start_lapic_writes),
                     (unsigned long long)(irq_count(IRQ_VECTOR_TIMER) - dsm_phase_start_timer_irqs));
    log_info("%s", line);
}
