/* SPDX-License-Identifier: MIT */
/* Fault sites (see sites.h): an open-addressed table keyed by (rip, kind), never shrunk,
 * and a selection of the longest waits for the `dsm-sites` line. */
#include "dsm/sites.h"

#include "kernel/format.h"

#define SITES_HASH_MUL 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio: Fibonacci hashing */
#define SITES_NS_PER_US 1000u

static unsigned sites_slot_of(uint64_t rip, unsigned kind)
{
    return (unsigned)(((rip ^ ((uint64_t)kind << 61)) * SITES_HASH_MUL) >> 32) % DSM_SITES_MAX;
}

void dsm_sites_record(struct dsm_sites *s, uint64_t rip, unsigned kind, uint64_t addr, bool taken,
                      uint64_t wait_ns)
{
    s->faults++;
    unsigned i = sites_slot_of(rip, kind);
    for (unsigned probes = 0; probes < DSM_SITES_MAX; probes++, i = (i + 1) % DSM_SITES_MAX) {
        struct dsm_site *site = &s->slot[i];
        bool fresh = site->faults == 0;
        if (!fresh && (site->rip != rip || site->kind != kind))
            continue;
        if (fresh) {
            if (s->used == DSM_SITES_MAX)
                break;
            s->used++;
            site->rip = rip;
            site->kind = (uint8_t)kind;
        }
        site->faults++;
        site->taken += taken;
        site->wait_ns += wait_ns;
        site->addr = addr;
        return;
    }
    s->other_faults++;
}

/* a is reported before b. */
static bool sites_before(const struct dsm_site *a, const struct dsm_site *b)
{
    if (a->wait_ns != b->wait_ns)
        return a->wait_ns > b->wait_ns;
    if (a->faults != b->faults)
        return a->faults > b->faults;
    return a->rip < b->rip || (a->rip == b->rip && a->kind < b->kind);
}

unsigned dsm_sites_top(const struct dsm_sites *s, struct dsm_site *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < DSM_SITES_MAX; i++) {
        const struct dsm_site *site = &s->slot[i];
        if (!site->faults)
            continue;
        /* Insertion into the sorted prefix out[0..n), dropping what falls past max. */
        unsigned at = n;
        while (at > 0 && sites_before(site, &out[at - 1]))
            at--;
        if (at >= max)
            continue;
        unsigned last = n < max ? n : max - 1;
        for (unsigned j = last; j > at; j--)
            out[j] = out[j - 1];
        out[at] = *site;
        if (n < max)
            n++;
    }
    return n;
}

static const char *sites_kind_name(unsigned kind)
{
    static const char *const names[] = { "r", "w", "sr", "sw" };
    return names[kind & (DSM_SITE_WRITE | DSM_SITE_SYSCALL)];
}

size_t dsm_sites_format(const struct dsm_sites *s, unsigned node, unsigned max, char *buf, size_t size)
{
    if (!size)
        return 0;
    buf[0] = '\0';
    int len = fmt_snprintf(buf, size, "dsm-sites node=%u sites=%u faults=%llu other=%llu", node, s->used,
                           (unsigned long long)s->faults, (unsigned long long)s->other_faults);
    if (len < 0 || (size_t)len >= size) {
        buf[0] = '\0';
        return 0;
    }
    struct dsm_site top[DSM_SITES_LINE_MAX];
    unsigned n = dsm_sites_top(s, top, max < DSM_SITES_LINE_MAX ? max : DSM_SITES_LINE_MAX);
    size_t used = (size_t)len;
    for (unsigned i = 0; i < n; i++) {
        int add = fmt_snprintf(buf + used, size - used, " site=0x%llx:%s:%llu:%llu:%llu:0x%llx",
                               (unsigned long long)top[i].rip, sites_kind_name(top[i].kind),
                               (unsigned long long)top[i].faults, (unsigned long long)top[i].taken,
                               (unsigned long long)(top[i].wait_ns / SITES_NS_PER_US),
                               (unsigned long long)top[i].addr);
        if (add < 0 || (size_t)add >= size - used) {
            buf[used] = '\0'; /* only whole sites */
            break;
        }
        used += (size_t)add;
    }
    return used;
}
