/* SPDX-License-Identifier: MIT */
/* 82540EM driver (8254x SDM 14: initialisation; 3.2/3.3: descriptors). Rings after Linux's
 * e1000 bookkeeping: a descriptor array plus next_to_use/next_to_clean. RCTL is written
 * once, at probe: QEMU 7.2's model ignores received frames for ~1 s after every RCTL write
 * (PLUMBING 13). Above MTU 1500 (RCTL.LPE) receive buffers are 16 KiB (RCTL.BSEX), so a
 * jumbo frame fits one; a frame spanning descriptors is copied into an assembly buffer.
 * Transmission happens inside the TDT write on QEMU; descriptors are reclaimed lazily.
 * Not done: offloads, VLAN, PHY management. */
#include "drivers/e1000.h"

#include <arch/cpu.h>
#include <arch/io.h>

#include "drivers/dma.h"
#include "drivers/e1000_regs.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/log.h"

#define E1000_RX_DESCS 128       /* 2 KiB of descriptors, 256 KiB of 2 KiB buffers */
#define E1000_RX_DESCS_JUMBO 64  /* 1 MiB of 16 KiB buffers: a jumbo frame in one */
#define E1000_RX_RETURN_AT_ONCE_DIV 4 /* over 1/4 of the ring held back is returned at once */
#define E1000_TX_DESCS 64
#define E1000_TX_BUFFER_SIZE 2048
#define E1000_RESET_SPIN_LIMIT 1000000
#define E1000_EERD_SPIN_LIMIT 100000
#define E1000_STANDARD_MTU 1500
#define E1000_ASSEMBLY_SIZE (NETDEV_MAX_FRAME + 4) /* a jumbo frame (and a VLAN tag) */
#define E1000_RX_INTERRUPTS (E1000_INT_RXT0 | E1000_INT_RXO | E1000_INT_RXDMT0 | E1000_INT_LSC)

struct e1000 {
    struct netdev dev;
    const struct pci_device *pci;
    volatile uint8_t *regs;             /* BAR0 */
    struct e1000_rx_desc *rx_ring;      /* device writes status/length, driver the rest */
    struct e1000_tx_desc *tx_ring;
    uint8_t *rx_bufs, *tx_bufs;
    uint64_t rx_bufs_phys, tx_bufs_phys;
    uint16_t rx_descs;                  /* E1000_RX_DESCS, or _JUMBO above MTU 1500 */
    uint32_t rx_buf_size;               /* E1000_RX_BUFFER_SIZE, or _JUMBO: what RCTL says */
    uint16_t rx_next_to_clean;          /* oldest descriptor the device may have filled */
    int32_t rx_tail_due;                /* cleaned descriptor not yet handed back (RDT); -1 none */
    uint16_t rx_held;                   /* cleaned descriptors not yet handed back */
    uint16_t tx_next_to_use;            /* next descriptor to fill */
    uint16_t tx_tail_written;           /* last value written to TDT: the device's view */
    uint16_t tx_next_to_clean;          /* oldest descriptor not yet reclaimed */
    uint8_t assembly[E1000_ASSEMBLY_SIZE]; /* a multi-descriptor frame being put together */
    size_t assembly_len;
    bool assembly_overflow;             /* the frame in progress outgrew the buffer: drop it */
    uint32_t rctl;                      /* the value written once at probe */
    bool up;
};

static struct e1000 e1000_dev;

bool e1000_matches(const struct pci_device *pci)
{
    return pci->vendor_id == E1000_PCI_VENDOR && pci->device_id == E1000_PCI_DEVICE_82540EM;
}

static uint32_t e1000_read(struct e1000 *e, uint32_t reg)
{
    return mmio_read32(e->regs + reg);
}

static void e1000_write(struct e1000 *e, uint32_t reg, uint32_t value)
{
    mmio_write32(e->regs + reg, value);
}

/* Descriptors free for the driver to fill: one slot always stays empty so that
 * head == tail means "ring empty" (SDM 3.3.1.3). */
