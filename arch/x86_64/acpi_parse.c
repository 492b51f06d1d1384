/* SPDX-License-Identifier: MIT */
/* ACPI table parsing for interrupt routing (ACPI 6.4 5.2.5 RSDP, 5.2.6 table header,
 * 5.2.7 RSDT, 5.2.8 XSDT, 5.2.12 MADT). Portable: reads only through a callback, so every
 * byte taken from firmware is bounds checked and host tests feed it forged and mutated
 * tables. Skips processor entries (one CPU per node) and NMI sources. */
#include <arch/acpi.h>

#include "kernel/format.h"
#include "kernel/libc.h"

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
#define ACPI_MADT_MAX_LENGTH 8192 /* ample for one CPU; a larger MADT is skipped, not truncated */
#define ACPI_SDT_MAX_ENTRIES 256
#define ACPI_SDT_MAX_LENGTH (ACPI_HEADER_LENGTH + ACPI_SDT_MAX_ENTRIES * 8)
#define ACPI_CHECKSUM_CHUNK 256

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

/* Reads a table header at phys, checks signature, length bounds (at most max_len: a
 * corrupt length must not make us sum gigabytes, or touch device memory) and checksum. */
static bool acpi_check_table(acpi_read_fn read, void *ctx, uint64_t phys, const char *sig, uint32_t max_len,
                             uint32_t *length)
{
    uint8_t hdr[ACPI_HEADER_LENGTH];
    if (!read(ctx, phys, hdr, sizeof hdr) || memcmp(hdr, sig, 4) != 0)
        return false;
    uint32_t len = acpi_le32(hdr + 4);
    if (len < ACPI_HEADER_LENGTH || len > max_len || !acpi_checksum_phys(read, ctx, phys, len))
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
    if (!acpi_check_table(read, ctx, sdt, use_xsdt ? "XSDT" : "RSDT", ACPI_SDT_MAX_LENGTH, &sdt_len)) {
        fmt_snprintf(err, err_size, "%s at 0x%llx unreadable or bad checksum", use_xsdt ? "XSDT" : "RSDT",
                     (unsigned long long)sdt);
        return false;
    }
    size_t entries = (sdt_len - ACPI_HEADER_LENGTH) / entry_size;
    for (size_t i = 0; i < entries; i++) {
        uint8_t ptr[8] = { 0 };
        if (!read(ctx, sdt + ACPI_HEADER_LENGTH + i * entry_size, ptr, entry_size))
            break;
        uint64_t table = entry_size == 8 ? acpi_le64(ptr) : acpi_le32(ptr);
        uint32_t len;
        if (!acpi_check_table(read, ctx, table, "APIC", ACPI_MADT_MAX_LENGTH, &len))
            continue;
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
