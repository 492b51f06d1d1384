; SPDX-License-Identifier: MIT
; Entry stubs for all 256 IDT vectors (SDM vol. 3 6.12.1, 6.14). Each stub makes the stack
; uniform (a zero error code where the CPU pushes none, then the vector number) and jumps
; to trap_common, which saves the general registers as struct trap_frame (arch/trap.h) and
; calls trap_dispatch. No swapgs: the kernel keeps nothing in the GS base.

bits 64
%include "arch/trap_frame.inc"
default rel

extern trap_dispatch

; Exceptions for which the CPU pushes an error code (SDM vol. 3 table 6-1):
; #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30.
%define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text

%assign vec 0
%rep 256
align 16
trap_stub_%+vec:
%if HAS_ERROR_CODE(vec) == 0
    push 0
%endif
    push vec
    jmp trap_common
%assign vec vec + 1
%endrep

; The CPU aligned RSP to 16 before pushing its 5-quadword frame; with the 2 pushed above and
; the 15 registers below, 22 quadwords keep RSP 16-byte aligned at the call (SysV ABI).
align 16
trap_common:
    TRAP_FRAME_PUSH_REGS
    cld                     ; the SysV ABI requires DF=0 on function entry
    mov rdi, rsp
    call trap_dispatch
    TRAP_FRAME_POP_REGS
    add rsp, 16             ; vector and error code
    iretq

; The stub addresses, for idt_init (arch/x86_64/idt.c).
section .rodata
align 8
global trap_stub_table
trap_stub_table:
%assign vec 0
%rep 256
    dq trap_stub_%+vec
%assign vec vec + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