static unsigned e1000_tx_free(const struct e1000 *e)
{
    return (unsigned)((e->tx_next_to_clean + E1000_TX_DESCS - e->tx_next_to_use - 1) % E1000_TX_DESCS);
}

static void e1000_tx_reclaim(struct e1000 *e)
{
    while (e->tx_next_to_clean != e->tx_next_to_use) {
        volatile struct e1000_tx_desc *d = &e->tx_ring[e->tx_next_to_clean];
        if (!(d->status & E1000_TXD_STATUS_DD))
            break;
        d->status = 0;
        e->tx_next_to_clean = (uint16_t)((e->tx_next_to_clean + 1) % E1000_TX_DESCS);
    }
}

/* Hands the filled descriptors to the device. QEMU transmits synchronously on this write
 * (PLUMBING 13), so one write per burst saves an exit per frame. */
static void e1000_tx_doorbell(struct e1000 *e)
{
    if (e->tx_tail_written == e->tx_next_to_use)
        return;
    /* Descriptors and buffers must be in memory before the tail write hands them over. */
    barrier_write();
    e1000_write(e, E1000_TDT, e->tx_next_to_use);
    e->tx_tail_written = e->tx_next_to_use;
}

static int e1000_tx(struct netdev *dev, const void *frame, size_t len, bool more)
{
    struct e1000 *e = dev->priv;
    if (len > (size_t)dev->mtu + NETDEV_ETH_HEADER_LEN || len < NETDEV_ETH_HEADER_LEN) {
        e1000_tx_doorbell(e); /* a refused frame ends the burst */
        dev->stats.tx_bad_length++;
        return NETDEV_TX_BAD_LENGTH;
    }
    unsigned segments = (unsigned)((len + E1000_TX_BUFFER_SIZE - 1) / E1000_TX_BUFFER_SIZE);
    e1000_tx_reclaim(e);
    if (e1000_tx_free(e) < segments) {
        e1000_tx_doorbell(e); /* the device frees descriptors only once it has them */
        dev->stats.tx_busy++;
        return NETDEV_TX_BUSY;
    }
    const uint8_t *src = frame;
    size_t left = len;
    for (unsigned s = 0; s < segments; s++) {
        uint16_t i = e->tx_next_to_use;
        size_t chunk = left < E1000_TX_BUFFER_SIZE ? left : E1000_TX_BUFFER_SIZE;
        memcpy(e->tx_bufs + (size_t)i * E1000_TX_BUFFER_SIZE, src, chunk);
        struct e1000_tx_desc *d = &e->tx_ring[i];
        d->addr = e->tx_bufs_phys + (uint64_t)i * E1000_TX_BUFFER_SIZE;
        d->length = (uint16_t)chunk;
        d->cso = 0;
        d->css = 0;
        d->special = 0;
        d->status = 0;
        d->cmd = E1000_TXD_CMD_RS | E1000_TXD_CMD_IFCS | (s + 1 == segments ? E1000_TXD_CMD_EOP : 0);
        src += chunk;
        left -= chunk;
        e->tx_next_to_use = (uint16_t)((i + 1) % E1000_TX_DESCS);
    }
    if (!more)
        e1000_tx_doorbell(e);
    dev->stats.tx_frames++;
    dev->stats.tx_bytes += len;
    return NETDEV_TX_OK;
}

/* Adds one filled receive descriptor to the frame in progress; returns the frame to
 * deliver (and its length) at end of packet, or NULL. */
static const uint8_t *e1000_rx_collect(struct e1000 *e, const uint8_t *buf, uint16_t length, bool eop, size_t *len)
{
    if (eop && e->assembly_len == 0 && !e->assembly_overflow) {
        *len = length; /* the usual case: the whole frame in one buffer, no copy */
        return buf;
    }
    if (e->assembly_len + length > sizeof e->assembly)
        e->assembly_overflow = true;
    else {
        memcpy(e->assembly + e->assembly_len, buf, length);
        e->assembly_len += length;
    }
    if (!eop)
        return NULL;
    const uint8_t *frame = e->assembly_overflow ? NULL : e->assembly;
    *len = e->assembly_len;
    if (e->assembly_overflow)
        e->dev.stats.rx_errors++;
    e->assembly_len = 0;
    e->assembly_overflow = false;
    return frame;
}

