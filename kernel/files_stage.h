/* SPDX-License-Identifier: MIT */
/* Messages longer than one file call (POSIX mq_send/mq_receive, SysV msgsnd/msgrcv): both
 * sides. A send crosses in pieces of at most FILES_XFER_MAX bytes, arg2 = offset << 32 |
 * the whole length; the pieces before the last (FILES_CALL_MORE) wait in the sending
 * thread's stage on the table's node until the last one, which runs the call. A receive's
 * answer carries the first bytes; the rest wait in the receiving thread's stage for
 * FILES_OP_RECEIVE_REST calls. A thread has one call at a time, so one stage per thread
 * suffices; the thread's tid rides in the call's arg, in its high half. */
#ifndef KERNEL_FILES_STAGE_H
#define KERNEL_FILES_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/files.h"

/* A staged message's bytes at most: a UDP datagram (FILES_UDP_DGRAM_MAX) after its
 * struct files_sendto_head; mq's msgsize_max (8192) and SysV's MSGMAX (8192) after its
 * 16-byte header are less. A stage holds what its message needs, no more. */
#define FILES_STAGE_MAX (FILES_UDP_DGRAM_MAX + sizeof(struct files_sendto_head))
#define FILES_STAGE_TID_SHIFT 32
#define FILES_STAGE_OFFSET_SHIFT 32
#define FILES_STAGE_LOW_MASK 0xffffffffull

/* ---- the caller's side ---- */

/* The calling thread's tid as the high half of a call's arg. */
uint64_t files_stage_tid_word(void);
/* Runs c (its op, fd and arg set) with the len bytes at msg as its message, in pieces; the
 * last one waits until deadline (0: none). The last piece's result, or the first error. */
int64_t files_call_in_pieces(struct files_call *c, const uint8_t *msg, uint64_t len, uint64_t deadline);
/* Runs the receive c (until deadline, 0: none), whose answer is head_len bytes into head,
 * then the message's first bytes, and gathers the whole message (at most msg_max bytes)
 * into msg, the rest from the calling thread's stage: its length, -errno, or -EIO for an
 * answer the table's node never gives. */
int64_t files_call_receive(const struct files_call *c, uint64_t deadline, void *head, size_t head_len, uint8_t *msg,
                           uint64_t msg_max);
/* files_call_receive into a buffer of its own: *msg (kfree it) holds the message, NULL
 * when the call failed. A message the answer held whole costs no second buffer. */
int64_t files_call_receive_alloc(const struct files_call *c, uint64_t deadline, void *head, size_t head_len,
                                 uint8_t **msg, uint64_t msg_max);

/* ---- the table node's side ---- */

/* A piece of c's message: one before the last goes into the thread's stage (its length,
 * -EINVAL out of order, -ENOMEM); the last answers 0 when it completes the message (the
 * caller then checks, and takes it with files_stage_take), -EINVAL when it does not. */
int64_t files_stage_piece(const struct files_call *c);
/* The first len bytes of the message whose last piece is c (files_stage_piece said 0). */
void files_stage_peek(const struct files_call *c, void *out, size_t len);
/* The message the last piece c completes, into out (its whole length); the stage goes. */
void files_stage_take(const struct files_call *c, uint8_t *out);
/* The message the last piece c completes is not wanted: the stage goes. */
void files_stage_discard(const struct files_call *c);
/* Keeps the len bytes at rest, a received message's bytes after its answer's, in tid's stage
 * for FILES_OP_RECEIVE_REST: 0 or -ENOMEM. */
int64_t files_stage_keep_rest(int32_t tid, const uint8_t *rest, uint32_t len);
/* FILES_OP_RECEIVE_REST (arg = tid, arg2 = offset in the rest, len = room): the next bytes
 * into data; the stage goes with its last bytes. */
int64_t files_stage_rest(const struct files_call *c, void *data, size_t *data_len);

#endif
