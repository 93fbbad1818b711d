// HLT, CLI/STI, PUSHF/POPF, CLAC/STAC, IN/OUT, INT n/INT3/INT1/INTO, SYSCALL/SYSRET, UD2, fences,
// CLFLUSH, WBINVD/INVD, CLTS, SMSW/LMSW, VERR/VERW, x87 escapes, and the interrupt shadows.
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, loadCode, runToHalt, reg, installExceptionRecorder, lastException, installTss, enterUserMode,
  setIdtGate, TestMachine, CODE_BASE, IDT_BASE,
} from '../helpers/test-machine.js';
import { assemble } from '../helpers/asm.js';
import { RAX, RBX, RCX, RSP, SEG_CS, IF, AC, CR0_TS, CR4_SMAP } from '../../emulator/cpu/state.js';
import { RUN_HALT } from '../../emulator/cpu/cpu.js';
import { getFlags } from '../../emulator/cpu/flags.js';
import { PT_P, PT_RW } from '../../emulator/loader/page-table-builder.js';

function machine(setup?: (m: TestMachine) => void): TestMachine {
  const m = createTestMachine();
  installExceptionRecorder(m, [0x80]);
  installTss(m, { rsp0: 0x70000 });
  setup?.(m);
  return m;
}
function run(src: string, setup?: (m: TestMachine) => void): TestMachine {
  const m = machine(setup);
  loadCode(m, `${src}\nhlt`);
  runToHalt(m);
  return m;
}
/** Runs `src` at CPL 3 (stack 0x7f000) after `setup`; user code should end in something that traps. */
function runUser(src: string, setup?: (m: TestMachine) => void, flags = 0x2): TestMachine {
  const m = machine(setup);
  loadCode(m, `${src}\nud2`);
  enterUserMode(m, CODE_BASE, 0x7f000);
  m.cpu.setFlags(flags);
  runToHalt(m);
  return m;
}
const at = (prefix: string): bigint => BigInt(CODE_BASE + assemble(prefix, CODE_BASE).length);
function labelAddr(src: string, label: string): bigint {
  const b = assemble(`${src}\n.p2align 3\n.quad ${label}\n`, CODE_BASE);
  let x = 0n;
  for (let k = 7; k >= 0; k--) x = (x << 8n) | BigInt(b[b.length - 8 + k]);
  return x;
}
function expectFault(m: TestMachine, vector: number, err: bigint, rip: bigint): void {
  const e = lastException(m);
  expect([e.count, e.vector, e.errorCode, e.rip]).toEqual([1, vector, err, rip]);
}
const noFault = (m: TestMachine) => expect(lastException(m).count).toBe(0);

describe('HLT, CLI, STI', () => {
  it('HLT halts at CPL 0 and is #GP(0) at CPL 3', () => {
    const m = machine();
    loadCode(m, 'mov eax, 1\nhlt\nmov eax, 2');
    expect(m.cpu.run(100)).toBe(RUN_HALT);
    expect(m.cpu.halted).toBe(true);
    expect(reg(m, RAX)).toBe(1n);
    expect(m.cpu.ripLo).toBe(CODE_BASE + 6); // after HLT
    const u = runUser('hlt');
    expectFault(u, 13, 0n, BigInt(CODE_BASE));
  });

  it('CLI/STI change IF at CPL 0; at CPL 3 they need IOPL 3', () => {
    const m = run('sti\npushfq\npop rbx\ncli\npushfq\npop rcx');
    expect(reg(m, RBX) & 0x200n).toBe(0x200n);
    expect(reg(m, RCX) & 0x200n).toBe(0n);
    const u = runUser('cli');
    expectFault(u, 13, 0n, BigInt(CODE_BASE));
    const s = runUser('sti');
    expectFault(s, 13, 0n, BigInt(CODE_BASE));
    const ok = runUser('sti\npushfq\npop rbx\ncli\npushfq\npop rcx', undefined, 0x3002);
    expect([reg(ok, RBX) & 0x200n, reg(ok, RCX) & 0x200n]).toEqual([0x200n, 0n]);
    expect(lastException(ok).vector).toBe(6);
  });
});