/* Hands the cleaned descriptors up to rx_tail_due back to the device. */
static void e1000_rx_return(struct e1000 *e)
{
    if (e->rx_tail_due < 0)
        return;
    barrier_write(); /* the cleared descriptors are in memory before the tail names them */
    e1000_write(e, E1000_RDT, (uint32_t)e->rx_tail_due);
    e->rx_tail_due = -1;
    e->rx_held = 0;
}

/* Cleaned descriptors go back to the device (a tail write: an exit) from a poll that finds
 * no frame waiting, not at the end of the poll that cleaned them: the write then overlaps
 * a wait instead of delaying whoever the frame just woke, or the reply a frame asks for.
 * More than a quarter of the ring held back is returned at once: the device never runs
 * short, and a node that only wakes for frames returns them every few dozen. */
static unsigned e1000_rx_poll(struct netdev *dev, unsigned budget, netdev_deliver_fn deliver, void *ctx)
{
    struct e1000 *e = dev->priv;
    unsigned frames = 0;
    int last_cleaned = -1;
    dev->irq_pending = false;
    if (!(e->rx_ring[e->rx_next_to_clean].status & E1000_RXD_STATUS_DD))
        e1000_rx_return(e);
    e1000_tx_reclaim(e);
    while (frames < budget) {
        uint16_t i = e->rx_next_to_clean;
        volatile struct e1000_rx_desc *d = &e->rx_ring[i];
        if (!(d->status & E1000_RXD_STATUS_DD))
            break;
        /* Status first, then the rest of the descriptor and the buffer it covers. */
        barrier_read();
        uint8_t status = d->status, errors = d->errors;
        uint16_t length = d->length;
        const uint8_t *buf = e->rx_bufs + (size_t)i * e->rx_buf_size;
        bool eop = (status & E1000_RXD_STATUS_EOP) != 0;
        if (errors || length > e->rx_buf_size) {
            e->assembly_overflow = true; /* drop the whole frame this descriptor belongs to */
            length = 0;
        }
        size_t len = 0;
        const uint8_t *frame = e1000_rx_collect(e, buf, length, eop, &len);
        if (eop) {
            frames++;
            if (frame && len >= NETDEV_ETH_HEADER_LEN) {
                dev->stats.rx_frames++;
                dev->stats.rx_bytes += len;
                deliver(ctx, frame, len);
            } else if (frame) {
                dev->stats.rx_errors++;
            }
        }
        d->status = 0;
        last_cleaned = i;
        e->rx_held++;
        e->rx_next_to_clean = (uint16_t)((i + 1) % e->rx_descs);
    }
    if (last_cleaned >= 0)
        e->rx_tail_due = last_cleaned;
    if (e->rx_held > e->rx_descs / E1000_RX_RETURN_AT_ONCE_DIV)
        e1000_rx_return(e);
    return frames;
}

static void e1000_irq_enable(struct netdev *dev)
{
    struct e1000 *e = dev->priv;
    e1000_write(e, E1000_IMS, E1000_RX_INTERRUPTS); /* W1S: adds these causes to the mask */
    if (e->rx_ring[e->rx_next_to_clean].status & E1000_RXD_STATUS_DD)
        dev->irq_pending = true; /* arrived before the unmask raised nothing: poll again */
}

static void e1000_irq_disable(struct netdev *dev)
{
    struct e1000 *e = dev->priv;
    e1000_write(e, E1000_IMC, E1000_INT_ALL); /* W1C: writing 0 to IMS would disable nothing */
}

/* The interrupt handler: acknowledge, note, notify; the ring work is the poll's. */
static void e1000_irq(void *ctx)
{
    struct e1000 *e = ctx;
    uint32_t cause = e1000_read(e, E1000_ICR); /* RC: acknowledges and deasserts the line */
    if (!cause)
        return; /* a shared line raised by someone else */
    e->dev.stats.irqs++;
    e->dev.irq_pending = true;
    if (e->dev.irq_notify)
        e->dev.irq_notify(e->dev.irq_notify_ctx);
}

