/* SPDX-License-Identifier: MIT */
/* ACPI table discovery for interrupt routing (ACPI 6.4 5.2.5 RSDP, 5.2.6 table header,
 * 5.2.7 RSDT, 5.2.8 XSDT, 5.2.12 MADT). Reads only through a callback, so every byte
 * taken from firmware is bounds checked and a ktest can feed it forged tables. Skips
 * processor entries (one CPU per node) and NMI sources. */
#include <arch/acpi.h>

#include "kernel/format.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/log.h"

#define ACPI_RSDP_SIGNATURE "RSD PTR "
#define ACPI_RSDP_V1_LENGTH 20 /* bytes covered by the first checksum */
#define ACPI_RSDP_V2_LENGTH 36
#define ACPI_RSDP_ALIGN 16
#define ACPI_EBDA_POINTER 0x40e /* BIOS data area: EBDA segment (ACPI 6.4 5.2.5.1) */
#define ACPI_EBDA_SCAN_LENGTH 1024
#define ACPI_BIOS_AREA_START 0xe0000
#define ACPI_BIOS_AREA_END 0x100000
#define ACPI_HEADER_LENGTH 36
#define ACPI_MADT_ENTRIES_OFFSET 44
#define ACPI_MADT_MAX_LENGTH 8192 /* ample for one CPU; larger is refused, not truncated */
#define ACPI_SDT_MAX_ENTRIES 256
#define ACPI_CHECKSUM_CHUNK 256
#define ACPI_BOOT_MAP_LIMIT 0x100000000ull /* boot/multiboot.asm identity-maps 0-4 GiB */

#define MADT_TYPE_IOAPIC 1
#define MADT_TYPE_SOURCE_OVERRIDE 2
#define MADT_TYPE_LAPIC_ADDRESS_OVERRIDE 5
#define MADT_IOAPIC_LENGTH 12
#define MADT_OVERRIDE_LENGTH 10
#define MADT_LAPIC_OVERRIDE_LENGTH 12
#define MADT_FLAGS_POLARITY_MASK 0x3u /* MPS INTI flags (ACPI 6.4 table 5.50) */
#define MADT_FLAGS_POLARITY_LOW 0x3u
#define MADT_FLAGS_TRIGGER_MASK 0xcu
#define MADT_FLAGS_TRIGGER_LEVEL 0xcu
#define MADT_ISA_BUS 0

static struct acpi_madt_info acpi_info;

static uint32_t acpi_le32(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t acpi_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint64_t acpi_le64(const uint8_t *p) { return acpi_le32(p) | (uint64_t)acpi_le32(p + 4) << 32; }

static uint8_t acpi_sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* Sums len bytes at phys through read; false if unreadable or the sum is not 0. */
static bool acpi_checksum_phys(acpi_read_fn read, void *ctx, uint64_t phys, uint32_t len)
{
    uint8_t chunk[ACPI_CHECKSUM_CHUNK];
    uint8_t sum = 0;
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < sizeof chunk ? len - done : (uint32_t)sizeof chunk;
        if (!read(ctx, phys + done, chunk, n))
            return false;
        sum = (uint8_t)(sum + acpi_sum(chunk, n));
        done += n;
    }
    return sum == 0;
}

static void acpi_set_defaults(struct acpi_madt_info *out)
{
    memset(out, 0, sizeof *out);
    out->lapic_phys = ACPI_DEFAULT_LAPIC_PHYS;
    out->ioapic_count = 1;
    out->ioapics[0] = (struct acpi_ioapic){ .id = 0, .phys = ACPI_DEFAULT_IOAPIC_PHYS, .gsi_base = 0 };
    for (unsigned i = 0; i < ACPI_ISA_IRQS; i++)
        out->isa[i] = (struct acpi_isa_route){ .gsi = i, .level = false, .active_low = false };
}

