/* SPDX-License-Identifier: MIT */
/* Typed port-I/O and MMIO accessors: the only way drivers touch device registers.
 * MMIO pointers are volatile so every access reaches the device in program order. */
#ifndef ARCH_IO_H
#define ARCH_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t value) { __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t value) { __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint8_t mmio_read8(volatile void *addr) { return *(volatile uint8_t *)addr; }
static inline uint16_t mmio_read16(volatile void *addr) { return *(volatile uint16_t *)addr; }
static inline uint32_t mmio_read32(volatile void *addr) { return *(volatile uint32_t *)addr; }
static inline uint64_t mmio_read64(volatile void *addr) { return *(volatile uint64_t *)addr; }
static inline void mmio_write8(volatile void *addr, uint8_t v) { *(volatile uint8_t *)addr = v; }
static inline void mmio_write16(volatile void *addr, uint16_t v) { *(volatile uint16_t *)addr = v; }
static inline void mmio_write32(volatile void *addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static inline void mmio_write64(volatile void *addr, uint64_t v) { *(volatile uint64_t *)addr = v; }

/* Ordering between normal memory (rings) and device accesses. x86 keeps stores in order
 * with each other, so these mostly stop the compiler; mfence/lfence where the SDM asks. */
static inline void barrier_compiler(void) { __asm__ volatile("" ::: "memory"); }
static inline void barrier_write(void) { __asm__ volatile("sfence" ::: "memory"); }
static inline void barrier_read(void) { __asm__ volatile("lfence" ::: "memory"); }
static inline void barrier_full(void) { __asm__ volatile("mfence" ::: "memory"); }

#endif
