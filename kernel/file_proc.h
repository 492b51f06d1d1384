/* SPDX-License-Identifier: MIT */
/* The part of Linux's /proc (proc(5)) that programs read about themselves and the machine:
 * /proc/cpuinfo, /proc/meminfo, /proc/uptime, and the program's own directory /proc/1 (its
 * pid; /proc/self links there) with exe, cmdline, comm, status, maps, stat and statm, fd
 * (kernel/files_proc_fd.c: the descriptor table, listed at each call) and task
 * (kernel/files_proc_task.c: the thread list, the same way, each thread's comm, stat and
 * status made here). The counts of stat, statm and status (CPU time, resident pages) are
 * node 0's, the thread count and names the thread list's (kernel/thread_names.h). The files live in
 * kernel/file_store.c as generated nodes; each open makes the text anew into a file of its
 * own (kernel/files_path.c), so a reader sees one consistent snapshot, as Linux's seq files
 * give; opening one for writing is EACCES (Linux lets root open it and fails the write),
 * but for comm, whose writes name the thread.
 * The program's ELF file is in the store too, read-only under /bin by its name, where
 * /proc/self/exe points. Node 0 only
 * (the descriptor table's node); the region table it lists is every node's
 * (kernel/dsm_control.c keeps them equal). */
#ifndef KERNEL_FILE_PROC_H
#define KERNEL_FILE_PROC_H

#include <stdint.h>

#include "kernel/multiboot.h"

struct file_node;

enum file_proc_kind {
    FILE_PROC_NONE = 0,
    FILE_PROC_CPUINFO,
    FILE_PROC_MEMINFO,
    FILE_PROC_UPTIME,
    FILE_PROC_CMDLINE,
    FILE_PROC_COMM,
    FILE_PROC_STATUS,
    FILE_PROC_MAPS,
    FILE_PROC_STAT,
    FILE_PROC_STATM,
};

/* Makes /proc and its files for the program (module 0 of info, run with argv). */
void file_proc_add(const struct boot_info *info, int argc, char *const argv[]);
/* Writes kind's text as of now into out (an empty file): 0 or a negative errno. tid: the
 * thread whose comm, stat or status it is (THREAD_FIRST_TID: the process's). */
int64_t file_proc_generate(unsigned kind, int32_t tid, struct file_node *out);

#endif