static bool acpi_find_rsdp_in(acpi_read_fn read, void *ctx, uint64_t start, uint64_t end, uint8_t rsdp[ACPI_RSDP_V2_LENGTH])
{
    for (uint64_t p = start; p + ACPI_RSDP_V1_LENGTH <= end; p += ACPI_RSDP_ALIGN) {
        if (!read(ctx, p, rsdp, ACPI_RSDP_V1_LENGTH) || memcmp(rsdp, ACPI_RSDP_SIGNATURE, 8) != 0)
            continue;
        if (acpi_sum(rsdp, ACPI_RSDP_V1_LENGTH) != 0)
            continue;
        /* Revision 2+ has a length, an XSDT pointer and an extended checksum. */
        if (rsdp[15] >= 2 && (!read(ctx, p, rsdp, ACPI_RSDP_V2_LENGTH) || acpi_sum(rsdp, ACPI_RSDP_V2_LENGTH) != 0))
            rsdp[15] = 0; /* a broken extension: fall back to the RSDT */
        return true;
    }
    return false;
}

static bool acpi_find_rsdp(acpi_read_fn read, void *ctx, uint8_t rsdp[ACPI_RSDP_V2_LENGTH])
{
    uint8_t seg[2];
    if (read(ctx, ACPI_EBDA_POINTER, seg, sizeof seg)) {
        uint64_t ebda = (uint64_t)acpi_le16(seg) << 4;
        if (ebda != 0 && acpi_find_rsdp_in(read, ctx, ebda, ebda + ACPI_EBDA_SCAN_LENGTH, rsdp))
            return true;
    }
    return acpi_find_rsdp_in(read, ctx, ACPI_BIOS_AREA_START, ACPI_BIOS_AREA_END, rsdp);
}

/* Reads a table header at phys, checks signature, length bounds and checksum. */
static bool acpi_check_table(acpi_read_fn read, void *ctx, uint64_t phys, const char *sig, uint32_t *length)
{
    uint8_t hdr[ACPI_HEADER_LENGTH];
    if (!read(ctx, phys, hdr, sizeof hdr) || memcmp(hdr, sig, 4) != 0)
        return false;
    uint32_t len = acpi_le32(hdr + 4);
    if (len < ACPI_HEADER_LENGTH || !acpi_checksum_phys(read, ctx, phys, len))
        return false;
    *length = len;
    return true;
}

static bool acpi_parse_madt(const uint8_t *madt, uint32_t len, struct acpi_madt_info *out, char *err, size_t err_size)
{
    if (len < ACPI_MADT_ENTRIES_OFFSET) {
        fmt_snprintf(err, err_size, "MADT too short (%u bytes)", len);
        return false;
    }
    out->lapic_phys = acpi_le32(madt + ACPI_HEADER_LENGTH);
    out->ioapic_count = 0;
    for (uint32_t off = ACPI_MADT_ENTRIES_OFFSET; off < len;) {
        if (len - off < 2 || madt[off + 1] < 2 || madt[off + 1] > len - off) {
            fmt_snprintf(err, err_size, "MADT entry at offset %u overruns the table", off);
            return false;
        }
        const uint8_t *e = madt + off;
        uint8_t type = e[0], elen = e[1];
        if (type == MADT_TYPE_IOAPIC && elen >= MADT_IOAPIC_LENGTH) {
            if (out->ioapic_count == ACPI_MAX_IOAPICS) {
                fmt_snprintf(err, err_size, "more than %d IOAPICs", ACPI_MAX_IOAPICS);
                return false;
            }
            out->ioapics[out->ioapic_count++] =
                (struct acpi_ioapic){ .id = e[2], .phys = acpi_le32(e + 4), .gsi_base = acpi_le32(e + 8) };
        } else if (type == MADT_TYPE_SOURCE_OVERRIDE && elen >= MADT_OVERRIDE_LENGTH) {
            uint8_t source = e[3];
            uint16_t flags = acpi_le16(e + 8);
            if (e[2] == MADT_ISA_BUS && source < ACPI_ISA_IRQS)
                out->isa[source] = (struct acpi_isa_route){
                    .gsi = acpi_le32(e + 4),
                    .level = (flags & MADT_FLAGS_TRIGGER_MASK) == MADT_FLAGS_TRIGGER_LEVEL,
                    .active_low = (flags & MADT_FLAGS_POLARITY_MASK) == MADT_FLAGS_POLARITY_LOW,
                };
        } else if (type == MADT_TYPE_LAPIC_ADDRESS_OVERRIDE && elen >= MADT_LAPIC_OVERRIDE_LENGTH) {
            out->lapic_phys = acpi_le64(e + 4);
        }
        off += elen;
    }
    if (out->ioapic_count == 0) {
        fmt_snprintf(err, err_size, "MADT lists no IOAPIC");
        return false;
    }
    return true;
}

