/* SPDX-License-Identifier: MIT */
/* virtio-net driver (virtio 1.2 5.1): acknowledges only MAC, VERSION_1 on the modern
 * transport and MTU when offered, so the header is 10 bytes on legacy and 12 on modern
 * (5.1.6) and every frame fits one buffer. Receive buffers are sized for the MTU, since
 * without MRG_RXBUF a device drops a frame larger than the buffer (5.1.6.3.1). Transmit
 * copies into a per-slot buffer. Receive interrupts by MSI-X when offered, else INTx.
 * No checksum offload, no GSO, no control queue. */
#include "drivers/virtio_net.h"

#include "drivers/dma.h"
#include "drivers/virtio_pci.h"
#include "drivers/virtio_regs.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/log.h"

#define VIRTIO_NET_RX_BUFFERS 128 /* posted receive buffers (the queue may be larger) */
#define VIRTIO_NET_TX_SLOTS_MAX 256        /* transmit buffers in flight at most */
#define VIRTIO_NET_TX_MEMORY (1u << 20)    /* DMA bytes for transmit buffers: 256 at MTU 1500 */
#define VIRTIO_NET_TX_SLOTS_MIN 32
#define VIRTIO_NET_BUF_ALIGN 64   /* cache line */
#define VIRTIO_NET_VLAN_ROOM 4    /* an 802.1Q tag a peer might add: still fits the buffer */

struct virtio_net {
    struct netdev dev;
    struct virtio_pci vp;
    struct virtq rx, tx;
    uint64_t features;            /* acknowledged */
    uint32_t hdr_len;             /* VIRTIO_NET_HDR_LEN_LEGACY or _MODERN */
    uint32_t buf_size;            /* header + largest frame, rounded up */
    uint8_t *rx_bufs, *tx_bufs;   /* VIRTIO_NET_RX_BUFFERS / tx_slots buffers of buf_size */
    uint64_t rx_phys, tx_phys;
    uint16_t tx_free[VIRTIO_NET_TX_SLOTS_MAX]; /* stack of free transmit slots */
    uint16_t tx_free_count;
    uint16_t tx_slots;            /* transmit buffers: as many as VIRTIO_NET_TX_MEMORY holds */
    bool tx_unkicked;             /* buffers were added since the last notify decision */
    int msix_vector;              /* CPU vector of the receive queue's MSI-X message, or -1 (INTx) */
    bool up;
};

static struct virtio_net virtio_net_dev;

bool virtio_net_matches(const struct pci_device *pci)
{
    if (pci->vendor_id != VIRTIO_PCI_VENDOR)
        return false;
    if (pci->device_id == VIRTIO_PCI_DEVICE_NET_MODERN)
        return true;
    return pci->device_id == VIRTIO_PCI_DEVICE_NET_TRANSITIONAL && pci->subsys_id == VIRTIO_PCI_SUBSYS_NET;
}

static uint8_t *virtio_net_rx_buf(struct virtio_net *vn, unsigned i)
{
    return vn->rx_bufs + (size_t)i * vn->buf_size;
}

static bool virtio_net_post_rx(struct virtio_net *vn, uint8_t *buf)
{
    uint64_t phys = vn->rx_phys + (uint64_t)(buf - vn->rx_bufs);
    return virtq_add_buf(&vn->rx, phys, vn->buf_size, true, buf);
}

/* Takes back transmit buffers the device has finished with. */
static void virtio_net_tx_reclaim(struct virtio_net *vn)
{
    uint8_t *buf;
    while ((buf = virtq_get_used(&vn->tx, NULL)) != NULL)
        vn->tx_free[vn->tx_free_count++] = (uint16_t)((size_t)(buf - vn->tx_bufs) / vn->buf_size);
}

/* Notifies the device of added transmit buffers unless it asked not to be (2.7.7). */
static void virtio_net_tx_kick(struct virtio_net *vn)
{
    if (!vn->tx_unkicked)
        return;
    vn->tx_unkicked = false;
    if (virtq_kick_needed(&vn->tx))
        virtio_pci_notify(&vn->vp, VIRTIO_NET_QUEUE_TX);
}

