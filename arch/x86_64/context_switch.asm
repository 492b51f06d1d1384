; SPDX-License-Identifier: MIT
; arch/x86_64/context_switch.asm: switching kernel stacks between threads and the first
; entry of a new thread into user mode. Only the SysV callee-saved registers are saved
; (psABI 3.2.1); RFLAGS needs no saving because kernel code always runs with IF=0.
; FPU and FS base are switched by kernel/sched.c, not here.

GDT_USER_DATA equ 0x1b

extern sched_thread_started

section .text
bits 64
%include "arch/trap_frame.inc"

; void context_switch(uint64_t *save_rsp /* rdi */, uint64_t load_rsp /* rsi */)
global context_switch
context_switch:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; A new thread's kernel stack holds six zero "callee-saved" slots, the address of this
; label, and a struct trap_frame right above: after the scheduler's bookkeeping, the
; frame is loaded and iretq enters user mode.
global context_first_entry
context_first_entry:
    call sched_thread_started
global context_return_to_user
context_return_to_user:
    TRAP_FRAME_POP_REGS
    add rsp, 16                   ; vector, error_code
    iretq

section .note.GNU-stack noalloc noexec nowrite progbits
