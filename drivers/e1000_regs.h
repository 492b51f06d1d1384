/* SPDX-License-Identifier: MIT */
/* Intel 8254x (82540EM, 8086:100e) registers, bits and descriptors, from the PCI/PCI-X
 * Family of Gigabit Ethernet Controllers Software Developer's Manual (8254x SDM) section 13
 * (registers) and section 3.2/3.3 (descriptors). Access notes: RW, RO, WO, RC (read to
 * clear), W1S (write 1 to set), W1C (write 1 to clear), SC (self-clearing). Names only. */
#ifndef DRIVERS_E1000_REGS_H
#define DRIVERS_E1000_REGS_H

#include <stdint.h>

#define E1000_PCI_VENDOR 0x8086
#define E1000_PCI_DEVICE_82540EM 0x100e

/* Register offsets in BAR0 (SDM table 13-2). */
#define E1000_CTRL 0x0000   /* RW device control */
#define E1000_STATUS 0x0008 /* RO device status */
#define E1000_EERD 0x0014   /* RW EEPROM read */
#define E1000_ICR 0x00c0    /* RC interrupt cause read: reading clears every cause */
#define E1000_ITR 0x00c4    /* RW interrupt throttling */
#define E1000_IMS 0x00d0    /* W1S interrupt mask set (reads the mask) */
#define E1000_IMC 0x00d8    /* W1C interrupt mask clear: 1 bits disable those causes */
#define E1000_RCTL 0x0100   /* RW receive control */
#define E1000_TCTL 0x0400   /* RW transmit control */
#define E1000_TIPG 0x0410   /* RW transmit inter-packet gap */
#define E1000_RDBAL 0x2800  /* RW receive descriptor base, low */
#define E1000_RDBAH 0x2804  /* RW receive descriptor base, high */
#define E1000_RDLEN 0x2808  /* RW receive ring bytes, multiple of 128 */
#define E1000_RDH 0x2810    /* RW receive head (hardware advances) */
#define E1000_RDT 0x2818    /* RW receive tail (software advances) */
#define E1000_RDTR 0x2820   /* RW receive interrupt delay */
#define E1000_RADV 0x282c   /* RW receive absolute interrupt delay */
#define E1000_TDBAL 0x3800  /* RW transmit descriptor base, low */
#define E1000_TDBAH 0x3804  /* RW transmit descriptor base, high */
#define E1000_TDLEN 0x3808  /* RW transmit ring bytes, multiple of 128 */
#define E1000_TDH 0x3810    /* RW transmit head */
#define E1000_TDT 0x3818    /* RW transmit tail: writing it starts transmission */
#define E1000_TIDV 0x3820   /* RW transmit interrupt delay */
#define E1000_MPC 0x4010    /* RC missed packets (no receive descriptor free) */
#define E1000_MTA 0x5200    /* RW multicast table array, 128 dwords */
#define E1000_MTA_ENTRIES 128
#define E1000_RAL0 0x5400   /* RW receive address 0, low 4 bytes */
#define E1000_RAH0 0x5404   /* RW receive address 0, high 2 bytes + AV */

/* CTRL (SDM 13.4.1). */
#define E1000_CTRL_ASDE (1u << 5) /* auto-speed detection */
#define E1000_CTRL_SLU (1u << 6)  /* set link up */
#define E1000_CTRL_RST (1u << 26) /* SC: device reset */

/* STATUS (SDM 13.4.2). */
#define E1000_STATUS_LU (1u << 1) /* link up */

/* EERD (SDM 13.4.4). */
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16
#define E1000_EEPROM_MAC_WORDS 3 /* words 0-2: the Ethernet address (SDM 5.6.1) */

/* Interrupt causes: ICR, IMS, IMC share the layout (SDM 13.4.17-21). */
#define E1000_INT_TXDW (1u << 0)   /* transmit descriptor written back */
#define E1000_INT_LSC (1u << 2)    /* link status change */
#define E1000_INT_RXDMT0 (1u << 4) /* receive descriptors below the minimum threshold */
#define E1000_INT_RXO (1u << 6)    /* receiver overrun */
#define E1000_INT_RXT0 (1u << 7)   /* receive timer: a frame arrived */
#define E1000_INT_ALL 0xffffffffu

/* RCTL (SDM 13.4.22). */
#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_SBP (1u << 2)
#define E1000_RCTL_UPE (1u << 3)
#define E1000_RCTL_MPE (1u << 4)
#define E1000_RCTL_LPE (1u << 5)       /* long packets: frames above 1522 bytes */
#define E1000_RCTL_BAM (1u << 15)      /* accept broadcast */
#define E1000_RCTL_BSIZE_2048 (0u << 16) /* with BSEX = 0 */
#define E1000_RCTL_BSIZE_16384 (1u << 16) /* with BSEX = 1 */
#define E1000_RCTL_BSEX (1u << 25)         /* buffer size extension: BSIZE x 16 */
#define E1000_RCTL_SECRC (1u << 26)    /* strip the Ethernet CRC */
#define E1000_RX_BUFFER_SIZE 2048       /* matches E1000_RCTL_BSIZE_2048 */
#define E1000_RX_BUFFER_SIZE_JUMBO 16384 /* matches E1000_RCTL_BSEX | E1000_RCTL_BSIZE_16384 */

/* TCTL (SDM 13.4.33) and TIPG (13.4.34, values for the 82540 on copper). */
#define E1000_TCTL_EN (1u << 1)
#define E1000_TCTL_PSP (1u << 3)       /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT 4
#define E1000_TCTL_CT_DEFAULT 0x0f     /* collision threshold */
#define E1000_TCTL_COLD_SHIFT 12
#define E1000_TCTL_COLD_FULL_DUPLEX 0x40
#define E1000_TIPG_IPGT 10
#define E1000_TIPG_IPGR1_SHIFT 10
#define E1000_TIPG_IPGR1 8
#define E1000_TIPG_IPGR2_SHIFT 20
#define E1000_TIPG_IPGR2 6

/* RAH (SDM 13.5.5). */
#define E1000_RAH_AV (1u << 31) /* address valid */

/* Receive descriptor (SDM 3.2.3). Device writes length/status/errors. */
struct e1000_rx_desc {
    uint64_t addr;
    uint16_t length;
    uint16_t checksum;
    uint8_t status;
    uint8_t errors;
    uint16_t special;
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "8254x SDM 3.2.3");
#define E1000_RXD_STATUS_DD (1u << 0)  /* descriptor done */
#define E1000_RXD_STATUS_EOP (1u << 1) /* last descriptor of the frame */

/* Legacy transmit descriptor (SDM 3.3.3). Device writes status. */
struct e1000_tx_desc {
    uint64_t addr;
    uint16_t length;
    uint8_t cso;
    uint8_t cmd;
    uint8_t status;
    uint8_t css;
    uint16_t special;
};
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "8254x SDM 3.3.3");
#define E1000_TXD_CMD_EOP (1u << 0)  /* last descriptor of the frame */
#define E1000_TXD_CMD_IFCS (1u << 1) /* insert the FCS */
#define E1000_TXD_CMD_RS (1u << 3)   /* report status (set DD when done) */
#define E1000_TXD_STATUS_DD (1u << 0)

#define E1000_RING_ALIGN 128 /* RDLEN/TDLEN multiple of 128 bytes; base 16-byte aligned */

#endif
