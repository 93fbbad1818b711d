// Data movement and small instructions: MOV forms, MOVZX/MOVSX/MOVSXD, LEA, XCHG, CBW..CQO, CMOVcc,
// SETcc, BSWAP, PUSH/POP (register, immediate, memory), ENTER/LEAVE, XLAT, flag instructions, NOPs.
import { describe, expect, it } from 'vitest';
import { reg, setReg, lastException, STACK_TOP } from '../helpers/test-machine.js';
import { RAX, RBX, RCX, RDX, RSP, RBP, RSI, RDI } from '../../emulator/cpu/state.js';
import {
  run, machine, loadCode, runToHalt, flags, expectNoFault, expectFault, read64, write64, DATA, CF, PF, AF, ZF, SF, OF, DF,
} from './int-util.js';
import { RUN_PAUSE } from '../../emulator/cpu/cpu.js';

describe('MOV', () => {
  it('48 c7 c0 imm32 sign-extends; movabs (48 b8 imm64) and b8 imm32 do not', () => {
    const m = run(`
      .byte 0x48, 0xc7, 0xc0, 0x00, 0x00, 0x00, 0x80
      .byte 0x48, 0xbb, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00
      .byte 0xb9, 0x00, 0x00, 0x00, 0x80
      .byte 0x49, 0xc7, 0xc0, 0xf0, 0xff, 0xff, 0x7f
    `, (m) => { setReg(m, RCX, -1n); });
    expect(reg(m, RAX)).toBe(0xffffffff80000000n);
    expect(reg(m, RBX)).toBe(0x80000000n);
    expect(reg(m, RCX)).toBe(0x80000000n);
    expect(m.cpu.regs[16] >>> 0).toBe(0x7ffffff0); // r8
    expect(m.cpu.regs[17]).toBe(0);
  });
  it('mov r/m, imm to memory in every size', () => {
    const m = run(`
      mov rbx, ${DATA}
      mov byte ptr [rbx], 0x81
      mov word ptr [rbx + 2], 0x8283
      mov dword ptr [rbx + 4], 0x84858687
      mov qword ptr [rbx + 8], -2
      mov cx, 0x1234
      mov word ptr [rbx + 16], cx
    `);
    expect(m.mem.read32(DATA) >>> 0).toBe(0x82830081);
    expect(m.mem.read32(DATA + 4) >>> 0).toBe(0x84858687);
    expect(read64(m, DATA + 8)).toBe(0xfffffffffffffffen);
    expect(m.mem.read32(DATA + 16) >>> 0).toBe(0x1234);
  });
  it('per-CPU GS access: 65 48 8b 04 25 disp32 = mov rax, gs:[disp32]', () => {
    const m = run('.byte 0x65, 0x48, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00', (m) => {
      m.cpu.gsBaseLo = DATA;
      write64(m, DATA + 0x10, 0x1122334455667788n);
    });
    expect(reg(m, RAX)).toBe(0x1122334455667788n);
  });
  it('mov to and from GS/FS-relative memory and moffs', () => {
    const m = run(`
      mov rax, 0x0102030405060708
      mov qword ptr gs:[8], rax
      mov ebx, dword ptr fs:[0x8]
      movabs al, byte ptr [${DATA + 0x20}]
      movabs dword ptr [${DATA + 0x24}], eax
    `, (m) => {
      m.cpu.gsBaseLo = DATA; m.cpu.fsBaseLo = DATA;
      m.mem.write32(DATA + 0x20, 0xee);
    });
    expect(read64(m, DATA + 8)).toBe(0x0102030405060708n);
    expect(reg(m, RBX)).toBe(0x05060708n);
    expect(reg(m, RAX)).toBe(0x01020304050607een);
    expect(m.mem.read32(DATA + 0x24) >>> 0).toBe(0x050607ee);
  });
  it('mov r8 with REX reaches SPL..DIL and R8B..R15B', () => {
    const m = run('mov esp, 0x80000\nmov spl, 0x10\nmov r9b, 0x7f\nmov dil, 0xaa', (m) => { setReg(m, RDI, 0x100n); });
    expect(reg(m, RSP)).toBe(0x80010n);
    expect(m.cpu.regs[18]).toBe(0x7f);
    expect(reg(m, RDI)).toBe(0x1aan);
  });
});