bool acpi_parse(acpi_read_fn read, void *ctx, struct acpi_madt_info *out, char *err, size_t err_size)
{
    static uint8_t madt[ACPI_MADT_MAX_LENGTH];
    uint8_t rsdp[ACPI_RSDP_V2_LENGTH];
    acpi_set_defaults(out);
    if (!acpi_find_rsdp(read, ctx, rsdp)) {
        fmt_snprintf(err, err_size, "no valid RSDP");
        return false;
    }
    bool use_xsdt = rsdp[15] >= 2 && acpi_le64(rsdp + 24) != 0;
    uint64_t sdt = use_xsdt ? acpi_le64(rsdp + 24) : acpi_le32(rsdp + 16);
    size_t entry_size = use_xsdt ? 8 : 4;
    uint32_t sdt_len;
    if (!acpi_check_table(read, ctx, sdt, use_xsdt ? "XSDT" : "RSDT", &sdt_len)) {
        fmt_snprintf(err, err_size, "%s at 0x%llx unreadable or bad checksum", use_xsdt ? "XSDT" : "RSDT",
                     (unsigned long long)sdt);
        return false;
    }
    size_t entries = (sdt_len - ACPI_HEADER_LENGTH) / entry_size;
    if (entries > ACPI_SDT_MAX_ENTRIES)
        entries = ACPI_SDT_MAX_ENTRIES;
    for (size_t i = 0; i < entries; i++) {
        uint8_t ptr[8] = { 0 };
        if (!read(ctx, sdt + ACPI_HEADER_LENGTH + i * entry_size, ptr, entry_size))
            break;
        uint64_t table = entry_size == 8 ? acpi_le64(ptr) : acpi_le32(ptr);
        uint32_t len;
        if (!acpi_check_table(read, ctx, table, "APIC", &len))
            continue;
        if (len > sizeof madt) {
            fmt_snprintf(err, err_size, "MADT of %u bytes exceeds %u", len, ACPI_MADT_MAX_LENGTH);
            return false;
        }
        if (!read(ctx, table, madt, len)) {
            fmt_snprintf(err, err_size, "MADT unreadable");
            return false;
        }
        if (!acpi_parse_madt(madt, len, out, err, err_size)) {
            acpi_set_defaults(out);
            return false;
        }
        out->from_madt = true;
        return true;
    }
    fmt_snprintf(err, err_size, "no MADT in the %s", use_xsdt ? "XSDT" : "RSDT");
    return false;
}

static bool acpi_boot_read(void *ctx, uint64_t phys, void *dst, size_t len)
{
    (void)ctx;
    if (phys >= ACPI_BOOT_MAP_LIMIT || len > ACPI_BOOT_MAP_LIMIT - phys)
        return false;
    memcpy(dst, (const void *)(uintptr_t)phys, len);
    return true;
}

void acpi_init(void)
{
    char err[96];
    if (acpi_parse(acpi_boot_read, NULL, &acpi_info, err, sizeof err))
        log_info("acpi: MADT: lapic 0x%llx, %zu ioapic(s), first at 0x%llx gsi %u", (unsigned long long)acpi_info.lapic_phys,
                 acpi_info.ioapic_count, (unsigned long long)acpi_info.ioapics[0].phys, acpi_info.ioapics[0].gsi_base);
    else
        log_warn("acpi: %s; using lapic 0x%llx, ioapic 0x%llx, identity ISA routing", err,
                 (unsigned long long)acpi_info.lapic_phys, (unsigned long long)acpi_info.ioapics[0].phys);
}

