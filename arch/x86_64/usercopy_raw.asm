; SPDX-License-Identifier: MIT
; arch/x86_64/usercopy_raw.asm: the copy loop used for every kernel access to user memory.
; REP MOVSB updates RCX/RSI/RDI per byte, so after a #PF (SDM vol. 3 6.5: faults are
; precise) the handler either maps the page and retries the same instruction, or moves
; RIP to usercopy_fault_fixup, which returns how many bytes were left.

section .text
bits 64

; size_t usercopy_raw(void *dst /* rdi */, const void *src /* rsi */, size_t n /* rdx */)
global usercopy_raw, usercopy_fault_start, usercopy_fault_end, usercopy_fault_fixup
usercopy_raw:
    mov rcx, rdx
usercopy_fault_start:
    rep movsb
usercopy_fault_end:
    xor eax, eax
    ret
usercopy_fault_fixup:
    mov rax, rcx
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
