/* SPDX-License-Identifier: MIT */
/* The one network device interface (STYLE habit 9): e1000 and virtio-net fill a
 * struct netdev_ops; net/, dsm/ and the kernel glue see only this. Frames are whole
 * Ethernet frames without FCS. Receive is NAPI style: rx_poll does the ring work with a
 * budget; an interrupt handler only acknowledges the device and notes that work waits.
 * No multi-queue, no offloads (checksums are computed by net/). */
#ifndef DRIVERS_NETDEV_H
#define DRIVERS_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETDEV_MAC_LEN 6
#define NETDEV_ETH_HEADER_LEN 14  /* destination, source, ethertype (IEEE 802.3 clause 3.1) */
#define NETDEV_ETH_MIN_FRAME 60   /* without FCS; shorter frames are padded by the driver */
#define NETDEV_MTU_DEFAULT 1500
#define NETDEV_MTU_MAX 9000       /* the jumbo MTU the cluster uses (DESIGN.md 6) */
#define NETDEV_MAX_FRAME (NETDEV_MTU_MAX + NETDEV_ETH_HEADER_LEN)

enum netdev_tx_result {
    NETDEV_TX_OK = 0,
    NETDEV_TX_BUSY = -1,    /* ring full: try again after a poll; the frame was not taken */
    NETDEV_TX_BAD_LENGTH = -2 /* shorter than an Ethernet header or longer than mtu + header: never sent */
};

struct netdev;

/* Receives one frame; frame is only valid during the call (the buffer goes back to the ring). */
typedef void (*netdev_deliver_fn)(void *ctx, const void *frame, size_t len);
/* Told from the interrupt handler, after the device was acknowledged, that work waits. */
typedef void (*netdev_notify_fn)(void *ctx);

struct netdev_ops {
    /* Queues one frame (copied; the caller keeps its buffer) and tells the device, unless
     * more: then another tx follows at once and one doorbell covers both. A driver rings
     * for everything queued whenever it returns NETDEV_TX_BUSY or is called without more. */
    int (*tx)(struct netdev *dev, const void *frame, size_t len, bool more);
    /* Hands up to budget received frames to deliver and refills the ring; returns how many. */
    unsigned (*rx_poll)(struct netdev *dev, unsigned budget, netdev_deliver_fn deliver, void *ctx);
    /* Lets the device raise receive interrupts again (after a poll found the ring empty). */
    void (*irq_enable)(struct netdev *dev);
    /* Stops receive interrupts (while a poll loop is running). */
    void (*irq_disable)(struct netdev *dev);
    /* Logs ring indices and counters. */
    void (*dump)(struct netdev *dev);
    /* Frames handed to the device and not yet sent (after reclaiming the finished ones). */
    unsigned (*tx_inflight)(struct netdev *dev);
    /* Routes the device's interrupt (legacy INTx through the IOAPIC) to a handler that
     * acknowledges the device and calls notify(ctx); false if it cannot be routed. */
    bool (*irq_attach)(struct netdev *dev, netdev_notify_fn notify, void *ctx);
};

/* Counters; written by the driver only. */
struct netdev_stats {
    uint64_t tx_frames, tx_bytes;
    uint64_t tx_busy;      /* tx refused because the ring was full */
    uint64_t tx_bad_length; /* tx refused: shorter than a header or longer than mtu + header */
    uint64_t rx_frames, rx_bytes;
    uint64_t rx_errors;    /* frames the device flagged bad, or that did not fit a buffer */
    uint64_t rx_dropped;   /* frames lost for lack of buffers (as far as the device tells) */
    uint64_t irqs;         /* interrupts taken */
};

struct netdev {
    const char *name;               /* "virtio-net" or "e1000" */
    const struct netdev_ops *ops;
    uint8_t mac[NETDEV_MAC_LEN];    /* read from the device at probe */
    uint16_t mtu;                   /* largest payload after the Ethernet header */
    bool irq_pending;               /* set by the interrupt handler, cleared by the poll */
    bool irq_mask_costly;           /* irq_disable/enable are device register writes (an exit
                                     * each under TCG): wait loops leave the interrupt on */
    netdev_notify_fn irq_notify;    /* from irq_attach: called by the handler */
    void *irq_notify_ctx;
    struct netdev_stats stats;
    void *priv;                     /* the driver's own state */
};

/* Probes the PCI devices found by pci_init for a supported NIC (nic: "auto", "virtio" or
 * "e1000") and initialises the first one with the given MTU; returns it or NULL. */
struct netdev *netdev_probe(const char *nic, uint16_t mtu);
/* The device netdev_probe returned, or NULL before it (or if none was found). */
struct netdev *netdev_get(void);
/* Formats a MAC address as aa:bb:cc:dd:ee:ff into out (18 bytes at least). */
void netdev_format_mac(const uint8_t mac[NETDEV_MAC_LEN], char *out, size_t out_size);

static inline int netdev_tx(struct netdev *dev, const void *frame, size_t len) { return dev->ops->tx(dev, frame, len, false); }
/* netdev_tx for a frame of a burst: more = another frame follows at once. */
static inline int netdev_tx_burst(struct netdev *dev, const void *frame, size_t len, bool more)
{
    return dev->ops->tx(dev, frame, len, more);
}
static inline unsigned netdev_rx_poll(struct netdev *dev, unsigned budget, netdev_deliver_fn deliver, void *ctx)
{
    return dev->ops->rx_poll(dev, budget, deliver, ctx);
}

#endif