const struct acpi_madt_info *acpi_madt(void)
{
    return &acpi_info;
}

uint64_t acpi_lapic_phys(void)
{
    return acpi_info.lapic_phys;
}

unsigned acpi_isa_irq_to_gsi(unsigned isa_irq, bool *level, bool *active_low)
{
    if (isa_irq >= ACPI_ISA_IRQS) {
        *level = false;
        *active_low = false;
        return isa_irq;
    }
    *level = acpi_info.isa[isa_irq].level;
    *active_low = acpi_info.isa[isa_irq].active_low;
    return acpi_info.isa[isa_irq].gsi;
}

/* ktests: forged firmware tables in a fake physical memory. */

#define ACPI_KTEST_RSDP_PHYS 0xe0010ull
#define ACPI_KTEST_RSDT_PHYS 0x1000ull
#define ACPI_KTEST_MADT_PHYS 0x2000ull
#define ACPI_KTEST_XSDT_PHYS 0x100003000ull /* above 4 GiB: only an XSDT can point there */
#define ACPI_KTEST_XSDT_LENGTH (ACPI_HEADER_LENGTH + 8)
#define ACPI_KTEST_IOAPIC_PHYS 0xfec10000u
#define ACPI_KTEST_RSDT_LENGTH (ACPI_HEADER_LENGTH + 4)
#define ACPI_KTEST_MADT_LENGTH (ACPI_MADT_ENTRIES_OFFSET + MADT_IOAPIC_LENGTH + 2 * MADT_OVERRIDE_LENGTH)

struct acpi_ktest_memory {
    uint8_t rsdp[ACPI_RSDP_V2_LENGTH];
    uint8_t rsdt[ACPI_KTEST_RSDT_LENGTH];
    uint8_t xsdt[ACPI_KTEST_XSDT_LENGTH];
    uint8_t madt[ACPI_KTEST_MADT_LENGTH];
};

static bool acpi_ktest_copy(uint64_t phys, void *dst, size_t len, uint64_t base, const uint8_t *blob, size_t size)
{
    if (phys < base || phys - base > size || len > size - (phys - base))
        return false;
    memcpy(dst, blob + (phys - base), len);
    return true;
}

/* The BIOS area reads as zeros except for the RSDP; the tables sit at their addresses;
 * everything else is unreadable. */
static bool acpi_ktest_read(void *ctx, uint64_t phys, void *dst, size_t len)
{
    const struct acpi_ktest_memory *m = ctx;
    if (acpi_ktest_copy(phys, dst, len, ACPI_KTEST_RSDP_PHYS, m->rsdp, sizeof m->rsdp) ||
        acpi_ktest_copy(phys, dst, len, ACPI_KTEST_RSDT_PHYS, m->rsdt, sizeof m->rsdt) ||
        acpi_ktest_copy(phys, dst, len, ACPI_KTEST_XSDT_PHYS, m->xsdt, sizeof m->xsdt) ||
        acpi_ktest_copy(phys, dst, len, ACPI_KTEST_MADT_PHYS, m->madt, sizeof m->madt))
        return true;
    if (phys >= ACPI_BIOS_AREA_START && phys + len <= ACPI_BIOS_AREA_END && phys + len <= ACPI_KTEST_RSDP_PHYS) {
        memset(dst, 0, len);
        return true;
    }
    if (phys >= ACPI_KTEST_RSDP_PHYS + ACPI_RSDP_V2_LENGTH && phys + len <= ACPI_BIOS_AREA_END) {
        memset(dst, 0, len);
        return true;
    }
    if (phys == ACPI_EBDA_POINTER && len == 2) {
        memset(dst, 0, len); /* no EBDA */
        return true;
    }
    return false;
}

