/* SPDX-License-Identifier: MIT */
/* Split virtqueue ring protocol (virtio 1.2 sections 2.7.13 driver side, 2.7.14 used ring).
 * Portable: the barriers are C11 fences (on x86 release/acquire fences only stop the
 * compiler, since stores stay ordered with stores and loads with loads; the store-then-load
 * checks need a full fence). No indirect descriptors, no event index, one buffer per chain. */
#include "drivers/virtq.h"

#include "kernel/libc.h"

static size_t virtq_align_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

static size_t virtq_avail_end(uint16_t size)
{
    /* desc[size], then avail: flags, idx, ring[size], used_event (2.7.6). */
    return sizeof(struct virtq_desc) * size + sizeof(struct virtq_avail) + sizeof(uint16_t) * (size + 1u);
}

size_t virtq_ring_bytes(uint16_t size)
{
    size_t used = sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) * size + sizeof(uint16_t);
    return virtq_align_up(virtq_avail_end(size), VIRTQ_LEGACY_ALIGN) + virtq_align_up(used, VIRTQ_LEGACY_ALIGN);
}

bool virtq_init(struct virtq *vq, uint16_t size, void *mem, uint64_t mem_phys)
{
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) != 0)
        return false;
    memset(vq, 0, sizeof *vq);
    memset(mem, 0, virtq_ring_bytes(size));
    size_t avail_off = sizeof(struct virtq_desc) * size;
    size_t used_off = virtq_align_up(virtq_avail_end(size), VIRTQ_LEGACY_ALIGN);
    vq->size = size;
    vq->desc = mem;
    vq->avail = (struct virtq_avail *)((uint8_t *)mem + avail_off);
    vq->used = (volatile struct virtq_used *)((uint8_t *)mem + used_off);
    vq->desc_phys = mem_phys;
    vq->avail_phys = mem_phys + avail_off;
    vq->used_phys = mem_phys + used_off;
    for (uint16_t i = 0; i < size; i++)
        vq->desc[i].next = (uint16_t)(i + 1);
    vq->free_head = 0;
    vq->num_free = size;
    return true;
}

bool virtq_add_buf(struct virtq *vq, uint64_t phys, uint32_t len, bool device_writes, void *token)
{
    if (vq->num_free == 0 || token == NULL)
        return false;
    uint16_t head = vq->free_head;
    struct virtq_desc *d = &vq->desc[head];
    vq->free_head = d->next;
    vq->num_free--;
    d->addr = phys;
    d->len = len;
    d->flags = device_writes ? VIRTQ_DESC_F_WRITE : 0;
    d->next = 0;
    vq->token[head] = token;

    uint16_t idx = vq->avail->idx;
    vq->avail->ring[idx & (vq->size - 1)] = head;
    /* The descriptor and the ring entry must be visible before the index that hands them
     * to the device (2.7.13.2): release ordering for the idx store. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&vq->avail->idx, (uint16_t)(idx + 1), __ATOMIC_RELAXED);
    return true;
}

bool virtq_kick_needed(struct virtq *vq)
{
    /* The idx store must be globally visible before we read the device's flag, or both
     * sides could miss each other (2.7.13.4): a store-load ordering, hence a full fence. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return (vq->used->flags & VIRTQ_USED_F_NO_NOTIFY) == 0;
}

bool virtq_has_used(struct virtq *vq)
{
    return vq->used->idx != vq->last_used;
}

void *virtq_get_used(struct virtq *vq, uint32_t *len)
{
    while (vq->used->idx != vq->last_used) {
        /* Read the device's index before the entry it covers (2.7.14): acquire ordering. */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        uint16_t slot = vq->last_used & (vq->size - 1);
        uint32_t id = vq->used->ring[slot].id;
        uint32_t written = vq->used->ring[slot].len;
        vq->last_used++;
        if (id >= vq->size || vq->token[id] == NULL) {
            vq->bad_used++; /* a confused device: skip the entry, keep our free list intact */
            continue;
        }
        void *token = vq->token[id];
        vq->token[id] = NULL;
        vq->desc[id].next = vq->free_head;
        vq->free_head = (uint16_t)id;
        vq->num_free++;
        if (len)
            *len = written;
        return token;
    }
    return NULL;
}

bool virtq_set_interrupts(struct virtq *vq, bool enabled)
{
    if (!enabled) {
        vq->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
        return false;
    }
    vq->avail->flags = 0;
    /* A buffer used between our last look and the flag store raised no interrupt: look
     * again after the store is visible (store-load, full fence). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return virtq_has_used(vq);
}