static bool e1000_irq_attach(struct netdev *dev, netdev_notify_fn notify, void *ctx)
{
    struct e1000 *e = dev->priv;
    dev->irq_notify = notify;
    dev->irq_notify_ctx = ctx;
    return pci_route_intx(e->pci, e1000_irq, e) >= 0;
}

static void e1000_dump(struct netdev *dev)
{
    struct e1000 *e = dev->priv;
    const struct netdev_stats *s = &dev->stats;
    dev->stats.rx_dropped += e1000_read(e, E1000_MPC); /* RC */
    log_info("e1000: status 0x%08x rctl 0x%08x ims 0x%08x rdh %u rdt %u next_to_clean %u", e1000_read(e, E1000_STATUS),
             e1000_read(e, E1000_RCTL), e1000_read(e, E1000_IMS), e1000_read(e, E1000_RDH), e1000_read(e, E1000_RDT),
             e->rx_next_to_clean);
    log_info("e1000: tdh %u tdt %u next_to_use %u next_to_clean %u", e1000_read(e, E1000_TDH),
             e1000_read(e, E1000_TDT), e->tx_next_to_use, e->tx_next_to_clean);
    log_info("e1000: rx %llu frames %llu bytes %llu errors %llu missed; tx %llu frames %llu bytes %llu busy "
             "%llu bad_length; %llu irqs",
             (unsigned long long)s->rx_frames, (unsigned long long)s->rx_bytes, (unsigned long long)s->rx_errors,
             (unsigned long long)s->rx_dropped, (unsigned long long)s->tx_frames, (unsigned long long)s->tx_bytes,
             (unsigned long long)s->tx_busy, (unsigned long long)s->tx_bad_length, (unsigned long long)s->irqs);
}

static unsigned e1000_tx_inflight(struct netdev *dev)
{
    struct e1000 *e = dev->priv;
    e1000_tx_reclaim(e);
    return (unsigned)((e->tx_next_to_use + E1000_TX_DESCS - e->tx_next_to_clean) % E1000_TX_DESCS);
}

static const struct netdev_ops e1000_ops = {
    .tx = e1000_tx,
    .rx_poll = e1000_rx_poll,
    .irq_enable = e1000_irq_enable,
    .irq_disable = e1000_irq_disable,
    .dump = e1000_dump,
    .irq_attach = e1000_irq_attach,
    .tx_inflight = e1000_tx_inflight,
};

static bool e1000_reset(struct e1000 *e)
{
    e1000_write(e, E1000_IMC, E1000_INT_ALL);
    e1000_write(e, E1000_CTRL, e1000_read(e, E1000_CTRL) | E1000_CTRL_RST);
    for (int spins = 0; spins < E1000_RESET_SPIN_LIMIT; spins++) {
        if (!(e1000_read(e, E1000_CTRL) & E1000_CTRL_RST)) {
            e1000_write(e, E1000_IMC, E1000_INT_ALL); /* SDM 14.4: mask again after reset */
            (void)e1000_read(e, E1000_ICR);           /* and clear what is pending */
            return true;
        }
        cpu_pause();
    }
    return false;
}

/* The station address: RAL0/RAH0 as the device loaded it from the EEPROM, or the EEPROM
 * words 0-2 themselves (SDM 5.6.1) when the receive address is not marked valid. */