static void acpi_ktest_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void acpi_ktest_header(uint8_t *t, const char *sig, uint32_t len)
{
    memcpy(t, sig, 4);
    acpi_ktest_put32(t + 4, len);
}

static void acpi_ktest_fix_checksums(struct acpi_ktest_memory *m)
{
    m->rsdp[8] = 0;
    m->rsdp[8] = (uint8_t)-acpi_sum(m->rsdp, ACPI_RSDP_V1_LENGTH);
    m->rsdp[32] = 0;
    m->rsdp[32] = (uint8_t)-acpi_sum(m->rsdp, ACPI_RSDP_V2_LENGTH);
    m->xsdt[9] = 0;
    m->xsdt[9] = (uint8_t)-acpi_sum(m->xsdt, sizeof m->xsdt);
    m->rsdt[9] = 0;
    m->rsdt[9] = (uint8_t)-acpi_sum(m->rsdt, sizeof m->rsdt);
    m->madt[9] = 0;
    m->madt[9] = (uint8_t)-acpi_sum(m->madt, sizeof m->madt);
}

/* A v1 RSDP -> RSDT -> MADT with one IOAPIC, IRQ 0 -> GSI 2 and IRQ 9 level/active-low. */
static void acpi_ktest_build(struct acpi_ktest_memory *m)
{
    memset(m, 0, sizeof *m);
    memcpy(m->rsdp, ACPI_RSDP_SIGNATURE, 8);
    acpi_ktest_put32(m->rsdp + 16, ACPI_KTEST_RSDT_PHYS);
    acpi_ktest_header(m->rsdt, "RSDT", sizeof m->rsdt);
    acpi_ktest_put32(m->rsdt + ACPI_HEADER_LENGTH, ACPI_KTEST_MADT_PHYS);
    acpi_ktest_header(m->madt, "APIC", sizeof m->madt);
    acpi_ktest_put32(m->madt + ACPI_HEADER_LENGTH, ACPI_DEFAULT_LAPIC_PHYS);
    uint8_t *e = m->madt + ACPI_MADT_ENTRIES_OFFSET;
    e[0] = MADT_TYPE_IOAPIC;
    e[1] = MADT_IOAPIC_LENGTH;
    e[2] = 7;
    acpi_ktest_put32(e + 4, ACPI_KTEST_IOAPIC_PHYS);
    e += MADT_IOAPIC_LENGTH;
    e[0] = MADT_TYPE_SOURCE_OVERRIDE;
    e[1] = MADT_OVERRIDE_LENGTH;
    e[3] = 0;
    acpi_ktest_put32(e + 4, 2);
    e += MADT_OVERRIDE_LENGTH;
    e[0] = MADT_TYPE_SOURCE_OVERRIDE;
    e[1] = MADT_OVERRIDE_LENGTH;
    e[3] = 9;
    acpi_ktest_put32(e + 4, 9);
    e[8] = MADT_FLAGS_POLARITY_LOW | MADT_FLAGS_TRIGGER_LEVEL;
    acpi_ktest_fix_checksums(m);
}

static bool acpi_ktest_defaults(const struct acpi_madt_info *info)
{
    return !info->from_madt && info->ioapic_count == 1 && info->ioapics[0].phys == ACPI_DEFAULT_IOAPIC_PHYS &&
           info->isa[0].gsi == 0 && !info->isa[9].level;
}

KTEST(acpi_parses_forged_madt)
{
    static struct acpi_ktest_memory m;
    static struct acpi_madt_info info;
    char err[96];
    acpi_ktest_build(&m);
    KT_EXPECT(acpi_parse(acpi_ktest_read, &m, &info, err, sizeof err));
    KT_EXPECT(info.from_madt);
    KT_EXPECT_EQ(info.ioapic_count, 1);
    KT_EXPECT_EQ(info.ioapics[0].phys, ACPI_KTEST_IOAPIC_PHYS);
    KT_EXPECT_EQ(info.ioapics[0].id, 7);
    KT_EXPECT_EQ(info.isa[0].gsi, 2);
    KT_EXPECT(!info.isa[0].level && !info.isa[0].active_low);
    KT_EXPECT_EQ(info.isa[9].gsi, 9);
    KT_EXPECT(info.isa[9].level && info.isa[9].active_low);
    KT_EXPECT_EQ(info.isa[4].gsi, 4);
}

