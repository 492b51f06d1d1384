/* SPDX-License-Identifier: MIT */
/* dsm_sim: runs the DSM core on simulated nodes from a seed and checks invariants after
 * every event. Usage: dsm_sim [--seed S] [--events E] [--nodes N] [--threads T]
 * [--pages P] [--futexes F] [--loss PCT] [--dup PCT] [--futex-pct PCT] [--resume-delay NS]
 * [--window NS [--adaptive]] [--manager fixed|central|dynamic] [--replicate] [--resume-hold] [--wu-pages N]
 * [--home-stripes SHIFT] [--read-ahead N]
 * [--verbose] [--stats]. Exit 0 and "ok" when clean, 1 with the failing seed otherwise. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim.h"

#define SIM_DRAIN_EVENTS 3000000ull /* events allowed after the budget to come home */
#define SIM_QUIESCE_EVENTS 500000ull

static struct sim_world world;
static bool print_stats;

uint64_t sim_rand(struct sim_world *w)
{
    /* splitmix64 (Steele, Lea, Flood 2014): full period, good enough for workloads. */
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

unsigned sim_rand_below(struct sim_world *w, unsigned bound)
{
    return bound ? (unsigned)(sim_rand(w) % bound) : 0;
}

uint64_t sim_page_number(unsigned index)
{
    return SIM_PAGE_BASE + index;
}

static const char *scheme_name(enum dsm_scheme s)
{
    return s == DSM_SCHEME_CENTRAL ? "central" : s == DSM_SCHEME_DYNAMIC ? "dynamic" : "fixed";
}

static void print_replay(const struct sim_world *w)
{
    const struct sim_config *c = &w->cfg;
    char stripes[32] = "";
    if (c->home_stripes)
        snprintf(stripes, sizeof stripes, " --home-stripes %u", c->home_shift);
    printf("replay: dsm_sim --seed %llu --events %llu --nodes %u --threads %u --pages %u --futexes %u --loss %u "
           "--dup %u --futex-pct %u --resume-delay %u --window %u%s --manager %s%s%s --wu-pages %u%s --read-ahead %u\n",
           (unsigned long long)c->seed, (unsigned long long)c->events, c->nodes, c->threads, c->pages,
           c->futexes, c->loss_pct, c->dup_pct, c->futex_pct, c->resume_delay_ns, c->window_ns,
           c->adaptive ? " --adaptive" : "", scheme_name(c->scheme), c->replicate ? " --replicate" : "",
           c->resume_hold ? " --resume-hold" : "", c->wu_pages, stripes, c->read_ahead);
}

void sim_violation(struct sim_world *w, const char *fmt, ...)
{
    if (w->violations++)
        return; /* the first one is the one to debug */
    va_list ap;
    va_start(ap, fmt);
    printf("VIOLATION seed=%llu event=%llu t=%lluns: ", (unsigned long long)w->cfg.seed,
           (unsigned long long)w->events_run, (unsigned long long)w->now);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    print_replay(w);
}

static void world_init(struct sim_world *w)
{
    const struct sim_config *c = &w->cfg;
    w->rng = c->seed;
    w->links = calloc((size_t)c->nodes * c->nodes, sizeof *w->links);
    w->threads = calloc((size_t)c->nodes * c->threads, sizeof *w->threads);
    w->ready = calloc((size_t)c->nodes * c->threads + 1, sizeof *w->ready);
    w->shadow = calloc((size_t)c->pages * SIM_WORDS, sizeof *w->shadow);
    w->rq_inflight = calloc(c->futexes + 1, sizeof *w->rq_inflight);
    w->rq_done = calloc(c->futexes + 1, sizeof *w->rq_done);
    if (!w->rq_inflight || !w->rq_done || !w->links || !w->threads || !w->ready || !w->shadow)
        abort();
    /* Preloaded and read-only pages start with recognizable data on node 0. */
    unsigned preloaded = c->ro_pages + c->pre_pages;
    for (unsigned p = 0; p < preloaded; p++)
        for (unsigned k = 0; k < SIM_WORDS; k++)
            w->shadow[p * SIM_WORDS + k] = 0x50000000u + p * 64 + k;
    for (unsigned i = 0; i < c->nodes; i++) {
        struct sim_node *sn = &w->nodes[i];
        sn->w = w;
        sn->id = i;
        sn->frames = calloc(c->pages, sizeof *sn->frames);
        if (!sn->frames)
            abort();
        struct dsm_env env;
        sim_env_fill(sn, &env);
        sn->dsm = dsm_node_create(&env, i, c->nodes, c->scheme);
        if (!sn->dsm)
            abort();
        dsm_set_window(sn->dsm, c->window_ns, c->adaptive);
        dsm_set_resume_hold(sn->dsm, c->resume_hold);
        if (dsm_set_read_ahead(sn->dsm, c->read_ahead) != 0) {
            fprintf(stderr, "read-ahead is at most %u pages\n", DSM_READ_AHEAD_MAX);
            exit(2);
        }
        if (c->home_stripes && dsm_set_home_stripes(sn->dsm, sim_page_number(0), c->pages, c->home_shift) != 0) {
            fprintf(stderr, "home stripes need the fixed or dynamic manager\n");
            exit(2);
        }
        if (c->replicate && dsm_set_replication(sn->dsm, true) != 0) {
            fprintf(stderr, "replication needs the fixed or central manager\n");
            exit(2);
        }
        if (c->ro_pages && dsm_region_add(sn->dsm, sim_page_number(0), c->ro_pages,
                                          DSM_REGION_READONLY | DSM_REGION_PRELOADED, 0))
            abort();
        if (c->pre_pages && dsm_region_add(sn->dsm, sim_page_number(c->ro_pages), c->pre_pages,
                                           DSM_REGION_PRELOADED, 0))
            abort();
        if (c->wu_pages && dsm_region_add(sn->dsm, sim_page_number(c->pages - c->wu_pages), c->wu_pages,
                                          DSM_REGION_WRITE_UPDATE, 0)) {
            fprintf(stderr, "write-update pages need the fixed or central manager\n");
            exit(2);
        }
        if (i == 0) {
            for (unsigned p = 0; p < preloaded; p++) {
                sn->frames[p].data = calloc(1, DSM_PAGE_SIZE);
                if (!sn->frames[p].data)
                    abort();
                memcpy(sn->frames[p].data, &w->shadow[p * SIM_WORDS], SIM_WORDS * 4);
                sn->frames[p].prot = p < c->ro_pages ? DSM_PROT_READ : DSM_PROT_WRITE;
            }
        }
        for (unsigned t = 0; t < c->threads; t++) {
            struct sim_thread *th = &w->threads[i * c->threads + t];
            th->node = i;
            th->index = t;
        }
    }
}

static void world_free(struct sim_world *w)
{
    for (unsigned i = 0; i < w->cfg.nodes; i++) {
        dsm_node_destroy(w->nodes[i].dsm);
        for (unsigned p = 0; p < w->cfg.pages; p++)
            free(w->nodes[i].frames[p].data);
        free(w->nodes[i].frames);
    }
    sim_net_free(w);
    free(w->links);
    free(w->threads);
    free(w->ready);
    free(w->shadow);
    free(w->rq_inflight);
    free(w->rq_done);
}

static bool all_idle(struct sim_world *w)
{
    for (unsigned i = 0; i < w->cfg.nodes; i++)
        if (!dsm_is_idle(w->nodes[i].dsm))
            return false;
    return sim_net_quiet(w);
}

static void quiesce_all(struct sim_world *w, bool on)
{
    for (unsigned i = 0; i < w->cfg.nodes; i++)
        dsm_quiesce(w->nodes[i].dsm, on);
    sim_work_run_ready(w);
}

static void world_run(struct sim_world *w)
{
    const struct sim_config *c = &w->cfg;
    uint64_t quiesce_at = c->events / 2, quiesce_since = 0;
    bool quiescing = false;
    struct sim_event ev;
    sim_work_start(w);
    while (!w->violations) {
        if (!sim_event_pop(w, &ev)) {
            sim_violation(w, "nothing left to happen before every thread finished");
            break;
        }
        w->now = ev.time;
        w->events_run++;
        if (ev.kind == SIM_EV_THREAD) {
            sim_work_thread_event(w, ev.arg);
        } else if (ev.kind == SIM_EV_TIMER) {
            struct sim_node *sn = &w->nodes[ev.src];
            if (sn->timer_deadline && sn->timer_deadline <= w->now) {
                sn->timer_deadline = 0;
                dsm_timer_expired(sn->dsm);
                sim_work_run_ready(w);
            }
        } else {
            sim_net_event(w, &ev);
        }
        sim_check_all(w);
        sim_work_check_doomed(w);
        if (w->events_run % 1024 == 0)
            sim_work_check_liveness(w);
        if (!quiescing && quiesce_at && w->events_run == quiesce_at) {
            quiescing = true;
            quiesce_since = w->events_run;
            quiesce_all(w, true);
        } else if (quiescing && all_idle(w)) {
            sim_check_replicas(w);
            quiescing = false;
            quiesce_at = 0;
            quiesce_all(w, false);
        } else if (quiescing && w->events_run - quiesce_since > SIM_QUIESCE_EVENTS) {
            sim_violation(w, "quiesce did not reach idle in %llu events", SIM_QUIESCE_EVENTS);
        }
        if (w->events_run >= c->events && !quiescing)
            w->draining = true;
        if (w->draining) {
            sim_work_close(w);
            if (sim_work_finished(w) && sim_net_quiet(w))
                break;
            if (w->events_run > c->events + SIM_DRAIN_EVENTS) {
                sim_violation(w, "threads did not finish after the event budget");
                sim_check_end(w);
            }
        }
    }
    if (!w->violations)
        sim_check_end(w);
}

static void usage(void)
{
    fprintf(stderr, "usage: dsm_sim [--seed S] [--events E] [--nodes N] [--threads T] [--pages P] "
                    "[--futexes F] [--loss PCT] [--dup PCT] [--futex-pct PCT] [--resume-delay NS] "
                    "[--window NS [--adaptive]] [--manager fixed|central|dynamic] [--replicate] [--resume-hold] [--wu-pages N] "
                    "[--home-stripes SHIFT] [--read-ahead N] [--verbose] [--stats]\n");
    exit(2);
}

static unsigned long long arg_num(const char *s, unsigned long long max)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*s == 0 || *end != 0 || v > max)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    struct sim_config *c = &world.cfg;
    *c = (struct sim_config){ .seed = 1, .events = 100000, .nodes = 16, .threads = 3, .pages = 24,
                              .futexes = 4, .ro_pages = 2, .pre_pages = 2, .loss_pct = 5, .dup_pct = 3, .futex_pct = 24,
                              .scheme = DSM_SCHEME_FIXED };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--verbose")) { c->verbose = true; continue; }
        if (!strcmp(a, "--stats")) { print_stats = true; continue; }
        if (!strcmp(a, "--adaptive")) { c->adaptive = true; continue; }
        if (!strcmp(a, "--replicate")) { c->replicate = true; continue; }
        if (!strcmp(a, "--resume-hold")) { c->resume_hold = true; continue; }
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--wu-pages")) c->wu_pages = (unsigned)arg_num(v, 4096);
        else if (!strcmp(a, "--read-ahead")) c->read_ahead = (unsigned)arg_num(v, DSM_READ_AHEAD_MAX);
        else if (!strcmp(a, "--home-stripes")) c->home_shift = (unsigned)arg_num(v, 12), c->home_stripes = true;
        else if (!strcmp(a, "--seed")) c->seed = arg_num(v, UINT64_MAX);
        else if (!strcmp(a, "--events")) c->events = arg_num(v, 1ull << 40);
        else if (!strcmp(a, "--nodes")) c->nodes = (unsigned)arg_num(v, SIM_MAX_NODES);
        else if (!strcmp(a, "--threads")) c->threads = (unsigned)arg_num(v, 64);
        else if (!strcmp(a, "--pages")) c->pages = (unsigned)arg_num(v, 4096);
        else if (!strcmp(a, "--futexes")) c->futexes = (unsigned)arg_num(v, 64);
        else if (!strcmp(a, "--loss")) c->loss_pct = (unsigned)arg_num(v, 50);
        else if (!strcmp(a, "--dup")) c->dup_pct = (unsigned)arg_num(v, 50);
        else if (!strcmp(a, "--futex-pct")) c->futex_pct = (unsigned)arg_num(v, 100);
        else if (!strcmp(a, "--resume-delay")) c->resume_delay_ns = (unsigned)arg_num(v, 100000000);
        else if (!strcmp(a, "--window")) c->window_ns = (unsigned)arg_num(v, 100000000);
        else if (!strcmp(a, "--manager") && !strcmp(v, "fixed")) c->scheme = DSM_SCHEME_FIXED;
        else if (!strcmp(a, "--manager") && !strcmp(v, "central")) c->scheme = DSM_SCHEME_CENTRAL;
        else if (!strcmp(a, "--manager") && !strcmp(v, "dynamic")) c->scheme = DSM_SCHEME_DYNAMIC;
        else usage();
    }
    if (c->nodes < 2 || c->threads < 1 || c->pages < c->ro_pages + c->pre_pages + 1 ||
        c->futexes > c->pages - c->ro_pages ||
        (c->wu_pages && c->pages - c->ro_pages < c->wu_pages + (c->futexes > c->pre_pages ? c->futexes : c->pre_pages)))
        usage();
    world_init(&world);
    world_run(&world);
    uint64_t ops = 0;
    for (int i = 0; i < SIM_OP_COUNT; i++)
        ops += world.ops_done[i];
    if (print_stats) {
        char line[512];
        for (unsigned i = 0; i < c->nodes; i++) {
            dsm_stats_format(dsm_node_stats(world.nodes[i].dsm), i, line, sizeof line);
            printf("%s\n", line);
            uint64_t hot[3];
            uint32_t counts[3];
            unsigned nhot = dsm_hot_pages(world.nodes[i].dsm, hot, counts, 3);
            for (unsigned k = 0; k < nhot && k < 3; k++)
                printf("  hot page %llx ping-pong %u\n", (unsigned long long)hot[k], counts[k]);
        }
    }
    /* Cost per page fault over the whole cluster (issue 6 compare table). */
    struct dsm_stats sum;
    memset(&sum, 0, sizeof sum);
    for (unsigned i = 0; i < c->nodes; i++)
        dsm_stats_add(&sum, dsm_node_stats(world.nodes[i].dsm));
    uint64_t msgs_x100, fwd_x100;
    dsm_stats_per_fault(&sum, &msgs_x100, &fwd_x100);
    printf("%s seed=%llu nodes=%u manager=%s events=%llu ops=%llu (r %llu w %llu fadd %llu wait %llu wake %llu "
           "requeue %llu) pkts=%llu lost=%llu dup=%llu simtime=%lluus faults=%llu msgs/fault=%llu.%02llu "
           "fwd/fault=%llu.%02llu violations=%llu\n",
           world.violations ? "FAIL" : "ok", (unsigned long long)c->seed, c->nodes,
           dsm_scheme_name(world.nodes[0].dsm),
           (unsigned long long)world.events_run, (unsigned long long)ops,
           (unsigned long long)world.ops_done[SIM_OP_READ], (unsigned long long)world.ops_done[SIM_OP_WRITE],
           (unsigned long long)world.ops_done[SIM_OP_FADD], (unsigned long long)world.ops_done[SIM_OP_WAIT],
           (unsigned long long)world.ops_done[SIM_OP_WAKE], (unsigned long long)world.ops_done[SIM_OP_REQUEUE],
           (unsigned long long)world.pkts_sent, (unsigned long long)world.pkts_lost,
           (unsigned long long)world.pkts_dup, (unsigned long long)(world.now / 1000),
           (unsigned long long)(sum.read_faults + sum.write_faults), (unsigned long long)(msgs_x100 / 100),
           (unsigned long long)(msgs_x100 % 100), (unsigned long long)(fwd_x100 / 100),
           (unsigned long long)(fwd_x100 % 100), (unsigned long long)world.violations);
    bool failed = world.violations != 0;
    world_free(&world);
    return failed ? 1 : 0;
}