describe('PUSHF / POPF', () => {
  it('PUSHFQ materializes lazy flags; POPFQ at CPL 0 loads IOPL, IF, AC and clears RF', () => {
    const m = run(`
      mov eax, 1
      cmp eax, 2
      pushfq
      pop rbx
      push 0x53ed7
      popfq
      pushfq
      pop rcx
      push 2
      popfq`);
    expect(reg(m, RBX) & 0x8d5n).toBe(0x95n); // CF AF SF set by 1-2 (PF too), ZF OF clear
    expect(reg(m, RCX)).toBe(0x43ed7n); // RF (bit 16) dropped; AC IOPL NT OF DF IF TF SF ZF AF PF CF loaded
  });

  it('POPF at CPL 3 keeps IOPL and IF silently; 66h POPF loads 16 bits', () => {
    const u = runUser('push 0x3ed7\npopfq\npushfq\npop rbx', undefined, 0x2);
    expect(reg(u, RBX)).toBe(0xcd7n); // IOPL and IF unchanged, NT TF DF OF SF ZF AF PF CF loaded
    const m = run(`
      push 0x40000
      popfq
      mov rbx, 0xffff
      push bx
      .byte 0x66, 0x9d
      pushfq
      pop rcx`);
    expect(reg(m, RCX) & 0x40000n).toBe(0x40000n); // AC untouched by the 16-bit POPF
    expect(reg(m, RCX) & 0xffffn).toBe(0x7fd7n);
  });

  it('PUSHF with 66h pushes 16 bits', () => {
    const m = run('mov rdx, rsp\n.byte 0x66, 0x9c\nmov rbx, rsp\npop ax\nmov rsp, rdx');
    expect(reg(m, 2) - reg(m, RBX)).toBe(2n);
  });
});

describe('CLAC / STAC', () => {
  it('toggle AC, which decides SMAP for explicit supervisor accesses', () => {
    const VA = 0x40000000;
    const m = run(`
      mov rax, cr4
      or eax, ${CR4_SMAP}
      mov cr4, rax
      stac
      mov rbx, ${VA}
      mov rcx, [rbx]
      clac
      mov rdx, [rbx]`, (mm) => {
      // the kernel's own 2 MiB page (code, stack, IDT, handlers) becomes supervisor-only; VA is a user page
      mm.pt.map(0n, 0, 2, PT_P | PT_RW);
      mm.pt.map(BigInt(VA), 0x500000, 1, PT_P | PT_RW | 4n);
    });
    const e = lastException(m);
    expect([e.count, e.vector, e.errorCode, e.cr2]).toEqual([1, 14, 1n, BigInt(VA)]);
    expect(getFlags(m.cpu) & AC).toBe(0);
  });

  it('are #UD without CPUID.SMAP and at CPL 3', () => {
    const m = run('stac', (mm) => { mm.cpu.cpuid = { ...mm.cpu.cpuid, smap: false }; });
    expectFault(m, 6, -1n, BigInt(CODE_BASE));
    const u = runUser('clac');
    expectFault(u, 6, -1n, BigInt(CODE_BASE));
  });
});

