/* SPDX-License-Identifier: MIT */
/* Host tests for the split virtqueue (drivers/virtq.c) against a simulated device that
 * consumes the available ring and fills the used ring as virtio 1.2 2.7 describes. */
#include <stdlib.h>

#include "drivers/virtq.h"
#include "tests/host/check.h"

struct fake_device {
    uint16_t seen_avail; /* next available entry the device will take */
};

static void *virtq_test_mem(uint16_t size)
{
    void *mem = aligned_alloc(VIRTQ_LEGACY_ALIGN, virtq_ring_bytes(size));
    return mem;
}

/* The device takes the next available buffer and completes it with `written` bytes. */
static bool fake_device_complete(struct virtq *vq, struct fake_device *dev, uint32_t written)
{
    if (dev->seen_avail == vq->avail->idx)
        return false;
    uint16_t head = vq->avail->ring[dev->seen_avail & (vq->size - 1)];
    dev->seen_avail++;
    uint16_t u = vq->used->idx;
    vq->used->ring[u & (vq->size - 1)].id = head;
    vq->used->ring[u & (vq->size - 1)].len = written;
    vq->used->idx = (uint16_t)(u + 1);
    return true;
}

TEST(virtq_layout_legacy_alignment)
{
    CHECK_EQ(virtq_ring_bytes(256), 3 * 4096);
    void *mem = virtq_test_mem(256);
    struct virtq vq;
    CHECK(virtq_init(&vq, 256, mem, 0x100000));
    CHECK_EQ(vq.avail_phys, 0x100000 + 16 * 256);
    CHECK_EQ(vq.used_phys % VIRTQ_LEGACY_ALIGN, 0);
    CHECK_EQ(vq.used_phys, 0x100000 + 2 * 4096);
    CHECK(!virtq_init(&vq, 100, mem, 0x100000));
    CHECK(!virtq_init(&vq, 512, mem, 0x100000));
    free(mem);
}

TEST(virtq_fill_until_full_and_complete)
{
    void *mem = virtq_test_mem(8);
    struct virtq vq;
    struct fake_device dev = {0};
    int tokens[9];
    CHECK(virtq_init(&vq, 8, mem, 0x200000));
    for (int i = 0; i < 8; i++)
        CHECK(virtq_add_buf(&vq, 0x1000u * (unsigned)i, 100, true, &tokens[i]));
    CHECK(!virtq_add_buf(&vq, 0x9000, 100, true, &tokens[8]));
    CHECK(vq.desc[vq.avail->ring[3]].flags == VIRTQ_DESC_F_WRITE);
    CHECK(virtq_get_used(&vq, NULL) == NULL);
    CHECK(fake_device_complete(&vq, &dev, 42));
    uint32_t len = 0;
    CHECK(virtq_get_used(&vq, &len) == &tokens[0]);
    CHECK_EQ(len, 42);
    CHECK(virtq_add_buf(&vq, 0x9000, 100, false, &tokens[8]));
    CHECK_EQ(vq.num_free, 0);
    free(mem);
}

TEST(virtq_indices_wrap_past_16_bits)
{
    void *mem = virtq_test_mem(4);
    struct virtq vq;
    struct fake_device dev = {0};
    int token = 0;
    CHECK(virtq_init(&vq, 4, mem, 0x300000));
    for (unsigned i = 0; i < 70000; i++) {
        if (!virtq_add_buf(&vq, 0x5000, (uint32_t)i, i & 1, &token))
            break;
        fake_device_complete(&vq, &dev, i & 0xffff);
        uint32_t len = 0;
        if (virtq_get_used(&vq, &len) != &token || len != (i & 0xffff)) {
            CHECK(false);
            break;
        }
    }
    CHECK_EQ(vq.num_free, 4);
    CHECK_EQ(vq.bad_used, 0);
    free(mem);
}

TEST(virtq_bogus_used_entry_is_counted_not_trusted)
{
    void *mem = virtq_test_mem(4);
    struct virtq vq;
    int token = 0;
    CHECK(virtq_init(&vq, 4, mem, 0x300000));
    CHECK(virtq_add_buf(&vq, 0x5000, 64, true, &token));
    /* The device names a head out of range, then one that is not in flight. */
    vq.used->ring[0].id = 99;
    vq.used->ring[1].id = 3;
    vq.used->idx = 2;
    CHECK(virtq_get_used(&vq, NULL) == NULL);
    CHECK_EQ(vq.bad_used, 2);
    CHECK_EQ(vq.num_free, 3);
    free(mem);
}

TEST(virtq_interrupt_flag_and_kick)
{
    void *mem = virtq_test_mem(4);
    struct virtq vq;
    struct fake_device dev = {0};
    int token = 0;
    CHECK(virtq_init(&vq, 4, mem, 0x300000));
    CHECK(!virtq_set_interrupts(&vq, false));
    CHECK_EQ(vq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
    CHECK(virtq_add_buf(&vq, 0x5000, 64, true, &token));
    CHECK(virtq_kick_needed(&vq));
    vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    CHECK(!virtq_kick_needed(&vq));
    fake_device_complete(&vq, &dev, 1);
    CHECK(virtq_set_interrupts(&vq, true)); /* work arrived while interrupts were off */
    CHECK_EQ(vq.avail->flags, 0);
    free(mem);
}
