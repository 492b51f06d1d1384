/* SPDX-License-Identifier: MIT */
/* Split virtqueue (virtio 1.2 section 2.7): the descriptor table, the available ring
 * (driver writes, device reads) and the used ring (device writes, driver reads) in DMA
 * memory, laid out with the legacy alignment (used ring on its own page, section 2.7 and
 * 4.1.5.1.3.2) so one layout serves both PCI transports. Portable: knows nothing of PCI;
 * the transport rings the doorbell. Single-buffer chains only; no indirect descriptors,
 * no event index (VIRTIO_F_EVENT_IDX is never acknowledged). */
#ifndef DRIVERS_VIRTQ_H
#define DRIVERS_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 256      /* QEMU's default queue size; legacy devices fix it */
#define VIRTQ_LEGACY_ALIGN 4096 /* virtio 1.2 4.1.5.1.3.2: used ring alignment, legacy */

/* Descriptor flags (virtio 1.2 2.7.5). */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u /* device writes the buffer (receive) */
/* Available ring flags: driver asks for no interrupts (2.7.7). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
/* Used ring flags: device asks for no notifications (2.7.10). */
#define VIRTQ_USED_F_NO_NOTIFY 1u

struct virtq_desc {
    uint64_t addr;  /* guest-physical buffer address */
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtio 1.2 2.7.5");

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;    /* free-running: where the driver puts the next entry (mod size) */
    uint16_t ring[]; /* heads of descriptor chains */
};
_Static_assert(sizeof(struct virtq_avail) == 4, "virtio 1.2 2.7.6");

struct virtq_used_elem {
    uint32_t id;  /* head of the chain the device finished */
    uint32_t len; /* bytes the device wrote into it */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtio 1.2 2.7.8");

struct virtq_used {
    uint16_t flags;
    uint16_t idx; /* free-running: entries the device has completed */
    struct virtq_used_elem ring[];
};
_Static_assert(sizeof(struct virtq_used) == 4, "virtio 1.2 2.7.8");

struct virtq {
    uint16_t size;                   /* descriptors; a power of two <= VIRTQ_MAX_SIZE */
    struct virtq_desc *desc;         /* driver writes */
    struct virtq_avail *avail;       /* driver writes, device reads */
    volatile struct virtq_used *used; /* device writes, driver reads */
    uint64_t desc_phys, avail_phys, used_phys;
    uint16_t free_head;              /* first free descriptor; free ones are linked by .next */
    uint16_t num_free;
    uint16_t last_used;              /* next used entry to consume (free-running) */
    uint64_t bad_used;               /* used entries naming a descriptor not in flight */
    void *token[VIRTQ_MAX_SIZE];     /* caller's cookie per in-flight head; NULL = free */
};

/* Bytes of DMA memory a queue of `size` needs (rings included, legacy alignment). */
size_t virtq_ring_bytes(uint16_t size);
/* Lays the queue out in mem (virtq_ring_bytes long, VIRTQ_LEGACY_ALIGN-aligned, physical
 * address mem_phys) and zeroes it. Returns false if size is not a power of two in range. */
bool virtq_init(struct virtq *vq, uint16_t size, void *mem, uint64_t mem_phys);
/* Publishes one buffer to the device; token (non-NULL) comes back from virtq_get_used.
 * Returns false when no descriptor is free. The caller then decides on a notification. */
bool virtq_add_buf(struct virtq *vq, uint64_t phys, uint32_t len, bool device_writes, void *token);
/* True if the device wants to be told about new buffers (checked after publishing). */
bool virtq_kick_needed(struct virtq *vq);
/* Takes the next completed buffer: returns its token and the written length, or NULL if
 * none is waiting (or the device named a descriptor not in flight: counted in bad_used). */
void *virtq_get_used(struct virtq *vq, uint32_t *len);
/* True if the device has completed buffers not yet taken. */
bool virtq_has_used(struct virtq *vq);
/* Asks the device to interrupt (true) or not (false) when it uses buffers. Enabling
 * returns true if buffers completed meanwhile, so the caller polls again instead of waiting. */
bool virtq_set_interrupts(struct virtq *vq, bool enabled);

#endif
