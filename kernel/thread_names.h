/* SPDX-License-Identifier: MIT */
/* The program's live threads and their names (prctl PR_SET_NAME, /proc/1/task/N/comm), one
 * list kept with the descriptor table (node 0 of a cluster), so that every node lists the
 * same threads and reads and sets the same name for a thread wherever it runs or moves
 * (FILES_OP_THREAD, shipped there like a file call). It is the only copy of a name: a thread
 * asks it for its own (PR_GET_NAME). Each change is reported by the node where it happens,
 * in the thread that makes it, before anyone can see its effect: a creator lists its child
 * before the child exists (named as the creator is, as clone(2) copies comm), a thread takes
 * itself off before its exit wakes its joiner; a move changes nothing here. */
#ifndef KERNEL_THREAD_NAMES_H
#define KERNEL_THREAD_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/thread.h"
#include "net/net_defs.h"

struct files_call;

/* ---- from any node, in the thread making the change (may park) ---- */

/* Lists thread tid, named as thread creator is: 0, -EAGAIN (the list is full) or -EIO. */
long thread_names_born(int32_t tid, int32_t creator);
/* Takes thread tid off the list (a failure is logged: it stays listed). */
void thread_names_gone(int32_t tid);
/* Names thread tid with name's first THREAD_COMM_LEN - 1 bytes, up to its NUL: 0 or -errno. */
long thread_names_set(int32_t tid, const char *name);
/* Thread tid's name into name (NUL-padded): 0, -ESRCH (not listed) or -EIO. */
long thread_names_get(int32_t tid, char name[THREAD_COMM_LEN]);

/* ---- on the table's node ---- */

/* Lists the program's first thread tid by name (program start): false if the list is full. */
bool thread_names_add_first(int32_t tid, const char *name);
/* FILES_OP_THREAD (kernel/files.h): 0 or -errno; GET_NAME's name into data. */
int64_t thread_names_execute(const struct files_call *c, void *data, size_t *data_len);
/* Thread tid's name into name: false if it is not listed. */
bool thread_names_lookup(int32_t tid, char name[THREAD_COMM_LEN]);
/* Names listed thread tid with len bytes of bytes (the first THREAD_COMM_LEN - 1, up to a
 * NUL), as a write to its comm file does: false if it is not listed. */
bool thread_names_rename(int32_t tid, const void *bytes, size_t len);
/* The first list position >= from that holds a thread (its tid into *tid), or
 * THREAD_NAMES_END: a walk visits p = thread_names_next(0, &tid); p < THREAD_NAMES_END;
 * p = thread_names_next(p + 1, &tid). Positions stay put while the list does not change. */
size_t thread_names_next(size_t from, int32_t *tid);
/* Threads listed now. */
int thread_names_count(void);

/* Positions of the list: room for every node's threads at once. */
#define THREAD_NAMES_END ((size_t)THREAD_MAX * NET_MAX_NODES)

#endif