describe('MOVZX / MOVSX / MOVSXD', () => {
  it('all source sizes', () => {
    const m = run(`
      mov rbx, ${DATA}
      movzx eax, byte ptr [rbx]
      movsx ecx, byte ptr [rbx]
      movsx rdx, word ptr [rbx + 2]
      movsxd rsi, dword ptr [rbx + 4]
      movzx edi, word ptr [rbx + 2]
      movsx r8, byte ptr [rbx + 1]
    `, (m) => {
      m.mem.write32(DATA, 0x80007f80 | 0);
      m.mem.write32(DATA + 4, 0x80000000 | 0);
      setReg(m, RCX, -1n);
    });
    expect(reg(m, RAX)).toBe(0x80n);
    expect(reg(m, RCX)).toBe(0xffffff80n); // 32-bit destination: upper half cleared
    expect(reg(m, RDX)).toBe(0xffffffffffff8000n);
    expect(reg(m, RSI)).toBe(0xffffffff80000000n);
    expect(reg(m, RDI)).toBe(0x8000n);
    expect(m.cpu.regs[16]).toBe(0x7f);
  });
  it('r32, r16 register forms (-O0)', () => {
    const m = run('mov eax, 0x1234fffe\nmovzx ecx, ax\nmovsx edx, ax\nmovzx ebx, ah');
    expect(reg(m, RCX)).toBe(0xfffen);
    expect(reg(m, RDX)).toBe(0xfffffffen);
    expect(reg(m, RBX)).toBe(0xffn);
  });
});

describe('LEA', () => {
  it('computes addresses without touching memory or flags', () => {
    const m = run(`
      cmp eax, eax
      mov rbx, 0x0000800000000000
      mov rcx, 3
      lea rax, [rbx + rcx*8 + 0x10]
      lea edx, [rcx - 4]
      lea rsi, [rip + 0]
      .byte 0x64, 0x48, 0x8d, 0x3b
    `);
    expectNoFault(m);
    expect(reg(m, RAX)).toBe(0x0000800000000028n); // non-canonical is fine: no access
    expect(reg(m, RDX)).toBe(0xffffffffn);
    expect(flags(m)).toBe(ZF | PF);
    expect(reg(m, RDI)).toBe(0x0000800000000000n); // fs-prefixed lea ignores the FS base
    expect(reg(m, RSI)).toBeGreaterThan(0x100000n);
  });
  it('with a register operand is #UD', () => {
    const m = run('.byte 0x48, 0x8d, 0xc0');
    expectFault(m, 6, '');
  });
});

describe('XCHG', () => {
  it('register, high-byte and memory forms', () => {
    const m = run(`
      mov eax, 0x1234
      xchg al, ah
      mov rbx, 0x1111111122222222
      mov rcx, 0x3333333344444444
      xchg rbx, rcx
      mov rdi, ${DATA}
      mov edx, 0xaaaa
      xchg dword ptr [rdi], edx
    `, (m) => m.mem.write32(DATA, 0x5555));
    expect(reg(m, RAX)).toBe(0x3412n);
    expect(reg(m, RBX)).toBe(0x3333333344444444n);
    expect(reg(m, RCX)).toBe(0x1111111122222222n);
    expect(reg(m, RDX)).toBe(0x5555n);
    expect(m.mem.read32(DATA)).toBe(0xaaaa);
  });
  it('87 c0 (xchg eax, eax) zero-extends; 90 is a NOP; 41 90 is xchg r8d, eax', () => {
    const m = run('.byte 0x87, 0xc0\n.byte 0x90\n.byte 0x66, 0x90\n.byte 0x41, 0x90', (m) => {
      setReg(m, RAX, 0x1_00000005n);
      m.cpu.regs[16] = 7; m.cpu.regs[17] = 1;
    });
    expect(reg(m, RAX)).toBe(7n);
    expect(m.cpu.regs[16]).toBe(5);
    expect(m.cpu.regs[17]).toBe(0);
  });
});