describe('IN / OUT', () => {
  function bus(m: TestMachine, log: string[]): void {
    m.cpu.bus = {
      ...m.cpu.bus,
      portRead: (_c, port, size) => { log.push(`in ${port.toString(16)} ${size}`); return 0x12345678; },
      portWrite: (_c, port, size, v) => { log.push(`out ${port.toString(16)} ${size} ${(v >>> 0).toString(16)}`); },
    };
    m.cpu.setHooks({ io: (_c, port, size, write, v) => log.push(`hook ${write ? 'w' : 'r'} ${port.toString(16)} ${size} ${(v >>> 0).toString(16)}`) });
  }

  it('all forms, sizes 1/2/4, via the bus and the io hook', () => {
    const log: string[] = [];
    const m = run(`
      movabs rax, -1
      in al, 0x60
      mov rbx, rax
      mov edx, 0x3f8
      in ax, dx
      mov rcx, rax
      in eax, dx
      mov eax, 0xaabbccdd
      out 0xf4, al
      out dx, ax
      out dx, eax`, (mm) => bus(mm, log));
    noFault(m);
    expect(reg(m, RBX)).toBe(0xffffffffffffff78n);
    expect(reg(m, RCX)).toBe(0xffffffffffff5678n);
    expect(reg(m, RAX)).toBe(0xaabbccddn);
    expect(log).toEqual([
      'in 60 1', 'hook r 60 1 78', 'in 3f8 2', 'hook r 3f8 2 5678', 'in 3f8 4', 'hook r 3f8 4 12345678',
      'hook w f4 1 dd', 'out f4 1 dd', 'hook w 3f8 2 ccdd', 'out 3f8 2 ccdd', 'hook w 3f8 4 aabbccdd',
      'out 3f8 4 aabbccdd',
    ]);
  });

  it('CPL > IOPL is #GP(0) (no I/O bitmap); IOPL 3 allows user I/O', () => {
    const log: string[] = [];
    const u = runUser('out 0x80, al', (mm) => bus(mm, log));
    expectFault(u, 13, 0n, BigInt(CODE_BASE));
    expect(log).toEqual([]);
    const ok = runUser('in al, 0x80', (mm) => bus(mm, log), 0x3002);
    expect(lastException(ok).vector).toBe(6);
    expect(log).toEqual(['in 80 1', 'hook r 80 1 78']);
  });
});

describe('INT n, INT3, INT1, INTO', () => {
  it('INT1 delivers #DB as a trap without the DPL check; INTO is #UD; INT n at CPL 3 needs gate DPL 3', () => {
    const src = 'int1\nt: nop';
    const m = machine();
    loadCode(m, `${src}\nhlt`);
    enterUserMode(m, CODE_BASE, 0x7f000);
    runToHalt(m);
    const e = lastException(m);
    expect([e.count, e.vector, e.errorCode, e.rip, e.cs]).toEqual([1, 1, -1n, labelAddr(src, 't'), 0x33n]);
    const into = run('.byte 0xce');
    expectFault(into, 6, -1n, BigInt(CODE_BASE));
    const u = runUser('int 0x80'); // the recorder's gate 0x80 has DPL 0
    expectFault(u, 13, 0x80n * 8n + 2n, BigInt(CODE_BASE));
    const b = runUser('int3'); // so has gate 3
    expectFault(b, 13, 3n * 8n + 2n, BigInt(CODE_BASE));
  });

  it('INT 0x80 with a DPL 3 gate from CPL 3 pushes the user frame with the next RIP', () => {
    const m = machine();
    const handler = 0x7000;
    m.mem.writeBytes(handler, assemble('mov rbx, [rsp]\nmov rcx, [rsp+8]\nmov rdx, [rsp+24]\nmov rsi, [rsp+32]\nmov edi, cs\nhlt', handler));
    setIdtGate(m.mem, IDT_BASE, 0x80, handler, { dpl: 3 });
    loadCode(m, 'int 0x80\nnop');
    enterUserMode(m, CODE_BASE, 0x7f008);
    runToHalt(m);
    expect([reg(m, RBX), reg(m, RCX), reg(m, 2), reg(m, 6), reg(m, 7)])
      .toEqual([BigInt(CODE_BASE + 2), 0x33n, 0x7f008n, 0x2bn, 0x10n]);
    expect(m.cpu.regs[RSP << 1]).toBe(0x70000 - 40);
  });
});

