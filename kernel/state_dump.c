/* SPDX-License-Identifier: MIT */
/* An NMI is the one interrupt a hung node still takes whatever it is doing (halted with
 * IF=0 in a wait, or looping in the kernel), so it carries the request for a dump. The
 * dump only reads and logs; an NMI that lands inside a log call may garble that line. */
#include "kernel/state_dump.h"

#include <arch/trap.h>

#include "kernel/dsm_glue.h"
#include "kernel/log.h"
#include "kernel/net_glue.h"
#include "kernel/sched.h"
#include "kernel/timer.h"

static unsigned long long state_dumps;

static bool state_dump_nmi(struct trap_frame *frame)
{
    state_dumps++;
    log_info("dump: begin (request %llu, interrupted %s code at 0x%llx)", state_dumps,
             trap_from_user(frame) ? "user" : "kernel", (unsigned long long)frame->rip);
    sched_dump();
    timer_dump();
    dsm_glue_dump();
    net_glue_dump();
    log_info("dump: end");
    return true;
}

void state_dump_init(void)
{
    trap_set_handler(TRAP_NMI, state_dump_nmi);
}