describe('CBW / CWDE / CDQE / CWD / CDQ / CQO', () => {
  it('sign extensions of the accumulator', () => {
    const m = run(`
      mov eax, 0x1280
      cbw
      mov ebx, eax
      mov eax, 0x8000
      cwde
      mov ecx, eax
      mov eax, 0x80000000
      cdqe
      mov rsi, rax
      mov eax, 0x8000
      cwd
      mov edi, edx
      mov eax, 0x80000000
      cdq
      mov r8, rdx
      mov rax, -5
      cqo
    `, (m) => { setReg(m, RDX, 0x1111111111111111n); });
    expect(reg(m, RBX)).toBe(0xff80n);
    expect(reg(m, RCX)).toBe(0xffff8000n);
    expect(reg(m, RSI)).toBe(0xffffffff80000000n);
    expect(reg(m, RDI) & 0xffffn).toBe(0xffffn);
    expect(BigInt(m.cpu.regs[16] >>> 0) | (BigInt(m.cpu.regs[17] >>> 0) << 32n)).toBe(0xffffffffn);
    expect(reg(m, RDX)).toBe(0xffffffffffffffffn);
  });
});

describe('CMOVcc / SETcc', () => {
  it('cmov 32-bit clears the upper half even when not taken; 64-bit moves in full', () => {
    const m = run(`
      mov rax, -1
      mov ebx, 7
      cmp ebx, 8
      cmovz eax, ebx
      mov rcx, -1
      mov rdx, 0x123456789
      cmovnz rcx, rdx
      mov rsi, -1
      cmovb rsi, qword ptr [rip + v]
      hlt
      .p2align 3
    v: .quad 0x5555aaaa5555aaaa
    `);
    expect(reg(m, RAX)).toBe(0xffffffffn);
    expect(reg(m, RCX)).toBe(0x123456789n);
    expect(reg(m, RSI)).toBe(0x5555aaaa5555aaaan);
  });
  it('cmov reads its memory source even when the condition is false', () => {
    const m = run('mov rbx, 0x0000800000000000\ncmp eax, eax\ncmovnz eax, dword ptr [rbx]');
    expectFault(m, 13, 'mov rbx, 0x0000800000000000\ncmp eax, eax', 0n);
  });
  it('all sixteen conditions after cmp 1, 2 (CF=1 ZF=0 SF=1 OF=0 PF=1)', () => {
    // 1 - 2 = 0xffffffff: borrow (CF), negative (SF), no overflow, 8 bits set in the low byte (PF)
    const names = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
    const src = ['mov rbx, ' + DATA, 'mov eax, 1', 'mov ecx, 2', 'cmp eax, ecx',
      ...names.map((n, k) => `set${n} byte ptr [rbx + ${k}]`)].join('\n');
    const m = run(src);
    const got = names.map((_, k) => (m.mem.read32(DATA + (k & ~3)) >>> ((k & 3) * 8)) & 0xff);
    expect(got).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });
  it('conditions after signed overflow (0x7fffffff + 1: OF=1 SF=1)', () => {
    const m = run(`
      mov eax, 0x7fffffff
      add eax, 1
      setl bl
      setg cl
      seto dl
      setle sil
    `, (m) => { setReg(m, RBX, 0n); setReg(m, RCX, 0n); setReg(m, RDX, 0n); setReg(m, RSI, 0n); });
    expect([reg(m, RBX), reg(m, RCX), reg(m, RDX), reg(m, RSI)]).toEqual([0n, 1n, 1n, 0n]);
  });
  it('setcc writes the high-byte register without REX', () => {
    const m = run('xor eax, eax\nmov ecx, 0\ncmp ecx, 0\nsete ah');
    expect(reg(m, RAX)).toBe(0x100n);
  });
});

describe('BSWAP', () => {
  it('r32 and r64', () => {
    const m = run('mov rax, -1\nmov eax, 0x11223344\nbswap eax\nmov rbx, 0x0102030405060708\nbswap rbx\nmov r9, 0x1122334455667788\nbswap r9d');
    expect(reg(m, RAX)).toBe(0x44332211n);
    expect(reg(m, RBX)).toBe(0x0807060504030201n);
    expect(m.cpu.regs[18] >>> 0).toBe(0x88776655);
    expect(m.cpu.regs[19]).toBe(0);
  });
});