describe('SYSCALL / SYSRET', () => {
  const setup = `
    mov ecx, 0xc0000081
    xor eax, eax
    mov edx, 0x00230010
    wrmsr
    mov ecx, 0xc0000082
    lea rax, [rip + entry]
    xor edx, edx
    wrmsr
    mov ecx, 0xc0000084
    mov eax, 0x40700
    xor edx, edx
    wrmsr`;

  it('SYSCALL enters CPL 0 at LSTAR with RCX/R11 saved and FMASK applied; SYSRETQ returns to CPL 3', () => {
    const src = `${setup}
      push 0x2b
      push 0x7f000
      push 0x40a02
      push 0x33
      lea rax, [rip + user]
      push rax
      iretq
    user:
      mov r12d, cs
      syscall
    after:
      mov r13d, cs
      mov r14d, ss
      pushfq
      pop r15
      ud2
    entry:
      mov r8d, cs
      mov r9d, ss
      pushfq
      pop r10
      mov rbx, rcx
      mov rsi, r11
      sysretq`;
    // SYSRET wants user code at STAR[63:48]+16 = 0x33 and data at +8 = 0x2b: the test GDT has both
    const m = machine();
    loadCode(m, src);
    runToHalt(m);
    expect(reg(m, 12)).toBe(0x33n);
    expect([reg(m, 8), reg(m, 9)]).toEqual([0x10n, 0x18n]);
    expect(reg(m, 10) & 0x40700n).toBe(0n); // AC, DF, IF, TF masked
    expect(reg(m, RBX)).toBe(labelAddr(src, 'after'));
    expect(reg(m, 6)).toBe(0x40a02n);
    expect([reg(m, 13), reg(m, 14)]).toEqual([0x33n, 0x2bn]);
    expect(reg(m, 15)).toBe(0x40a02n);
    expect(lastException(m).vector).toBe(6);
  });

  it('SYSCALL is #UD with EFER.SCE=0; SYSRET at CPL 3 is #GP(0); SYSRET to a non-canonical RCX is #GP(0)', () => {
    const a = run('mov ecx, 0xc0000080\nrdmsr\nand eax, 0xfffffffe\nwrmsr\nsyscall');
    expectFault(a, 6, -1n, at('mov ecx, 0xc0000080\nrdmsr\nand eax, 0xfffffffe\nwrmsr'));
    const b = runUser('sysretq');
    expectFault(b, 13, 0n, BigInt(CODE_BASE));
    const c = run('movabs rcx, 0x0000800000000000\nsysretq');
    expectFault(c, 13, 0n, at('movabs rcx, 0x0000800000000000'));
  });
});

describe('odds and ends', () => {
  it('UD2 is #UD; fences are no-ops; CLFLUSH translates its operand; WBINVD/INVD/CLTS are privileged', () => {
    const m = run('lfence\nmfence\nsfence\nclflush [0x5000]\nwbinvd\n.byte 0x0f, 0x08\nud2');
    expectFault(m, 6, -1n, at('lfence\nmfence\nsfence\nclflush [0x5000]\nwbinvd\n.byte 0x0f, 0x08'));
    const VA = 0x40000000;
    const f = run(`mov rax, ${VA}\nclflush [rax]`, (mm) => mm.pt.map(BigInt(VA), 0x500000, 1, 0n));
    expect(lastException(f).vector).toBe(14);
    for (const op of ['wbinvd', 'clts', '.byte 0x0f, 0x08']) {
      const u = runUser(op);
      expectFault(u, 13, 0n, BigInt(CODE_BASE));
    }
    const c = run('clts', (mm) => { mm.cpu.cr0 |= CR0_TS; });
    expect(c.cpu.cr0 & CR0_TS).toBe(0);
  });

  it('x87 opcodes: #NM with CR0.EM or CR0.TS, else #UD; FWAIT: #NM only with MP and TS', () => {
    const nm = run('fld1', (mm) => { mm.cpu.cr0 |= 4; });
    expectFault(nm, 7, -1n, BigInt(CODE_BASE));
    const ud = run('fadd st, st(1)');
    expectFault(ud, 6, -1n, BigInt(CODE_BASE));
    const w = run('fwait\nmov ebx, 1\nmov rax, cr0\nor eax, 0xa\nmov cr0, rax\nfwait');
    expectFault(w, 7, -1n, at('fwait\nmov ebx, 1\nmov rax, cr0\nor eax, 0xa\nmov cr0, rax'));
    expect(reg(w, RBX)).toBe(1n);
  });

  it('SMSW stores CR0 (16 bits to memory); LMSW sets TS and cannot clear PE', () => {
    const m = run('smsw rbx\nmov word ptr [0x5000], 0\nsmsw [0x5000]\nmov eax, 0x8\nlmsw ax\nmov rcx, cr0');
    expect(reg(m, RBX)).toBe(BigInt((m.cpu.cr0 & ~CR0_TS) >>> 0));
    expect(m.mem.read32(0x5000) & 0xffff).toBe((m.cpu.cr0 & ~CR0_TS) & 0xffff);
    expect(reg(m, RCX) & 0x9n).toBe(0x9n); // TS set, PE kept
  });

  it('VERR/VERW set ZF for accessible segments and clear it otherwise', () => {
    const m = run(`
      mov eax, 0x18
      verw ax
      setz bl
      mov eax, 0x10
      verw ax
      setz cl
      verr ax
      setz dl
      mov eax, 0x1000
      verr ax
      setz sil`);
    expect([reg(m, RBX) & 0xffn, reg(m, RCX) & 0xffn, reg(m, 2) & 0xffn, reg(m, 6) & 0xffn]).toEqual([1n, 0n, 1n, 0n]);
  });
});