static bool e1000_read_mac(struct e1000 *e, uint8_t mac[NETDEV_MAC_LEN])
{
    uint32_t rah = e1000_read(e, E1000_RAH0);
    if (rah & E1000_RAH_AV) {
        uint32_t ral = e1000_read(e, E1000_RAL0);
        for (unsigned i = 0; i < 4; i++)
            mac[i] = (uint8_t)(ral >> (8 * i));
        mac[4] = (uint8_t)rah;
        mac[5] = (uint8_t)(rah >> 8);
        return true;
    }
    for (uint32_t word = 0; word < E1000_EEPROM_MAC_WORDS; word++) {
        e1000_write(e, E1000_EERD, word << E1000_EERD_ADDR_SHIFT | E1000_EERD_START);
        uint32_t v = 0;
        int spins = 0;
        while (!((v = e1000_read(e, E1000_EERD)) & E1000_EERD_DONE) && ++spins < E1000_EERD_SPIN_LIMIT)
            cpu_pause();
        if (!(v & E1000_EERD_DONE))
            return false;
        mac[2 * word] = (uint8_t)(v >> E1000_EERD_DATA_SHIFT);
        mac[2 * word + 1] = (uint8_t)(v >> (E1000_EERD_DATA_SHIFT + 8));
    }
    e1000_write(e, E1000_RAL0, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24);
    e1000_write(e, E1000_RAH0, (uint32_t)mac[4] | (uint32_t)mac[5] << 8 | E1000_RAH_AV);
    return true;
}

static bool e1000_alloc_rings(struct e1000 *e)
{
    uint64_t rx_ring_phys, tx_ring_phys;
    e->rx_ring = dma_alloc(sizeof(struct e1000_rx_desc) * e->rx_descs, E1000_RING_ALIGN, &rx_ring_phys);
    e->tx_ring = dma_alloc(sizeof(struct e1000_tx_desc) * E1000_TX_DESCS, E1000_RING_ALIGN, &tx_ring_phys);
    e->rx_bufs = dma_alloc((size_t)e->rx_buf_size * e->rx_descs, E1000_RING_ALIGN, &e->rx_bufs_phys);
    e->tx_bufs = dma_alloc((size_t)E1000_TX_BUFFER_SIZE * E1000_TX_DESCS, E1000_RING_ALIGN, &e->tx_bufs_phys);
    if (!e->rx_ring || !e->tx_ring || !e->rx_bufs || !e->tx_bufs)
        return false;
    for (unsigned i = 0; i < e->rx_descs; i++)
        e->rx_ring[i].addr = e->rx_bufs_phys + (uint64_t)i * e->rx_buf_size;

    /* SDM 14.4 receive initialisation; the tail leaves one descriptor back so a full ring
     * is distinguishable from an empty one. */
    e1000_write(e, E1000_RDBAL, (uint32_t)rx_ring_phys);
    e1000_write(e, E1000_RDBAH, (uint32_t)(rx_ring_phys >> 32));
    e1000_write(e, E1000_RDLEN, (uint32_t)(sizeof(struct e1000_rx_desc) * e->rx_descs));
    e1000_write(e, E1000_RDH, 0);
    e1000_write(e, E1000_RDT, e->rx_descs - 1u);
    e1000_write(e, E1000_RDTR, 0);
    e1000_write(e, E1000_RADV, 0);
    e1000_write(e, E1000_ITR, 0);

    /* SDM 14.5 transmit initialisation. */
    e1000_write(e, E1000_TDBAL, (uint32_t)tx_ring_phys);
    e1000_write(e, E1000_TDBAH, (uint32_t)(tx_ring_phys >> 32));
    e1000_write(e, E1000_TDLEN, sizeof(struct e1000_tx_desc) * E1000_TX_DESCS);
    e1000_write(e, E1000_TDH, 0);
    e1000_write(e, E1000_TDT, 0);
    e1000_write(e, E1000_TIDV, 0);
    e1000_write(e, E1000_TIPG, E1000_TIPG_IPGT | E1000_TIPG_IPGR1 << E1000_TIPG_IPGR1_SHIFT |
                                   E1000_TIPG_IPGR2 << E1000_TIPG_IPGR2_SHIFT);
    e1000_write(e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT |
                                   E1000_TCTL_COLD_FULL_DUPLEX << E1000_TCTL_COLD_SHIFT);
    return true;
}