describe('PUSH / POP', () => {
  it('immediates are sign-extended to 64 bits', () => {
    const m = run('push -1\npush 0x7fffffff\npush -0x80000000\npop rcx\npop rbx\npop rax');
    expect(reg(m, RAX)).toBe(0xffffffffffffffffn);
    expect(reg(m, RBX)).toBe(0x7fffffffn);
    expect(reg(m, RCX)).toBe(0xffffffff80000000n);
    expect(reg(m, RSP)).toBe(BigInt(STACK_TOP));
  });
  it('pushf; pop qword [rbp-0x40] (POP to memory)', () => {
    const m = run(`
      mov rbp, ${DATA + 0x100}
      stc
      std
      pushf
      pop qword ptr [rbp - 0x40]
      cld
    `);
    // RFLAGS: CF (bit 0) | reserved bit 1 | DF (bit 10); no other flags were set by mov/stc/std
    expect(read64(m, DATA + 0xc0)).toBe(0x403n);
    expect(reg(m, RSP)).toBe(BigInt(STACK_TOP));
  });
  it('pop r/m with an RSP base computes the address after the increment', () => {
    // push 1 (at S-8), push 2 (at S-16); pop [rsp] pops 2, RSP = S-8, stores 2 at [S-8]
    const m = run('push 1\npush 2\npop qword ptr [rsp]\npop rax');
    expect(reg(m, RAX)).toBe(2n);
    expect(reg(m, RSP)).toBe(BigInt(STACK_TOP));
  });
  it('push r/m64, 16-bit push/pop, push/pop rsp, r12', () => {
    const m = run(`
      mov rbx, ${DATA}
      push qword ptr [rbx]
      pop rcx
      mov ax, 0x1234
      push ax
      mov rdx, rsp
      pop si
      mov r12, 0x55
      push r12
      pop r13
      push rsp
      pop rdi
    `, (m) => { write64(m, DATA, 0xabcdef0123456789n); setReg(m, RSI, 0xffff0000n); });
    expect(reg(m, RCX)).toBe(0xabcdef0123456789n);
    expect(reg(m, RDX)).toBe(BigInt(STACK_TOP - 2));
    expect(reg(m, RSI)).toBe(0xffff1234n);
    expect(m.cpu.regs[26]).toBe(0x55); // r13
    expect(reg(m, RDI)).toBe(BigInt(STACK_TOP)); // push rsp pushes the value before the decrement
    expect(reg(m, RSP)).toBe(BigInt(STACK_TOP));
  });
  it('pop rsp loads the popped value', () => {
    const m = run(`push ${DATA}\npop rsp`);
    expect(reg(m, RSP)).toBe(BigInt(DATA));
  });
  it('a faulting pop to memory leaves RSP unchanged', () => {
    const m = run('push 5\nmov rbx, 0x0000800000000000\npop qword ptr [rbx]');
    expectFault(m, 13, 'push 5\nmov rbx, 0x0000800000000000', 0n);
    // the recorder's frame sits below the unchanged RSP (STACK_TOP - 8)
    expect(read64(m, STACK_TOP - 8)).toBe(5n);
    expect(lastException(m).rsp).toBe(BigInt(STACK_TOP - 8)); // RSP in the exception frame
  });
});