static int virtio_net_tx(struct netdev *dev, const void *frame, size_t len, bool more)
{
    struct virtio_net *vn = dev->priv;
    if (len > (size_t)dev->mtu + NETDEV_ETH_HEADER_LEN || len < NETDEV_ETH_HEADER_LEN) {
        virtio_net_tx_kick(vn); /* a refused frame ends the burst */
        dev->stats.tx_bad_length++;
        return NETDEV_TX_BAD_LENGTH;
    }
    virtio_net_tx_reclaim(vn);
    if (vn->tx_free_count == 0) {
        virtio_net_tx_kick(vn);
        dev->stats.tx_busy++;
        return NETDEV_TX_BUSY;
    }
    uint16_t slot = vn->tx_free[--vn->tx_free_count];
    uint8_t *buf = vn->tx_bufs + (size_t)slot * vn->buf_size;
    memset(buf, 0, vn->hdr_len); /* no offloads requested: an all-zero header (5.1.6.2) */
    memcpy(buf + vn->hdr_len, frame, len);
    uint64_t phys = vn->tx_phys + (size_t)slot * vn->buf_size;
    if (!virtq_add_buf(&vn->tx, phys, (uint32_t)(vn->hdr_len + len), false, buf)) {
        vn->tx_free[vn->tx_free_count++] = slot; /* cannot happen: slots <= queue size */
        virtio_net_tx_kick(vn);
        dev->stats.tx_busy++;
        return NETDEV_TX_BUSY;
    }
    vn->tx_unkicked = true;
    if (!more)
        virtio_net_tx_kick(vn);
    dev->stats.tx_frames++;
    dev->stats.tx_bytes += len;
    return NETDEV_TX_OK;
}

static unsigned virtio_net_rx_poll(struct netdev *dev, unsigned budget, netdev_deliver_fn deliver, void *ctx)
{
    struct virtio_net *vn = dev->priv;
    unsigned done = 0;
    bool reposted = false;
    dev->irq_pending = false;
    virtio_net_tx_reclaim(vn);
    while (done < budget) {
        uint32_t len = 0;
        uint8_t *buf = virtq_get_used(&vn->rx, &len);
        if (!buf)
            break;
        done++;
        if (len < vn->hdr_len + NETDEV_ETH_HEADER_LEN || len > vn->buf_size) {
            dev->stats.rx_errors++;
        } else {
            dev->stats.rx_frames++;
            dev->stats.rx_bytes += len - vn->hdr_len;
            deliver(ctx, buf + vn->hdr_len, len - vn->hdr_len);
        }
        reposted |= virtio_net_post_rx(vn, buf);
    }
    if (reposted && virtq_kick_needed(&vn->rx))
        virtio_pci_notify(&vn->vp, VIRTIO_NET_QUEUE_RX);
    return done;
}

static void virtio_net_irq_enable(struct netdev *dev)
{
    struct virtio_net *vn = dev->priv;
    if (virtq_set_interrupts(&vn->rx, true))
        dev->irq_pending = true; /* frames arrived while interrupts were off: poll again */
}

static void virtio_net_irq_disable(struct netdev *dev)
{
    struct virtio_net *vn = dev->priv;
    virtq_set_interrupts(&vn->rx, false);
}

/* The interrupt handler: reading the ISR acknowledges the device and deasserts INTx
 * (virtio 1.2 4.1.4.5); the ring work is the poll's. */
static void virtio_net_irq(void *ctx)
{
    struct virtio_net *vn = ctx;
    if (!virtio_pci_read_isr(&vn->vp))
        return; /* a shared line raised by someone else */
    vn->dev.stats.irqs++;
    vn->dev.irq_pending = true;
    if (vn->dev.irq_notify)
        vn->dev.irq_notify(vn->dev.irq_notify_ctx);
}

/* The MSI-X handler: the message names the receive queue, so there is nothing to read. */
static void virtio_net_msix_irq(void *ctx)
{
    struct virtio_net *vn = ctx;
    vn->dev.stats.irqs++;
    vn->dev.irq_pending = true;
    if (vn->dev.irq_notify)
        vn->dev.irq_notify(vn->dev.irq_notify_ctx);
}

/* Gives the receive queue its own MSI-X vector when the device has MSI-X (the default
 * for QEMU's virtio-net-pci); INTx otherwise. Before DRIVER_OK, as 4.1.5.1.2 wants. */
