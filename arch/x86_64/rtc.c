/* SPDX-License-Identifier: MIT */
/* CMOS real-time clock (Motorola MC146818A datasheet: registers 0-9 and A-B; the century
 * byte at 0x32 is the IBM PC/AT convention, which QEMU's mc146818rtc and ACPI's FADT
 * "century" field default share). The clock updates its registers once a second; while
 * Update-In-Progress is set they may be inconsistent, so this waits for it to clear and
 * reads all of them until two reads in a row agree. */
#include <arch/io.h>
#include <arch/rtc.h>

#define RTC_PORT_INDEX 0x70
#define RTC_PORT_DATA 0x71
#define RTC_REG_SECONDS 0x00
#define RTC_REG_MINUTES 0x02
#define RTC_REG_HOURS 0x04
#define RTC_REG_DAY 0x07
#define RTC_REG_MONTH 0x08
#define RTC_REG_YEAR 0x09
#define RTC_REG_STATUS_A 0x0a
#define RTC_REG_STATUS_B 0x0b
#define RTC_REG_CENTURY 0x32
#define RTC_STATUS_A_UIP 0x80    /* an update is in progress (at most 2 ms, datasheet) */
#define RTC_STATUS_B_24H 0x02    /* hours 0-23, else 1-12 with RTC_HOUR_PM */
#define RTC_STATUS_B_BINARY 0x04 /* binary values, else BCD */
#define RTC_HOUR_PM 0x80
#define RTC_DEFAULT_CENTURY 20u  /* when the century byte is not a plausible one */
#define RTC_UIP_POLLS 100000u    /* port reads before giving up on UIP (each takes >= 1 us) */
#define RTC_READ_ATTEMPTS 8u     /* register sets read before giving up on two that agree */

struct rtc_regs {
    uint8_t second, minute, hour, day, month, year, century, status_b;
};

static uint8_t rtc_reg(uint8_t index)
{
    outb(RTC_PORT_INDEX, index);
    return inb(RTC_PORT_DATA);
}

static bool rtc_wait_not_updating(void)
{
    for (unsigned i = 0; i < RTC_UIP_POLLS; i++)
        if (!(rtc_reg(RTC_REG_STATUS_A) & RTC_STATUS_A_UIP))
            return true;
    return false;
}

static bool rtc_read_regs(struct rtc_regs *r)
{
    if (!rtc_wait_not_updating())
        return false;
    *r = (struct rtc_regs){ rtc_reg(RTC_REG_SECONDS), rtc_reg(RTC_REG_MINUTES), rtc_reg(RTC_REG_HOURS),
                            rtc_reg(RTC_REG_DAY),     rtc_reg(RTC_REG_MONTH),   rtc_reg(RTC_REG_YEAR),
                            rtc_reg(RTC_REG_CENTURY), rtc_reg(RTC_REG_STATUS_B) };
    return true;
}

static bool rtc_regs_equal(const struct rtc_regs *a, const struct rtc_regs *b)
{
    return a->second == b->second && a->minute == b->minute && a->hour == b->hour && a->day == b->day &&
           a->month == b->month && a->year == b->year && a->century == b->century && a->status_b == b->status_b;
}

/* A register's value; UINT8_MAX (out of every range) for a BCD byte with a digit above 9. */
static unsigned rtc_value(uint8_t raw, bool binary)
{
    if (binary)
        return raw;
    if ((raw & 0x0f) > 9 || (raw >> 4) > 9)
        return UINT8_MAX;
    return (raw >> 4) * 10u + (raw & 0x0f);
}

bool rtc_read(struct civil_time *out)
{
    struct rtc_regs a, b;
    if (!rtc_read_regs(&a))
        return false;
    for (unsigned i = 0;; i++) {
        if (i == RTC_READ_ATTEMPTS || !rtc_read_regs(&b))
            return false;
        if (rtc_regs_equal(&a, &b))
            break;
        a = b;
    }
    bool binary = (a.status_b & RTC_STATUS_B_BINARY) != 0;
    unsigned hour = rtc_value(a.hour & (uint8_t)~RTC_HOUR_PM, binary);
    if (!(a.status_b & RTC_STATUS_B_24H)) { /* 1-12: 12 AM is 0 h, 12 PM is 12 h */
        if (hour < 1 || hour > 12)
            return false;
        hour = hour % 12 + ((a.hour & RTC_HOUR_PM) ? 12 : 0);
    }
    unsigned century = rtc_value(a.century, binary);
    if (century < CIVIL_YEAR_MIN / 100 || century > CIVIL_YEAR_MAX / 100)
        century = RTC_DEFAULT_CENTURY;
    unsigned year = rtc_value(a.year, binary);
    *out = (struct civil_time){ century * 100 + year, rtc_value(a.month, binary), rtc_value(a.day, binary), hour,
                                rtc_value(a.minute, binary), rtc_value(a.second, binary) };
    return year <= 99;
}
