; SPDX-License-Identifier: MIT
; arch/x86_64/usercopy_raw.asm: the copy loop used for every kernel access to user memory.
; REP MOVSB updates RCX/RSI/RDI per byte, so after a #PF (SDM vol. 3 6.5: faults are
; precise) the handler either maps the page and retries the same instruction, or moves
; RIP to usercopy_fault_fixup, which returns how many bytes were left.

section .text
bits 64

; size_t usercopy_raw(void *dst /* rdi */, const void *src /* rsi */, size_t n /* rdx */)
global usercopy_raw, usercopy_fault_start, usercopy_fault_end, usercopy_fault_fixup, usercopy_cmpxchg32_raw
usercopy_raw:
    mov rcx, rdx
usercopy_fault_start:
    rep movsb
    xor eax, eax
    ret

; size_t usercopy_cmpxchg32_raw(uint32_t *uaddr /* rdi */, uint32_t expected /* esi */,
;                               uint32_t desired /* edx */, uint32_t *found /* rcx */)
; LOCK CMPXCHG on the user word: *found gets the value it held; returns 0, or 1 (in RCX for
; the fixup) when the word cannot be mapped. A locked RMW is a write access whether or not
; it stores (SDM vol. 2A, CMPXCHG), so the fault brings the page in writable.
usercopy_cmpxchg32_raw:
    mov r8, rcx
    mov eax, esi
    mov ecx, 1
    lock cmpxchg [rdi], edx
    mov [r8], eax
    xor eax, eax
    ret
usercopy_fault_end:
usercopy_fault_fixup:
    mov rax, rcx
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
