/* SPDX-License-Identifier: MIT */
/* Host tests for arch/x86_64/acpi_parse.c: forged firmware tables in a fake physical
 * memory (ACPI 6.4 5.2.5-5.2.12 layouts), broken ones refused with the PC defaults, and
 * thousands of random mutations parsed under ASan/UBSan without a fault or a hang. */
#include <arch/acpi.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Layout facts from ACPI 6.4 (the parser's own constants are private to it). */
#define T_RSDP_V1_LENGTH 20
#define T_RSDP_V2_LENGTH 36
#define T_HEADER_LENGTH 36
#define T_MADT_ENTRIES 44
#define T_IOAPIC_LENGTH 12
#define T_OVERRIDE_LENGTH 10
#define T_TYPE_IOAPIC 1
#define T_TYPE_OVERRIDE 2
#define T_FLAGS_LEVEL_LOW 0xf /* polarity 11 (low), trigger 11 (level) */
#define T_BIOS_START 0xe0000ull
#define T_BIOS_END 0x100000ull
#define T_EBDA_POINTER 0x40eull

#define T_RSDP_PHYS 0xe0010ull
#define T_RSDT_PHYS 0x1000ull
#define T_MADT_PHYS 0x2000ull
#define T_XSDT_PHYS 0x100003000ull
#define T_IOAPIC_PHYS 0xfec10000u
#define T_RSDT_LENGTH (T_HEADER_LENGTH + 4)
#define T_XSDT_LENGTH (T_HEADER_LENGTH + 8)
#define T_MADT_LENGTH (T_MADT_ENTRIES + T_IOAPIC_LENGTH + 2 * T_OVERRIDE_LENGTH)

struct fake_memory {
    uint8_t rsdp[T_RSDP_V2_LENGTH];
    uint8_t rsdt[T_RSDT_LENGTH];
    uint8_t xsdt[T_XSDT_LENGTH];
    uint8_t madt[T_MADT_LENGTH];
};

static bool copy_from(uint64_t phys, void *dst, size_t len, uint64_t base, const uint8_t *blob, size_t size)
{
    if (phys < base || phys - base > size || len > size - (phys - base))
        return false;
    memcpy(dst, blob + (phys - base), len);
    return true;
}

/* The tables at their addresses; the rest of the BIOS area reads as zeros; no EBDA;
 * everything else is unreadable. */
