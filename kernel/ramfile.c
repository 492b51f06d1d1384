/* SPDX-License-Identifier: MIT */
/* In-memory files (kernel/ramfile.h). Invariant: bytes at or past size read as zeros in
 * every held page (truncate clears them), so growing needs no clearing. */
#include "kernel/ramfile.h"

#include "kernel/libc.h"

static size_t ramfile_pages_for(uint64_t bytes)
{
    return (size_t)((bytes + RAMFILE_PAGE - 1) / RAMFILE_PAGE);
}

size_t ramfile_read(const struct ramfile *f, uint64_t off, void *dst, size_t len)
{
    if (off >= f->size)
        return 0;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    for (size_t done = 0; done < len;) {
        uint64_t at = off + done;
        size_t in_page = (size_t)(at % RAMFILE_PAGE);
        size_t n = RAMFILE_PAGE - in_page < len - done ? RAMFILE_PAGE - in_page : len - done;
        /* A file grown by truncate (ftruncate, fallocate) has no page slots past its last
         * write: that part is a hole too. */
        size_t slot = (size_t)(at / RAMFILE_PAGE);
        const uint8_t *page = slot < f->page_slots ? f->pages[slot] : NULL;
        if (page)
            memcpy((uint8_t *)dst + done, page + in_page, n);
        else
            memset((uint8_t *)dst + done, 0, n);
        done += n;
    }
    return len;
}

/* Makes room for page_slots >= want (doubling). */
static int ramfile_reserve(struct ramfile *f, const struct ramfile_alloc *a, size_t want)
{
    if (want <= f->page_slots)
        return RAMFILE_OK;
    size_t slots = f->page_slots ? f->page_slots : 1;
    while (slots < want)
        slots *= 2;
    uint8_t **pages = a->alloc(slots * sizeof *pages);
    if (!pages)
        return RAMFILE_NO_MEMORY;
    if (f->page_slots)
        memcpy(pages, f->pages, f->page_slots * sizeof *pages);
    memset(pages + f->page_slots, 0, (slots - f->page_slots) * sizeof *pages);
    a->free(f->pages);
    f->pages = pages;
    f->page_slots = slots;
    return RAMFILE_OK;
}

int ramfile_write(struct ramfile *f, const struct ramfile_alloc *a, uint64_t off, const void *src, size_t len)
{
    if (off > RAMFILE_MAX_BYTES || len > RAMFILE_MAX_BYTES - off)
        return RAMFILE_TOO_BIG;
    if (len == 0)
        return RAMFILE_OK;
    size_t first = (size_t)(off / RAMFILE_PAGE), last = (size_t)((off + len - 1) / RAMFILE_PAGE);
    if (ramfile_reserve(f, a, last + 1) != RAMFILE_OK)
        return RAMFILE_NO_MEMORY;
    /* Every page first, so a failure leaves the contents as they were (new zero pages read
     * as the holes they replace). */
    for (size_t i = first; i <= last; i++) {
        if (f->pages[i])
            continue;
        f->pages[i] = a->alloc(RAMFILE_PAGE);
        if (!f->pages[i])
            return RAMFILE_NO_MEMORY;
        memset(f->pages[i], 0, RAMFILE_PAGE);
        f->pages_held++;
    }
    for (size_t done = 0; done < len;) {
        uint64_t at = off + done;
        size_t in_page = (size_t)(at % RAMFILE_PAGE);
        size_t n = RAMFILE_PAGE - in_page < len - done ? RAMFILE_PAGE - in_page : len - done;
        memcpy(f->pages[at / RAMFILE_PAGE] + in_page, (const uint8_t *)src + done, n);
        done += n;
    }
    if (off + len > f->size)
        f->size = off + len;
    return RAMFILE_OK;
}

int ramfile_truncate(struct ramfile *f, const struct ramfile_alloc *a, uint64_t size)
{
    if (size > RAMFILE_MAX_BYTES)
        return RAMFILE_TOO_BIG;
    size_t keep = ramfile_pages_for(size);
    for (size_t i = keep; i < f->page_slots; i++) {
        if (f->pages[i]) {
            a->free(f->pages[i]);
            f->pages[i] = NULL;
            f->pages_held--;
        }
    }
    size_t partial = (size_t)(size / RAMFILE_PAGE);
    if (size < f->size && size % RAMFILE_PAGE && partial < f->page_slots && f->pages[partial])
        memset(f->pages[size / RAMFILE_PAGE] + size % RAMFILE_PAGE, 0, RAMFILE_PAGE - size % RAMFILE_PAGE);
    f->size = size;
    return RAMFILE_OK;
}

void ramfile_free(struct ramfile *f, const struct ramfile_alloc *a)
{
    ramfile_truncate(f, a, 0);
    a->free(f->pages);
    *f = (struct ramfile){ 0 };
}
