; SPDX-License-Identifier: MIT
; boot/multiboot.asm: the multiboot v1 header and the 32-to-64-bit trampoline.
; Follows the Multiboot Specification 0.6.96 section 3.1. The a.out kludge (flag bit 16)
; is set because QEMU -kernel and iPXE refuse ELF64 images (PLUMBING.md section 0.3);
; GRUB honours the kludge too. The trampoline maps 0-4 GiB twice (identity, for this
; code and the multiboot structures, and at KERNEL_VMA for the kernel proper) with
; 2 MiB pages, enters long mode and calls kmain(magic, mbi_phys). The kernel replaces
; these tables with its own (arch/x86_64/paging.c); it does not return here.

MB1_MAGIC            equ 0x1BADB002
MB1_FLAG_PAGE_ALIGN  equ 1 << 0     ; modules page aligned
MB1_FLAG_MEMORY_INFO equ 1 << 1     ; mem_* and mmap_* fields wanted
MB1_FLAG_AOUT_KLUDGE equ 1 << 16    ; use the address fields below, not the ELF headers
MB1_FLAGS            equ MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY_INFO | MB1_FLAG_AOUT_KLUDGE
MB1_BOOT_MAGIC       equ 0x2BADB002 ; what a compliant loader leaves in eax

KERNEL_VMA    equ 0xffffffff80000000
PAGE_SIZE     equ 4096
PTE_PRESENT   equ 1 << 0
PTE_WRITABLE  equ 1 << 1
PTE_HUGE      equ 1 << 7            ; PS bit in a PD entry: 2 MiB page
HUGE_PAGE     equ 0x200000
CR0_PE        equ 1 << 0
CR0_WP        equ 1 << 16
CR0_PG        equ 1 << 31
CR4_PAE       equ 1 << 5
MSR_EFER      equ 0xC0000080
EFER_LME      equ 1 << 8
EFER_NXE      equ 1 << 11
CPUID_EXT_FEATURES equ 0x80000001
CPUID_EXT_LM  equ 1 << 29           ; EDX: long mode
COM1          equ 0x3f8
BOOT_STACK_SIZE equ 16384

extern _load_start_phys, _load_end_phys, _bss_start_phys, _bss_end_phys
extern kmain

section .multiboot
align 4
multiboot_header:
    dd MB1_MAGIC
    dd MB1_FLAGS
    dd -(MB1_MAGIC + MB1_FLAGS)
    dd multiboot_header           ; header_addr (this section is linked at its physical address)
    dd _load_start_phys           ; load_addr
    dd _load_end_phys             ; load_end_addr
    dd _bss_end_phys              ; bss_end_addr
    dd boot_entry32               ; entry_addr

section .boot.data
align 8
boot_magic:    dd 0
boot_mbi:      dd 0
gdt64:
    dq 0
    dq 0x00AF9A000000FFFF         ; 0x08: 64-bit code, DPL 0
    dq 0x00CF92000000FFFF         ; 0x10: data, DPL 0
gdt64_end:
gdt64_pointer:
    dw gdt64_end - gdt64 - 1
    dq gdt64
no_long_mode_msg: db "dsmk: this CPU has no long mode; cannot boot", 13, 10, 0

section .boot.text
bits 32
global boot_entry32
boot_entry32:
    cli
    cld
    mov [boot_magic], eax
    mov [boot_mbi], ebx

    ; Zero the kernel's .bss (physical addresses: paging is off). Loaders should do
    ; this already; doing it here makes the boot independent of that.
    mov edi, _bss_start_phys
    mov ecx, _bss_end_phys
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd

    mov esp, boot_stack_top - KERNEL_VMA

    mov eax, CPUID_EXT_FEATURES
    cpuid
    test edx, CPUID_EXT_LM
    jz .no_long_mode

    ; PML4[0] and PML4[511] -> one PDPT each; both PDPTs point at the same four PDs.
    ; PDPT_low[0..3] covers 0-4 GiB; PDPT_high[510..511] covers KERNEL_VMA + 0-2 GiB.
    mov eax, boot_pdpt_low - KERNEL_VMA
    or eax, PTE_PRESENT | PTE_WRITABLE
    mov [boot_pml4 - KERNEL_VMA], eax
    mov eax, boot_pdpt_high - KERNEL_VMA
    or eax, PTE_PRESENT | PTE_WRITABLE
    mov [boot_pml4 - KERNEL_VMA + 511 * 8], eax

    xor ecx, ecx
.fill_pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd - KERNEL_VMA
    or eax, PTE_PRESENT | PTE_WRITABLE
    mov [boot_pdpt_low - KERNEL_VMA + ecx * 8], eax
    cmp ecx, 2
    jae .next_pdpt
    mov [boot_pdpt_high - KERNEL_VMA + 510 * 8 + ecx * 8], eax
.next_pdpt:
    inc ecx
    cmp ecx, 4
    jb .fill_pdpt

    ; 2048 PD entries of 2 MiB each: 0-4 GiB.
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_PRESENT | PTE_WRITABLE | PTE_HUGE
    mov [boot_pd - KERNEL_VMA + ecx * 8], eax
    mov dword [boot_pd - KERNEL_VMA + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, 2048
    jb .fill_pd

    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, boot_pml4 - KERNEL_VMA
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME | EFER_NXE
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_PE | CR0_WP
    mov cr0, eax

    lgdt [gdt64_pointer]
    jmp 0x08:long_mode_entry

.no_long_mode:
    mov esi, no_long_mode_msg
.print:
    lodsb
    test al, al
    jz .halt
    mov dx, COM1
    out dx, al
    jmp .print
.halt:
    hlt
    jmp .halt

bits 64
long_mode_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    xor ebp, ebp                  ; terminates frame-pointer backtraces
    mov edi, [boot_magic]
    mov esi, [boot_mbi]
    mov rax, kmain
    call rax
.hang:
    cli
    hlt
    jmp .hang

section .bss
align PAGE_SIZE
boot_pml4:      resb PAGE_SIZE
boot_pdpt_low:  resb PAGE_SIZE
boot_pdpt_high: resb PAGE_SIZE
boot_pd:        resb 4 * PAGE_SIZE
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
                resb BOOT_STACK_SIZE
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