static bool fake_read(void *ctx, uint64_t phys, void *dst, size_t len)
{
    const struct fake_memory *m = ctx;
    if (copy_from(phys, dst, len, T_RSDP_PHYS, m->rsdp, sizeof m->rsdp) ||
        copy_from(phys, dst, len, T_RSDT_PHYS, m->rsdt, sizeof m->rsdt) ||
        copy_from(phys, dst, len, T_XSDT_PHYS, m->xsdt, sizeof m->xsdt) ||
        copy_from(phys, dst, len, T_MADT_PHYS, m->madt, sizeof m->madt))
        return true;
    bool below = phys >= T_BIOS_START && phys + len <= T_RSDP_PHYS;
    bool above = phys >= T_RSDP_PHYS + T_RSDP_V2_LENGTH && phys + len <= T_BIOS_END;
    if (below || above || (phys == T_EBDA_POINTER && len == 2)) {
        memset(dst, 0, len);
        return true;
    }
    return false;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

static void fix_checksums(struct fake_memory *m)
{
    m->rsdp[8] = 0;
    m->rsdp[8] = (uint8_t)-sum(m->rsdp, T_RSDP_V1_LENGTH);
    m->rsdp[32] = 0;
    m->rsdp[32] = (uint8_t)-sum(m->rsdp, T_RSDP_V2_LENGTH);
    m->rsdt[9] = 0;
    m->rsdt[9] = (uint8_t)-sum(m->rsdt, sizeof m->rsdt);
    m->xsdt[9] = 0;
    m->xsdt[9] = (uint8_t)-sum(m->xsdt, sizeof m->xsdt);
    m->madt[9] = 0;
    m->madt[9] = (uint8_t)-sum(m->madt, sizeof m->madt);
}

/* A v1 RSDP -> RSDT -> MADT with one IOAPIC (id 7), IRQ 0 -> GSI 2 and IRQ 9 level/low;
 * also an XSDT to the same MADT, used when the RSDP is made revision 2. */
static void build(struct fake_memory *m)
{
    memset(m, 0, sizeof *m);
    memcpy(m->rsdp, "RSD PTR ", 8);
    put32(m->rsdp + 16, T_RSDT_PHYS);
    memcpy(m->rsdt, "RSDT", 4);
    put32(m->rsdt + 4, sizeof m->rsdt);
    put32(m->rsdt + T_HEADER_LENGTH, T_MADT_PHYS);
    memcpy(m->xsdt, "XSDT", 4);
    put32(m->xsdt + 4, sizeof m->xsdt);
    put32(m->xsdt + T_HEADER_LENGTH, T_MADT_PHYS);
    memcpy(m->madt, "APIC", 4);
    put32(m->madt + 4, sizeof m->madt);
    put32(m->madt + T_HEADER_LENGTH, ACPI_DEFAULT_LAPIC_PHYS);
    uint8_t *e = m->madt + T_MADT_ENTRIES;
    e[0] = T_TYPE_IOAPIC;
    e[1] = T_IOAPIC_LENGTH;
    e[2] = 7;
    put32(e + 4, T_IOAPIC_PHYS);
    e += T_IOAPIC_LENGTH;
    e[0] = T_TYPE_OVERRIDE;
    e[1] = T_OVERRIDE_LENGTH;
    e[3] = 0;
    put32(e + 4, 2);
    e += T_OVERRIDE_LENGTH;
    e[0] = T_TYPE_OVERRIDE;
    e[1] = T_OVERRIDE_LENGTH;
    e[3] = 9;
    put32(e + 4, 9);
    e[8] = T_FLAGS_LEVEL_LOW;
    fix_checksums(m);
}

static void make_v2(struct fake_memory *m)
{
    m->rsdp[15] = 2;
    put32(m->rsdp + 20, T_RSDP_V2_LENGTH);
    put32(m->rsdp + 24, (uint32_t)T_XSDT_PHYS);
    put32(m->rsdp + 28, (uint32_t)(T_XSDT_PHYS >> 32));
    fix_checksums(m);
}

static bool is_defaults(const struct acpi_madt_info *info)
{
    return !info->from_madt && info->ioapic_count == 1 && info->ioapics[0].phys == ACPI_DEFAULT_IOAPIC_PHYS &&
           info->lapic_phys == ACPI_DEFAULT_LAPIC_PHYS && info->isa[0].gsi == 0 && !info->isa[9].level;
}

static bool parse(struct fake_memory *m, struct acpi_madt_info *info)
{
    char err[96];
    return acpi_parse(fake_read, m, info, err, sizeof err);
}

TEST(acpi_parses_madt_overrides)
{
    struct fake_memory m;
    struct acpi_madt_info info;
    build(&m);
    CHECK(parse(&m, &info));
    CHECK(info.from_madt);
    CHECK_EQ(info.lapic_phys, ACPI_DEFAULT_LAPIC_PHYS);
    CHECK_EQ(info.ioapic_count, 1);
    CHECK_EQ(info.ioapics[0].phys, T_IOAPIC_PHYS);
    CHECK_EQ(info.ioapics[0].id, 7);
    CHECK_EQ(info.isa[0].gsi, 2);
    CHECK(!info.isa[0].level && !info.isa[0].active_low);
    CHECK_EQ(info.isa[9].gsi, 9);
    CHECK(info.isa[9].level && info.isa[9].active_low);
    CHECK_EQ(info.isa[4].gsi, 4);
}

TEST(acpi_prefers_xsdt_and_falls_back_to_rsdt)
{
    struct fake_memory m;
    struct acpi_madt_info info;
    build(&m);
    make_v2(&m);
    put32(m.rsdt + T_HEADER_LENGTH, 0xdead0000u); /* only the XSDT leads to the MADT */
    fix_checksums(&m);
    CHECK(parse(&m, &info));
    CHECK_EQ(info.isa[0].gsi, 2);

    build(&m);
    make_v2(&m);
    m.rsdp[33] ^= 1; /* extended checksum broken: the v1 part and the RSDT still work */
    CHECK(parse(&m, &info));
    CHECK_EQ(info.isa[0].gsi, 2);
}

TEST(acpi_refuses_broken_tables)
{
    struct fake_memory m;
    struct acpi_madt_info info;

    build(&m);
    m.madt[20] ^= 0xff; /* MADT checksum wrong: skipped, so no MADT */
    CHECK(!parse(&m, &info));
    CHECK(is_defaults(&info));

    build(&m);
    m.rsdp[0] = 'X';
    CHECK(!parse(&m, &info));
    CHECK(is_defaults(&info));

    build(&m);
    m.madt[T_MADT_ENTRIES + 1] = 0; /* zero-length entry: would never advance */
    fix_checksums(&m);
    CHECK(!parse(&m, &info));
    CHECK(is_defaults(&info));

    build(&m);
    m.madt[T_MADT_ENTRIES + 1] = 0xff; /* entry runs past the table */
    fix_checksums(&m);
    CHECK(!parse(&m, &info));
    CHECK(is_defaults(&info));

    build(&m);
    put32(m.rsdt + 4, 0xffffffffu); /* absurd RSDT length: refused before any summing */
    fix_checksums(&m);
    CHECK(!parse(&m, &info));
    CHECK(is_defaults(&info));

    build(&m);
    put32(m.madt + 4, 0x40000000u); /* absurd MADT length */
    fix_checksums(&m);
    CHECK(!parse(&m, &info));
    CHECK(is_defaults(&info));

    build(&m);
    m.madt[T_MADT_ENTRIES] = 0x7f; /* the only IOAPIC entry becomes an unknown type */
    fix_checksums(&m);
    CHECK(!parse(&m, &info));
    CHECK(is_defaults(&info));
}

/* Random byte flips, half of them with checksums repaired so the mutation reaches the
 * entry walk. Every outcome must be either a sane MADT or exactly the defaults. */
TEST(acpi_survives_mutations)
{
    srand(12345);
    unsigned accepted = 0, refused = 0;
    for (int iter = 0; iter < 20000; iter++) {
        struct fake_memory m;
        struct acpi_madt_info info;
        build(&m);
        if (iter & 1)
            make_v2(&m);
        uint8_t *bytes = (uint8_t *)&m;
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++)
            bytes[(size_t)rand() % sizeof m] ^= (uint8_t)(1 + rand() % 255);
        if (rand() & 1)
            fix_checksums(&m);
        if (parse(&m, &info)) {
            accepted++;
            if (!CHECK(info.from_madt && info.ioapic_count >= 1 && info.ioapic_count <= ACPI_MAX_IOAPICS))
                return;
        } else {
            refused++;
            if (!CHECK(is_defaults(&info)))
                return;
        }
    }
    CHECK(accepted > 0);
    CHECK(refused > 0);
}