describe('ENTER / LEAVE', () => {
  it('enter N, 0 then leave', () => {
    const m = run(`
      mov rbp, 0x1111
      enter 0x20, 0
      mov rax, rbp
      mov rbx, rsp
      leave
    `);
    expect(reg(m, RAX)).toBe(BigInt(STACK_TOP - 8));
    expect(reg(m, RBX)).toBe(BigInt(STACK_TOP - 8 - 0x20));
    expect(reg(m, RBP)).toBe(0x1111n);
    expect(reg(m, RSP)).toBe(BigInt(STACK_TOP));
  });
  it('nesting level 3 copies two frame pointers from the old frame', () => {
    // old frame at F = DATA+0x100 holds display words at F-8 and F-16. ENTER 8, 3 with RSP = S:
    // push rbp -> [S-8] = F; frametemp = S-8; push [F-8] -> [S-16]; push [F-16] -> [S-24];
    // push frametemp -> [S-32] = S-8; RBP = S-8; RSP = S-32-8.
    const F = DATA + 0x100, S = STACK_TOP;
    const m = run(`mov rbp, ${F}\nenter 8, 3`, (m) => { write64(m, F - 8, 0xaaan); write64(m, F - 16, 0xbbbn); });
    expect(read64(m, S - 8)).toBe(BigInt(F));
    expect(read64(m, S - 16)).toBe(0xaaan);
    expect(read64(m, S - 24)).toBe(0xbbbn);
    expect(read64(m, S - 32)).toBe(BigInt(S - 8));
    expect(reg(m, RBP)).toBe(BigInt(S - 8));
    expect(reg(m, RSP)).toBe(BigInt(S - 40));
  });
  it('enter with level 1 pushes the frame pointer once more', () => {
    const m = run('mov rbp, 0x77\nenter 0, 1');
    expect(read64(m, STACK_TOP - 8)).toBe(0x77n);
    expect(read64(m, STACK_TOP - 16)).toBe(BigInt(STACK_TOP - 8));
    expect(reg(m, RSP)).toBe(BigInt(STACK_TOP - 16));
  });
});

describe('XLAT, flag instructions', () => {
  it('xlat', () => {
    const m = run(`mov rbx, ${DATA}\nmov eax, 0x1205\nxlatb`, (m) => m.mem.write32(DATA + 4, 0x00ab0000 | 0x3c00));
    expect(reg(m, RAX)).toBe(0x123cn);
  });
  it('lahf / sahf', () => {
    // cmp 1, 2 -> CF SF AF PF; LAHF: AH = SF:ZF:0:AF:0:PF:1:CF = 1001 0111 = 0x97
    const a = run('mov eax, 1\ncmp eax, 2\nlahf');
    expect((reg(a, RAX) >> 8n) & 0xffn).toBe(0x97n);
    // SAHF from AH = 0x41 sets ZF and CF, clears SF AF PF, keeps OF (set by the add)
    const s = run('mov al, 0x7f\nadd al, 1\nmov ah, 0x41\nsahf');
    expect(flags(s)).toBe(OF | ZF | CF);
  });
  it('clc / stc / cmc / cld / std', () => {
    const a = run('mov eax, 1\ncmp eax, 2\nclc');
    expect(flags(a)).toBe(SF | AF | PF);
    const b = run('xor eax, eax\nstc');
    expect(flags(b)).toBe(ZF | PF | CF);
    const c = run('xor eax, eax\ncmc\nmov ecx, 0\ncmc\ncmc');
    expect(flags(c)).toBe(ZF | PF | CF);
    const d = run('std');
    expect(flags(d, DF)).toBe(DF);
    const e = run('std\ncld');
    expect(flags(e, DF)).toBe(0);
  });
});

describe('PAUSE', () => {
  it('F3 90 ends the slice (RUN_PAUSE) and counts; execution then continues', () => {
    const m = machine();
    loadCode(m, 'pause\nmov eax, 1\nhlt');
    expect(m.cpu.run(100)).toBe(RUN_PAUSE);
    expect(m.cpu.pauses).toBe(1);
    expect(reg(m, RAX)).toBe(0n);
    runToHalt(m);
    expect(reg(m, RAX)).toBe(1n);
  });
});

describe('NOP forms', () => {
  it('66h padding and multi-byte NOPs with any legacy prefix', () => {
    const m = run(`
      mov eax, 3
      .byte 0x66, 0x90
      .byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00
      .byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00
      .byte 0x0f, 0x1f, 0x40, 0x00
      .byte 0x0f, 0x1f, 0x00
      .byte 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00
      .byte 0xf3, 0x0f, 0x1f, 0x00
      .byte 0x0f, 0x18, 0x08
      .byte 0x0f, 0x0d, 0x08
      add eax, 1
    `);
    expectNoFault(m);
    expect(reg(m, RAX)).toBe(4n);
  });
  it('NOP r/m does not access memory (non-canonical operand)', () => {
    const m = run('mov rax, 0x0000800000000000\n.byte 0x0f, 0x1f, 0x00');
    expectNoFault(m);
  });
  it('an instruction longer than 15 bytes is #GP(0)', () => {
    const m = run('.byte 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00');
    expectFault(m, 13, '', 0n);
  });
});