struct netdev *e1000_probe(const struct pci_device *pci, uint16_t mtu)
{
    struct e1000 *e = &e1000_dev;
    if (e->up || !e1000_matches(pci))
        return NULL;
    e->pci = pci;
    e->regs = pci_bar_map(pci, 0);
    if (!e->regs) {
        log_error("e1000: BAR0 is not a mappable memory BAR");
        return NULL;
    }
    pci_enable(pci, PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    if (!e1000_reset(e)) {
        log_error("e1000: reset did not complete");
        return NULL;
    }
    e1000_write(e, E1000_CTRL, e1000_read(e, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE);
    struct netdev *dev = &e->dev;
    if (!e1000_read_mac(e, dev->mac)) {
        log_error("e1000: cannot read the MAC address from the EEPROM");
        return NULL;
    }
    for (unsigned i = 0; i < E1000_MTA_ENTRIES; i++)
        e1000_write(e, E1000_MTA + 4 * i, 0);
    /* Jumbo frames land in one 16 KiB buffer each (no copy); the assembly path remains for
     * a frame that spans descriptors anyway (SDM 3.2.3: EOP only on the last). */
    e->rx_descs = mtu > E1000_STANDARD_MTU ? E1000_RX_DESCS_JUMBO : E1000_RX_DESCS;
    e->rx_tail_due = -1;
    e->rx_buf_size = mtu > E1000_STANDARD_MTU ? E1000_RX_BUFFER_SIZE_JUMBO : E1000_RX_BUFFER_SIZE;
    if (!e1000_alloc_rings(e)) {
        log_error("e1000: out of DMA memory (%zu bytes allocated)", dma_allocated_bytes());
        return NULL;
    }
    /* The one RCTL write (see the file comment). */
    bool jumbo = mtu > E1000_STANDARD_MTU;
    e->rctl = E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC |
              (jumbo ? E1000_RCTL_LPE | E1000_RCTL_BSEX | E1000_RCTL_BSIZE_16384 : E1000_RCTL_BSIZE_2048);
    e1000_write(e, E1000_RCTL, e->rctl);

    dev->name = "e1000";
    dev->ops = &e1000_ops;
    dev->irq_mask_costly = true; /* IMC/IMS are MMIO; virtio's mask is a ring flag in memory */
    dev->mtu = mtu;
    dev->priv = e;
    e->up = true;
    char mac[18];
    netdev_format_mac(dev->mac, mac, sizeof mac);
    log_info("e1000: %02x:%02x.%x mac %s, mtu %u, link %s, %u rx / %u tx descriptors", pci->bus, pci->dev, pci->fn,
             mac, mtu, (e1000_read(e, E1000_STATUS) & E1000_STATUS_LU) ? "up" : "down", e->rx_descs, E1000_TX_DESCS);
    return dev;
}

/* SDM 13.4.20/21: IMS is write-1-to-set and IMC write-1-to-clear, so "disable" must go
 * through IMC; writing 0 to IMS (HelenOS's bug, STYLE habit 6) would leave the mask set. */
KTEST(drivers_e1000_interrupt_mask_set_and_clear)
{
    struct e1000 *e = &e1000_dev;
    if (!e->up)
        return; /* no e1000 on this machine */
    uint32_t before = e1000_read(e, E1000_IMS);
    e1000_irq_enable(&e->dev);
    KT_EXPECT_EQ(e1000_read(e, E1000_IMS) & E1000_RX_INTERRUPTS, E1000_RX_INTERRUPTS);
    e1000_irq_disable(&e->dev);
    KT_EXPECT_EQ(e1000_read(e, E1000_IMS), 0);
    if (before)
        e1000_write(e, E1000_IMS, before);
}

KTEST(drivers_e1000_rctl_programmed_once)
{
    struct e1000 *e = &e1000_dev;
    if (!e->up)
        return;
    KT_EXPECT_EQ(e1000_read(e, E1000_RCTL), e->rctl);
    KT_EXPECT(e->rctl & E1000_RCTL_EN);
    KT_EXPECT_EQ((e->rctl & E1000_RCTL_LPE) != 0, e->dev.mtu > E1000_STANDARD_MTU);
}