KTEST(acpi_refuses_broken_tables)
{
    static struct acpi_ktest_memory m;
    static struct acpi_madt_info info;
    char err[96];

    acpi_ktest_build(&m);
    m.madt[20] ^= 0xff; /* MADT checksum no longer zero: the table is skipped */
    KT_EXPECT(!acpi_parse(acpi_ktest_read, &m, &info, err, sizeof err));
    KT_EXPECT(acpi_ktest_defaults(&info));

    acpi_ktest_build(&m);
    m.rsdp[0] = 'X'; /* no signature */
    KT_EXPECT(!acpi_parse(acpi_ktest_read, &m, &info, err, sizeof err));
    KT_EXPECT(acpi_ktest_defaults(&info));

    acpi_ktest_build(&m);
    m.madt[ACPI_MADT_ENTRIES_OFFSET + 1] = 0; /* zero-length entry: would loop forever */
    acpi_ktest_fix_checksums(&m);
    KT_EXPECT(!acpi_parse(acpi_ktest_read, &m, &info, err, sizeof err));
    KT_EXPECT(acpi_ktest_defaults(&info));

    acpi_ktest_build(&m);
    m.madt[ACPI_MADT_ENTRIES_OFFSET + 1] = 0xff; /* entry runs past the table */
    acpi_ktest_fix_checksums(&m);
    KT_EXPECT(!acpi_parse(acpi_ktest_read, &m, &info, err, sizeof err));
    KT_EXPECT(acpi_ktest_defaults(&info));

    acpi_ktest_build(&m);
    acpi_ktest_put32(m.rsdt + 4, 0xffffffffu); /* RSDT claims 4 GiB: unreadable */
    acpi_ktest_fix_checksums(&m);
    KT_EXPECT(!acpi_parse(acpi_ktest_read, &m, &info, err, sizeof err));
    KT_EXPECT(acpi_ktest_defaults(&info));
}

/* Revision 2: the XSDT wins over the RSDT, and may point above 4 GiB. */
KTEST(acpi_prefers_xsdt)
{
    static struct acpi_ktest_memory m;
    static struct acpi_madt_info info;
    char err[96];
    acpi_ktest_build(&m);
    m.rsdp[15] = 2;
    acpi_ktest_put32(m.rsdp + 20, ACPI_RSDP_V2_LENGTH);
    acpi_ktest_put32(m.rsdp + 24, (uint32_t)ACPI_KTEST_XSDT_PHYS);
    acpi_ktest_put32(m.rsdp + 28, (uint32_t)(ACPI_KTEST_XSDT_PHYS >> 32));
    acpi_ktest_header(m.xsdt, "XSDT", sizeof m.xsdt);
    acpi_ktest_put32(m.xsdt + ACPI_HEADER_LENGTH, ACPI_KTEST_MADT_PHYS);
    acpi_ktest_put32(m.rsdt + ACPI_HEADER_LENGTH, 0xdead0000u); /* the RSDT must not be used */
    acpi_ktest_fix_checksums(&m);
    KT_EXPECT(acpi_parse(acpi_ktest_read, &m, &info, err, sizeof err));
    KT_EXPECT(info.from_madt);
    KT_EXPECT_EQ(info.isa[0].gsi, 2);

    m.rsdp[33] ^= 1; /* extended checksum broken: fall back to the RSDT, whose entry is bad */
    KT_EXPECT(!acpi_parse(acpi_ktest_read, &m, &info, err, sizeof err));
    KT_EXPECT(acpi_ktest_defaults(&info));
}
