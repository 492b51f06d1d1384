/* SPDX-License-Identifier: MIT */
/* prctl(2)'s process-wide settings (PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER,
 * PR_SET_THP_DISABLE), kept with the descriptor table on node 0 so that every node's
 * threads read what any of them set (FILES_OP_PROCESS_ATTR, shipped there like a file call).
 * They change nothing here: there are no core dumps, child processes or huge pages. */
#include "kernel/files.h"
#include "kernel/linux_abi.h"

static uint64_t process_attrs[FILES_PROCESS_ATTR_COUNT] = {
    [FILES_PROCESS_ATTR_DUMPABLE] = 1, /* SUID_DUMP_USER: a process starts dumpable */
};

int64_t process_attr_call(const struct files_call *c)
{
    if (c->arg >= FILES_PROCESS_ATTR_COUNT)
        return -LINUX_EINVAL;
    uint64_t old = process_attrs[c->arg];
    if (c->arg2 & FILES_PROCESS_ATTR_SET)
        process_attrs[c->arg] = c->arg2 & ~FILES_PROCESS_ATTR_SET;
    return (int64_t)old;
}