static void virtio_net_setup_msix(struct virtio_net *vn)
{
    vn->msix_vector = -1;
    if (!vn->vp.pci->msix_cap)
        return;
    int vector = irq_alloc_vector(virtio_net_msix_irq, vn);
    if (vector < 0)
        return;
    if (!virtio_pci_msix_route(&vn->vp, VIRTIO_NET_QUEUE_RX, vector)) {
        irq_free_vector(vector);
        log_warn("virtio-net: MSI-X refused, using INTx");
        return;
    }
    vn->msix_vector = vector;
}

static bool virtio_net_irq_attach(struct netdev *dev, netdev_notify_fn notify, void *ctx)
{
    struct virtio_net *vn = dev->priv;
    dev->irq_notify = notify;
    dev->irq_notify_ctx = ctx;
    if (vn->msix_vector >= 0)
        return true;
    return pci_route_intx(vn->vp.pci, virtio_net_irq, vn) >= 0;
}

static void virtio_net_dump(struct netdev *dev)
{
    struct virtio_net *vn = dev->priv;
    const struct netdev_stats *s = &dev->stats;
    log_info("virtio-net: %s status 0x%02x features 0x%llx hdr %u buf %u irq %s vector %d",
             vn->vp.modern ? "modern" : "legacy", virtio_pci_status(&vn->vp), (unsigned long long)vn->features,
             vn->hdr_len, vn->buf_size, vn->msix_vector >= 0 ? "MSI-X" : "INTx", vn->msix_vector);
    log_info("virtio-net: rx size %u avail %u used %u last_used %u free %u bad_used %llu", vn->rx.size,
             vn->rx.avail->idx, vn->rx.used->idx, vn->rx.last_used, vn->rx.num_free,
             (unsigned long long)vn->rx.bad_used);
    log_info("virtio-net: tx size %u avail %u used %u last_used %u free %u slots_free %u", vn->tx.size,
             vn->tx.avail->idx, vn->tx.used->idx, vn->tx.last_used, vn->tx.num_free, vn->tx_free_count);
    log_info("virtio-net: rx %llu frames %llu bytes %llu errors; tx %llu frames %llu bytes %llu busy %llu bad_length; "
             "%llu irqs",
             (unsigned long long)s->rx_frames, (unsigned long long)s->rx_bytes, (unsigned long long)s->rx_errors,
             (unsigned long long)s->tx_frames, (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_busy,
             (unsigned long long)s->tx_bad_length, (unsigned long long)s->irqs);
}

static unsigned virtio_net_tx_inflight(struct netdev *dev)
{
    struct virtio_net *vn = dev->priv;
    virtio_net_tx_reclaim(vn);
    return (unsigned)(vn->tx_slots - vn->tx_free_count);
}

static const struct netdev_ops virtio_net_ops = {
    .tx = virtio_net_tx,
    .rx_poll = virtio_net_rx_poll,
    .irq_enable = virtio_net_irq_enable,
    .irq_disable = virtio_net_irq_disable,
    .dump = virtio_net_dump,
    .irq_attach = virtio_net_irq_attach,
    .tx_inflight = virtio_net_tx_inflight,
};

static bool virtio_net_negotiate(struct virtio_net *vn)
{
    uint64_t offered = virtio_pci_device_features(&vn->vp);
    uint64_t wanted = VIRTIO_NET_F_MAC | (vn->vp.modern ? VIRTIO_F_VERSION_1 : 0);
    if ((offered & wanted) != wanted) {
        log_error("virtio-net: device offers 0x%llx, lacking 0x%llx", (unsigned long long)offered,
                  (unsigned long long)(wanted & ~offered));
        return false;
    }
    /* MTU is informational for us: we only promise buffers for it (5.1.6.3.1). */
    vn->features = wanted | (offered & VIRTIO_NET_F_MTU);
    vn->hdr_len = vn->vp.modern ? VIRTIO_NET_HDR_LEN_MODERN : VIRTIO_NET_HDR_LEN_LEGACY;
    if (!virtio_pci_set_features(&vn->vp, vn->features)) {
        log_error("virtio-net: device refused features 0x%llx", (unsigned long long)vn->features);
        return false;
    }
    return true;
}

/* The link MTU the device reports (config mtu, little-endian on both transports here),
 * or 0 when VIRTIO_NET_F_MTU was not negotiated. */
static uint16_t virtio_net_device_mtu(struct virtio_net *vn)
{
    if (!(vn->features & VIRTIO_NET_F_MTU))
        return 0;
    return (uint16_t)(virtio_pci_config_read8(&vn->vp, VIRTIO_NET_CFG_MTU) |
                      virtio_pci_config_read8(&vn->vp, VIRTIO_NET_CFG_MTU + 1) << 8);
}

/* Receive buffers hold the larger of our MTU and the device's: with VIRTIO_NET_F_MTU
 * negotiated the device may send frames of its MTU (5.1.6.3.1). */
static bool virtio_net_alloc_buffers(struct virtio_net *vn, uint16_t mtu)
{
    uint16_t device_mtu = virtio_net_device_mtu(vn);
    uint16_t buffer_mtu = device_mtu > mtu ? device_mtu : mtu;
    uint32_t frame_max = (uint32_t)buffer_mtu + NETDEV_ETH_HEADER_LEN + VIRTIO_NET_VLAN_ROOM;
    vn->buf_size = (vn->hdr_len + frame_max + VIRTIO_NET_BUF_ALIGN - 1) & ~(VIRTIO_NET_BUF_ALIGN - 1u);
    vn->rx_bufs = dma_alloc((size_t)vn->buf_size * VIRTIO_NET_RX_BUFFERS, VIRTIO_NET_BUF_ALIGN, &vn->rx_phys);
    /* QEMU completes transmissions from its main loop, which a busy host delays: a deep
     * ring absorbs bursts (a 4 KiB message is three frames at MTU 1500). */
    uint32_t slots = VIRTIO_NET_TX_MEMORY / vn->buf_size;
    slots = slots > vn->tx.size ? vn->tx.size : slots;
    slots = slots > VIRTIO_NET_TX_SLOTS_MAX ? VIRTIO_NET_TX_SLOTS_MAX : slots;
    vn->tx_slots = (uint16_t)(slots < VIRTIO_NET_TX_SLOTS_MIN ? VIRTIO_NET_TX_SLOTS_MIN : slots);
    vn->tx_bufs = dma_alloc((size_t)vn->buf_size * vn->tx_slots, VIRTIO_NET_BUF_ALIGN, &vn->tx_phys);
    if (!vn->rx_bufs || !vn->tx_bufs)
        return false;
    for (uint16_t i = 0; i < vn->tx_slots; i++)
        vn->tx_free[i] = (uint16_t)(vn->tx_slots - 1 - i);
    vn->tx_free_count = vn->tx_slots;
    return true;
}

struct netdev *virtio_net_probe(const struct pci_device *pci, uint16_t mtu)
{
    struct virtio_net *vn = &virtio_net_dev;
    if (vn->up || !virtio_net_matches(pci))
        return NULL;
    if (!virtio_pci_init(&vn->vp, pci))
        return NULL;
    if (!virtio_net_negotiate(vn))
        goto fail;
    /* 5.1.5: set up the receive queue before the transmit queue; buffers before DRIVER_OK. */
    if (!virtio_pci_setup_queue(&vn->vp, VIRTIO_NET_QUEUE_RX, &vn->rx, VIRTQ_MAX_SIZE) ||
        !virtio_pci_setup_queue(&vn->vp, VIRTIO_NET_QUEUE_TX, &vn->tx, VIRTQ_MAX_SIZE) ||
        vn->tx.size < VIRTIO_NET_TX_SLOTS_MIN || !virtio_net_alloc_buffers(vn, mtu)) {
        log_error("virtio-net: cannot set up the queues (%zu bytes of DMA memory allocated)", dma_allocated_bytes());
        goto fail;
    }
    unsigned rx_post = vn->rx.size < VIRTIO_NET_RX_BUFFERS ? vn->rx.size : VIRTIO_NET_RX_BUFFERS;
    for (unsigned i = 0; i < rx_post; i++)
        virtio_net_post_rx(vn, virtio_net_rx_buf(vn, i));
    virtq_set_interrupts(&vn->tx, false); /* transmit completions are reaped by polling */
    virtq_set_interrupts(&vn->rx, false); /* until the glue asks for receive interrupts */
    virtio_net_setup_msix(vn);
    virtio_pci_driver_ok(&vn->vp);
    virtio_pci_notify(&vn->vp, VIRTIO_NET_QUEUE_RX);

    struct netdev *dev = &vn->dev;
    dev->name = "virtio-net";
    dev->ops = &virtio_net_ops;
    uint16_t device_mtu = virtio_net_device_mtu(vn);
    if (device_mtu && device_mtu < mtu) {
        log_warn("virtio-net: the link MTU is %u, below mtu=%u: using %u", device_mtu, mtu, device_mtu);
        mtu = device_mtu;
    }
    dev->mtu = mtu;
    dev->priv = vn;
    for (unsigned i = 0; i < NETDEV_MAC_LEN; i++)
        dev->mac[i] = virtio_pci_config_read8(&vn->vp, (uint16_t)(VIRTIO_NET_CFG_MAC + i));
    vn->up = true;
    char mac[18];
    netdev_format_mac(dev->mac, mac, sizeof mac);
    log_info("virtio-net: %02x:%02x.%x %s transport, mac %s, mtu %u, %u rx / %u tx buffers of %u bytes, queues %u/%u, "
             "%s",
             pci->bus, pci->dev, pci->fn, vn->vp.modern ? "modern" : "legacy", mac, mtu, rx_post, vn->tx_slots,
             vn->buf_size, vn->rx.size, vn->tx.size, vn->msix_vector >= 0 ? "MSI-X" : "INTx");
    return dev;

fail:
    virtio_pci_fail(&vn->vp);
    return NULL;
}

/* Only what the driver implements may be acknowledged (virtio 1.2 2.2): MAC, VERSION_1 on
 * the modern transport, MTU when offered; in particular never MRG_RXBUF or offloads. */
KTEST(drivers_virtio_net_acks_only_implemented_features)
{
    struct virtio_net *vn = &virtio_net_dev;
    if (!vn->up)
        return; /* no virtio-net on this machine */
    uint64_t offered = virtio_pci_device_features(&vn->vp);
    uint64_t expected = VIRTIO_NET_F_MAC | (vn->vp.modern ? VIRTIO_F_VERSION_1 : 0) | (offered & VIRTIO_NET_F_MTU);
    KT_EXPECT_EQ(virtio_pci_driver_features(&vn->vp), expected);
    uint8_t status = virtio_pci_status(&vn->vp);
    KT_EXPECT(status & VIRTIO_STATUS_DRIVER_OK);
    KT_EXPECT(!(status & (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_NEEDS_RESET)));
    if (vn->vp.modern)
        KT_EXPECT(status & VIRTIO_STATUS_FEATURES_OK);
    KT_EXPECT_EQ(vn->hdr_len, vn->vp.modern ? VIRTIO_NET_HDR_LEN_MODERN : VIRTIO_NET_HDR_LEN_LEGACY);
}

KTEST(drivers_virtio_net_receive_ring_full)
{
    struct virtio_net *vn = &virtio_net_dev;
    if (!vn->up)
        return;
    unsigned posted = vn->rx.size < VIRTIO_NET_RX_BUFFERS ? vn->rx.size : VIRTIO_NET_RX_BUFFERS;
    KT_EXPECT_EQ(vn->rx.size - vn->rx.num_free, posted);
    KT_EXPECT_EQ(vn->rx.bad_used, 0);
}

/* QEMU's virtio-net-pci has MSI-X unless started with vectors=0: then it must be used, and
 * INTx masked; without it, INTx. */
KTEST(drivers_virtio_net_uses_msix_when_present)
{
    struct virtio_net *vn = &virtio_net_dev;
    if (!vn->up)
        return;
    const struct pci_device *pci = vn->vp.pci;
    if (!pci->msix_cap) {
        KT_EXPECT_EQ(vn->msix_vector, -1);
        return;
    }
    KT_EXPECT(vn->msix_vector >= 0);
    uint16_t control = pci_cfg_read16(pci, (uint8_t)(pci->msix_cap + PCI_MSIX_CONTROL));
    KT_EXPECT(control & PCI_MSIX_CONTROL_ENABLE);
    KT_EXPECT(!(control & PCI_MSIX_CONTROL_FUNCTION_MASK));
    KT_EXPECT(pci_cfg_read16(pci, PCI_CFG_COMMAND) & PCI_COMMAND_INTX_DISABLE);
}