describe('interrupt shadows and HLT wake-up', () => {
  function withPending(m: TestMachine, queue: number[]): number[] {
    const acked: number[] = [];
    m.cpu.bus = {
      ...m.cpu.bus,
      pendingInterrupt: () => (queue.length > 0 ? queue[0] : -1),
      acknowledgeInterrupt: (_c, v) => { acked.push(v); queue.shift(); },
    };
    return acked;
  }
  /** IDT gate 0x40 to a handler that counts in R15, records the pushed RIP in R14 and IRETQs. */
  function handler(m: TestMachine): void {
    const h = 0x7000;
    m.mem.writeBytes(h, assemble('inc r15\nmov r14, [rsp]\niretq', h));
    setIdtGate(m.mem, IDT_BASE, 0x40, h);
  }

  it('an interrupt pending with IF=0 waits; STI delays it by one instruction; MOV SS too', () => {
    const m = machine(handler);
    const q = [0x40];
    const acked = withPending(m, q);
    const src = 'mov ecx, 1\nsti\ns1: mov ecx, 2\ns2: cli\nmov eax, 0x18\nmov ss, eax\nm1: mov edx, 3\nm2: hlt';
    loadCode(m, src);
    runToHalt(m);
    expect(acked).toEqual([0x40]);
    expect(reg(m, 14)).toBe(labelAddr(src, 's2'));
    expect(reg(m, 15)).toBe(1n);

    const n = machine(handler);
    const q2: number[] = [];
    withPending(n, q2);
    const src2 = 'sti\nnop\nmov eax, 0x18\nmov ss, eax\nm1: mov edx, 3\nm2: nop\nhlt';
    loadCode(n, src2);
    // the interrupt becomes pending while MOV SS executes (STI's shadow is long over)
    // (a controller raises the CPU's interrupt line when a vector becomes pending: see CpuBus)
    n.cpu.tracer = (_c, i) => { if (i.op === 0x8e) { q2.push(0x40); n.cpu.irqPending = true; } };
    runToHalt(n);
    expect(reg(n, 14)).toBe(labelAddr(src2, 'm2'));
  });

  it('HLT with IF=1 wakes on an interrupt and resumes after the HLT', () => {
    const m = machine(handler);
    const q: number[] = [];
    withPending(m, q);
    const src = 'sti\nhlt\nw: mov ebx, 7\nhlt';
    loadCode(m, src);
    expect(m.cpu.run(100)).toBe(RUN_HALT);
    expect(m.cpu.run(100)).toBe(RUN_HALT); // nothing pending: stays halted
    expect(reg(m, RBX)).toBe(0n);
    q.push(0x40);
    expect(m.cpu.run(100)).toBe(RUN_HALT);
    expect(reg(m, 14)).toBe(labelAddr(src, 'w'));
    expect(reg(m, RBX)).toBe(7n);
    expect(m.cpu.interruptsTaken).toBe(1);
    expect(m.cpu.sel[SEG_CS]).toBe(0x10);
    expect(m.cpu.flags & IF).toBe(IF);
  });
});
