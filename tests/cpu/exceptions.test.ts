// Exception and interrupt delivery, driven by guest code that builds its own GDT, TSS and IDT, loads
// them with LGDT/LTR/LIDT, and records every event it receives (SDM vol. 3, 6.12-6.15).
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, loadCode, runToHalt, TestMachine, CODE_BASE, IDT_BASE, installExceptionRecorder, lastException,
  installTss, enterUserMode,
} from '../helpers/test-machine.js';
import { assemble } from '../helpers/asm.js';
import { PT_P, PT_RW } from '../../emulator/loader/page-table-builder.js';
import { RSP, SEG_CS, SEG_SS, IF } from '../../emulator/cpu/state.js';
import { RUN_STOPPED } from '../../emulator/cpu/cpu.js';

const IDT = 0x200000, REC = 0x201000, TSS = 0x202000, UREC = 0x204000;
const KSTACK = 0x210000, ISTSTACK = 0x220000, USTACK = 0x230000;
const WITH_ERR = new Set([8, 10, 11, 12, 13, 14, 17]);
const VECTORS = [...Array(32).keys(), 0x80];

/**
 * The guest kernel: GDT (0x08 code64, 0x10 data, 0x18 user data, 0x20 user code64, 0x28 TSS), CS reload
 * with LRETQ, TSS with RSP0 = KSTACK and IST1 = ISTSTACK, IDT gates 0-31 (DPL 0) and 0x80 (DPL 3), then
 * `body`. Each handler appends to the log at REC+0x80 (0x80 bytes per event): vector, error code (-1
 * if none), RIP, CS, RFLAGS, RSP, SS of the frame, CR2, address of the frame's RIP slot, the handler's
 * own CS, SS and RFLAGS. [REC] counts events. If [REC+8] holds an address the handler resumes there;
 * #BP and INT 0x80 return to the next instruction; anything else halts.
 */
function kernel(body: string): string {
  const stubs = VECTORS.map((v) => `h${v}:\n${WITH_ERR.has(v) ? '' : '  push -1\n'}  push ${v}\n  jmp common\n`).join('');
  const gates = VECTORS.map((v) => `  GATE ${v}, h${v}, ${v === 0x80 ? '0xee' : '0x8e'}\n`).join('');
  return `
  .set IDT, ${IDT}
  .set REC, ${REC}
  .set UREC, ${UREC}
  .set TSS, ${TSS}
  .set KSTACK, ${KSTACK}
  .set ISTSTACK, ${ISTSTACK}
  .set USTACK, ${USTACK}
  .set SCRATCH, 0x203000
  .macro GATE vec, handler, type=0x8e, ist=0
    lea rax, [rip + \\handler]
    mov [SCRATCH], rax
    mov [IDT + \\vec*16], ax
    mov word ptr [IDT + \\vec*16 + 2], 0x08
    mov byte ptr [IDT + \\vec*16 + 4], \\ist
    mov byte ptr [IDT + \\vec*16 + 5], \\type
    mov ax, [SCRATCH + 2]
    mov [IDT + \\vec*16 + 6], ax
    mov eax, [SCRATCH + 4]
    mov [IDT + \\vec*16 + 8], eax
    mov dword ptr [IDT + \\vec*16 + 12], 0
  .endm
  jmp start
  .p2align 3
gdt:
  .quad 0
  .quad 0x00af9b000000ffff
  .quad 0x00cf93000000ffff
  .quad 0x00cff3000000ffff
  .quad 0x00affb000000ffff
  .quad 0x0000892020000067
  .quad 0
gdt_end:
gdtr:
  .word gdt_end - gdt - 1
  .quad gdt
idtr:
  .word 256 * 16 - 1
  .quad IDT
start:
  lgdt [rip + gdtr]
  push 0x08
  lea rax, [rip + 1f]
  push rax
  lretq
1:
  mov eax, 0x10
  mov ds, eax
  mov es, eax
  mov ss, eax
  mov qword ptr [TSS + 4], KSTACK
  mov qword ptr [TSS + 0x24], ISTSTACK
  mov word ptr [TSS + 0x66], 0x68
  mov eax, 0x28
  ltr ax
${gates}
  lidt [rip + idtr]
  mov qword ptr [REC], 0
  mov qword ptr [REC + 8], 0
  mov qword ptr [REC + 16], REC + 0x80
  jmp body
${stubs}
common:
  push rax
  push rbx
  mov rbx, [REC + 16]
  mov rax, [rsp + 16]
  mov [rbx], rax
  mov rax, [rsp + 24]
  mov [rbx + 8], rax
  mov rax, [rsp + 32]
  mov [rbx + 16], rax
  mov rax, [rsp + 40]
  mov [rbx + 24], rax
  mov rax, [rsp + 48]
  mov [rbx + 32], rax
  mov rax, [rsp + 56]
  mov [rbx + 40], rax
  mov rax, [rsp + 64]
  mov [rbx + 48], rax
  mov rax, cr2
  mov [rbx + 56], rax
  lea rax, [rsp + 32]
  mov [rbx + 64], rax
  mov eax, cs
  mov [rbx + 72], rax
  mov eax, ss
  mov [rbx + 80], rax
  pushfq
  pop rax
  mov [rbx + 88], rax
  add qword ptr [REC + 16], 0x80
  add qword ptr [REC], 1
  mov rax, [REC + 8]
  test rax, rax
  jz 2f
  mov [rsp + 32], rax
  mov qword ptr [REC + 8], 0
  jmp 3f
2:
  cmp qword ptr [rsp + 16], 3
  je 3f
  cmp qword ptr [rsp + 16], 0x80
  je 3f
  pop rbx
  pop rax
4:
  hlt
  jmp 4b
3:
  pop rbx
  pop rax
  add rsp, 16
  iretq
body:
${body}
  hlt
`;
}

interface Event {
  vector: number; err: bigint; rip: bigint; cs: bigint; rflags: bigint; rsp: bigint; ss: bigint; cr2: bigint;
  ripSlot: bigint; hCs: bigint; hSs: bigint; hFlags: bigint;
}

function q(m: TestMachine, a: number): bigint {
  return (BigInt(m.mem.read32(a + 4) >>> 0) << 32n) | BigInt(m.mem.read32(a) >>> 0);
}
function events(m: TestMachine): Event[] {
  const n = Number(q(m, REC));
  const out: Event[] = [];
  for (let k = 0; k < n; k++) {
    const b = REC + 0x80 + k * 0x80;
    const f = (o: number) => q(m, b + o);
    out.push({
      vector: Number(f(0)), err: BigInt.asIntN(64, f(8)), rip: f(16), cs: f(24), rflags: f(32), rsp: f(40), ss: f(48),
      cr2: f(56), ripSlot: f(64), hCs: f(72), hSs: f(80), hFlags: f(88),
    });
  }
  return out;
}

/** Address of the label `name:` in the assembled kernel (by assembling it with the label exported). */
function labelAddr(src: string, name: string): bigint {
  const probe = assemble(`${src}\n.p2align 3\n.quad ${name}\n`, CODE_BASE);
  const v = probe.length - 8;
  let x = 0n;
  for (let k = 7; k >= 0; k--) x = (x << 8n) | BigInt(probe[v + k]);
  return x;
}

function boot(body: string, setup?: (m: TestMachine) => void): { m: TestMachine; src: string; ev: Event[] } {
  const m = createTestMachine();
  setup?.(m);
  const src = kernel(body);
  loadCode(m, src);
  runToHalt(m);
  return { m, src, ev: events(m) };
}

describe('guest-built IDT: faults', () => {
  it('#DE from DIV by zero points at the DIV', () => {
    const { ev, src } = boot('xor ecx, ecx\nmov eax, 7\nxor edx, edx\nde: div ecx');
    expect(ev).toHaveLength(1);
    expect(ev[0].vector).toBe(0);
    expect(ev[0].err).toBe(-1n);
    expect(ev[0].rip).toBe(labelAddr(src, 'de'));
    expect(ev[0].cs).toBe(0x08n);
    expect(ev[0].ss).toBe(0x10n);
  });

  it('#UD from UD2 and from an undefined opcode, each resumed; the frame holds the faulting RIP', () => {
    const { ev, src } = boot(`
      lea rax, [rip + after1]
      mov [REC + 8], rax
    u1: ud2
    after1:
      lea rax, [rip + after2]
      mov [REC + 8], rax
    u2: .byte 0x0f, 0x04
    after2:
      mov ebx, 0x1234`);
    expect(ev.map((e) => e.vector)).toEqual([6, 6]);
    expect(ev[0].rip).toBe(labelAddr(src, 'u1'));
    expect(ev[1].rip).toBe(labelAddr(src, 'u2'));
    expect(ev[0].err).toBe(-1n);
  });

  it('#GP(0) for a non-canonical data access, #SS(0) for a non-canonical stack access (on an IST stack)', () => {
    const { ev, src } = boot(`
      GATE 12, h12, 0x8e, 1
      lea rax, [rip + after1]
      mov [REC + 8], rax
      movabs rbx, 0x0000800000000000
    g1: mov rcx, [rbx]
    after1:
      lea rax, [rip + after2]
      mov [REC + 8], rax
      mov rdx, rsp
      movabs rsp, 0x0000800000000010
    s1: push rax
    after2:
      mov rsp, rdx`);
    expect(ev.map((e) => [e.vector, e.err])).toEqual([[13, 0n], [12, 0n]]);
    expect(ev[0].rip).toBe(labelAddr(src, 'g1'));
    expect(ev[1].rip).toBe(labelAddr(src, 's1'));
    // the frame keeps the bad RSP (unchanged by the faulting PUSH); without the IST stack the frame
    // could not be pushed at all
    expect(ev[1].rsp).toBe(0x0000800000000010n);
    expect(ev[1].ripSlot).toBe(BigInt(ISTSTACK) - 40n);
  });

  it('#GP(selector) from LTR with a code-segment selector, #NP(selector) for a not-present TSS', () => {
    const { ev, src } = boot(`
      lea rax, [rip + after1]
      mov [REC + 8], rax
      mov eax, 0x08
    l1: ltr ax
    after1:
      lea rax, [rip + after2]
      mov [REC + 8], rax
      and byte ptr [rip + gdt + 0x28 + 5], 0x7f
      mov eax, 0x28
    l2: ltr ax
    after2:`);
    expect(ev.map((e) => [e.vector, e.err])).toEqual([[13, 0x08n], [13, 0x28n]]);
    expect(ev[0].rip).toBe(labelAddr(src, 'l1'));
    expect(ev[1].rip).toBe(labelAddr(src, 'l2'));
  });

  it('INT n through an absent gate: #GP(n*8+2); through a not-present gate: #NP(n*8+2)', () => {
    const { ev } = boot(`
      lea rax, [rip + after1]
      mov [REC + 8], rax
      int 0x40
    after1:
      GATE 0x41, h6, 0x0e
      lea rax, [rip + after2]
      mov [REC + 8], rax
      int 0x41
    after2:`);
    expect(ev.map((e) => [e.vector, e.err])).toEqual([[13, 0x40n * 8n + 2n], [11, 0x41n * 8n + 2n]]);
  });

  it('#NM for an x87 opcode with CR0.TS (and CR0.EM); #UD once both are clear', () => {
    const { ev, src } = boot(`
      mov rax, cr0
      or eax, 8
      mov cr0, rax
      lea rax, [rip + after1]
      mov [REC + 8], rax
    n1: fninit
    after1:
      lea rax, [rip + after2]
      mov [REC + 8], rax
    n2: fwait
    after2:
      clts
      lea rax, [rip + after3]
      mov [REC + 8], rax
      fwait
    n3: fninit
    after3:`);
    // CR0.MP is clear in the test machine: FWAIT does not fault on TS alone; it is a no-op after CLTS
    expect(ev.map((e) => e.vector)).toEqual([7, 6]);
    expect(ev[0].rip).toBe(labelAddr(src, 'n1'));
    expect(ev[1].rip).toBe(labelAddr(src, 'n3'));
    void labelAddr(src, 'n2');
  });

  it('#PF for a supervisor read of a not-present page: error code 0, CR2 = the address', () => {
    const VA = 0x40000000;
    const { ev, src } = boot(`
      lea rax, [rip + after1]
      mov [REC + 8], rax
      mov rbx, ${VA + 0x10}
    p1: mov rcx, [rbx]
    after1:`, (m) => {
      m.pt.map(BigInt(VA), 0x500000, 1, 0n); // PTE with P=0 (its tables exist)
    });
    expect(ev.map((e) => [e.vector, e.err, e.cr2])).toEqual([[14, 0n, BigInt(VA + 0x10)]]);
    expect(ev[0].rip).toBe(labelAddr(src, 'p1'));
  });

  it('#PF for a supervisor write of a not-present page: error code 2 (W)', () => {
    const VA = 0x40000000;
    const { ev, src } = boot(`
      lea rax, [rip + after2]
      mov [REC + 8], rax
      mov rbx, ${VA}
    p2: mov dword ptr [rbx + 0x20], 5
    after2:`, (m) => m.pt.map(BigInt(VA), 0x500000, 1, 0n));
    expect(ev.map((e) => [e.vector, e.err, e.cr2])).toEqual([[14, 2n, BigInt(VA + 0x20)]]);
    expect(ev[0].rip).toBe(labelAddr(src, 'p2'));
  });
});

describe('guest-built IDT: double and triple faults', () => {
  it('a #GP whose gate is not present becomes #DF(0) (contributory + contributory)', () => {
    const { ev } = boot(`
      and byte ptr [IDT + 13*16 + 5], 0x7f
      movabs rbx, 0x0000800000000000
      mov rcx, [rbx]`);
    expect(ev).toHaveLength(1);
    expect(ev[0].vector).toBe(8);
    expect(ev[0].err).toBe(0n);
  });

  it('a #PF while delivering #PF (handler stack not present) is #DF (on IST1); #UD then #NP is served serially', () => {
    const VA = 0x40000000;
    const { ev } = boot(`
      GATE 8, h8, 0x8e, 1
      mov rsp, ${VA + 0x1000}
      push rax`, (m) => m.pt.map(BigInt(VA), 0x500000, 1, 0n));
    expect(ev.map((e) => [e.vector, e.err])).toEqual([[8, 0n]]);
    expect(ev[0].ripSlot).toBe(BigInt(ISTSTACK) - 40n);
    expect(ev[0].cr2).toBe(BigInt(VA + 0xff8)); // the second #PF: the frame push below the bad RSP

    const b = boot(`
      and byte ptr [IDT + 6*16 + 5], 0x7f
      ud2`);
    // #UD is benign: the #NP raised by its absent gate is delivered on its own (EXT=1)
    expect(b.ev.map((e) => [e.vector, e.err])).toEqual([[11, 6n * 8n + 3n]]);
  });

  it('without a #DF gate the CPU triple-faults and stops with a report', () => {
    const m = createTestMachine();
    const src = kernel(`
      and byte ptr [IDT + 13*16 + 5], 0x7f
      and byte ptr [IDT + 8*16 + 5], 0x7f
      movabs rbx, 0x0000800000000000
    tf: mov rcx, [rbx]`);
    loadCode(m, src);
    expect(m.cpu.run(100000)).toBe(RUN_STOPPED);
    expect(m.cpu.stopped).toBe(true);
    const r = m.cpu.tripleFaultReport!;
    expect(r.chain).toEqual(['#GP(0x0)', '#NP(0x6b)', '#DF(0x0)', '#NP(0x43)']);
    expect(BigInt(r.ripLo >>> 0)).toBe(labelAddr(src, 'tf'));
    expect(m.cpu.describeTripleFault()).toMatch(/triple fault on CPU 0 at RIP 0x0*100[0-9a-f]+: #GP\(0x0\) -> #NP\(0x6b\) -> #DF\(0x0\) -> #NP\(0x43\)/);
  });
});

describe('guest-built IDT: stacks, traps and privilege changes', () => {
  it('same-CPL delivery aligns the frame to 16 bytes; an IST gate switches to the IST stack', () => {
    const { ev } = boot(`
      lea rax, [rip + after1]
      mov [REC + 8], rax
      mov rsp, 0x7fff8
      ud2
    after1:
      GATE 6, h6, 0x8e, 1
      lea rax, [rip + after2]
      mov [REC + 8], rax
      ud2
    after2:`);
    expect(ev[0].rsp).toBe(0x7fff8n);
    expect(ev[0].ripSlot).toBe(0x7fff0n - 40n);
    expect(ev[1].rsp).toBe(0x7fff8n);
    expect(ev[1].ripSlot).toBe(BigInt(ISTSTACK) - 40n);
    expect(ev[1].ss).toBe(0x10n); // no privilege change: SS unchanged
    expect(ev[1].hSs).toBe(0x10n);
  });

  it('INT3 and INT n are traps: the frame holds the next RIP; interrupt gates clear IF, trap gates do not', () => {
    const { ev, src } = boot(`
      GATE 0x30, h3, 0x8f
      pushfq
      or qword ptr [rsp], 0x200
      popfq
      int3
    a1:
      int 0x30
    a2:
      cli`);
    expect(ev.map((e) => e.vector)).toEqual([3, 3]);
    expect(ev[0].rip).toBe(labelAddr(src, 'a1'));
    expect(ev[1].rip).toBe(labelAddr(src, 'a2'));
    expect(ev[0].rflags & 0x200n).toBe(0x200n);
    expect(ev[0].hFlags & 0x200n).toBe(0n); // interrupt gate (vector 3)
    expect(ev[1].hFlags & 0x200n).toBe(0x200n); // trap gate (0x30)
  });

  it('IRETQ to CPL 3, INT 0x80 through a DPL 3 gate on TSS.RSP0, IRETQ back, and a user #UD', () => {
    const { m, ev, src } = boot(`
      push 0x1b
      push USTACK
      push 0x202
      push 0x23
      lea rax, [rip + user]
      push rax
      iretq
    user:
      mov eax, cs
      mov [UREC], rax
      mov eax, ss
      mov [UREC + 8], rax
      mov [UREC + 16], rsp
      pushfq
      pop qword ptr [UREC + 24]
      int 0x80
    back:
      mov eax, cs
      mov [UREC + 32], rax
      mov eax, ss
      mov [UREC + 40], rax
      mov [UREC + 48], rsp
      pushfq
      pop qword ptr [UREC + 56]
    uud:
      ud2`);
    const u = (k: number) => q(m, UREC + 8 * k);
    // in user mode after IRETQ
    expect([u(0), u(1), u(2), u(3)]).toEqual([0x23n, 0x1bn, BigInt(USTACK), 0x202n]);
    expect(ev.map((e) => e.vector)).toEqual([0x80, 6]);
    const [sys, udf] = ev;
    // INT 0x80: frame from CPL 3, handler at CPL 0 on RSP0 with SS = NULL
    expect([sys.cs, sys.ss, sys.rsp, sys.rip]).toEqual([0x23n, 0x1bn, BigInt(USTACK), labelAddr(src, 'back')]);
    expect(sys.rflags).toBe(0x202n);
    expect(sys.ripSlot).toBe(BigInt(KSTACK) - 40n);
    expect([sys.hCs, sys.hSs]).toEqual([0x08n, 0n]);
    expect(sys.hFlags & 0x200n).toBe(0n);
    // back in user mode after IRETQ from the handler
    expect([u(4), u(5), u(6), u(7)]).toEqual([0x23n, 0x1bn, BigInt(USTACK), 0x202n]);
    // the #UD from user mode, and the CPU halted at CPL 0 in the handler
    expect([udf.cs, udf.ss, udf.rip, udf.err]).toEqual([0x23n, 0x1bn, labelAddr(src, 'uud'), -1n]);
    expect(udf.ripSlot).toBe(BigInt(KSTACK) - 40n);
    expect(m.cpu.cpl).toBe(0);
    expect(m.cpu.sel[SEG_CS]).toBe(0x08);
    expect(m.cpu.sel[SEG_SS]).toBe(0);
    expect(m.cpu.regs[RSP << 1]).toBe(KSTACK - 40 - 16); // after the stub's two pushes
    expect(m.cpu.flags & IF).toBe(0);
  });

  it('at CPL 3: a privileged instruction is #GP(0), INT 3 through a DPL 0 gate is #GP(3*8+2), a supervisor page #PF(5)', () => {
    const VA = 0x40000000;
    const { ev, src } = boot(`
      push 0x1b
      push USTACK
      push 0x2
      push 0x23
      lea rax, [rip + user]
      push rax
      iretq
    user:
      lea rax, [rip + a1]
      mov [REC + 8], rax
    f1: mov cr3, rax
    a1:
      lea rax, [rip + a2]
      mov [REC + 8], rax
    f2: int3
    a2:
      lea rax, [rip + a3]
      mov [REC + 8], rax
    f3: cli
    a3:
      lea rax, [rip + a4]
      mov [REC + 8], rax
      mov rbx, ${VA}
    f4: mov rcx, [rbx]
    a4:
      ud2`, (m) => m.pt.map(BigInt(VA), 0x500000, 1, PT_P | PT_RW));
    expect(ev.map((e) => [e.vector, e.err])).toEqual([[13, 0n], [13, 0x1an], [13, 0n], [14, 5n], [6, -1n]]);
    expect(ev.slice(0, 4).map((e) => e.rip)).toEqual(['f1', 'f2', 'f3', 'f4'].map((l) => labelAddr(src, l)));
    expect(ev[3].cr2).toBe(BigInt(VA));
    for (const e of ev) expect([e.cs, e.ss, e.ripSlot]).toEqual([0x23n, 0x1bn, BigInt(KSTACK) - 40n]);
  });
});

describe('external interrupts', () => {
  function withPending(m: TestMachine, vectors: number[]): { acked: number[] } {
    const state = { acked: [] as number[] };
    m.cpu.bus = {
      ...m.cpu.bus,
      pendingInterrupt: () => (vectors.length > 0 ? vectors[0] : -1),
      acknowledgeInterrupt: (_c, v) => { state.acked.push(v); vectors.shift(); },
    };
    return state;
  }

  it('are taken only with IF=1 and after the STI shadow; the frame holds the next RIP', () => {
    const m = createTestMachine();
    const pending = [0x20];
    const src = kernel(`
      GATE 0x20, h3
      mov ecx, 1
      sti
    s1: mov ecx, 2
    s2: hlt`);
    // gate 0x20 uses the #BP stub, which records vector 3 and returns (the recorder resumes traps)
    loadCode(m, src);
    const st = withPending(m, pending); // pending from the start, held off by IF=0 until the STI
    runToHalt(m);
    const ev = events(m);
    expect(st.acked).toEqual([0x20]);
    expect(ev).toHaveLength(1);
    expect(ev[0].vector).toBe(3); // the stub's vector number
    expect(ev[0].rip).toBe(labelAddr(src, 's2')); // the STI shadow let `mov ecx, 2` run first
    expect(ev[0].err).toBe(-1n);
  });
});

describe('gate and TSS checks during delivery (error codes with IDT and EXT bits)', () => {
  it('a gate whose selector is a data segment gives #GP(selector | EXT); a null selector #GP(EXT)', () => {
    for (const [sel, err] of [[0x18, 0x19n], [0, 1n]] as const) {
      const m = createTestMachine();
      installExceptionRecorder(m);
      const a = IDT_BASE + 6 * 16;
      m.mem.write32(a, (m.mem.read32(a) & 0xffff) | (sel << 16));
      loadCode(m, 'ud2\nhlt');
      runToHalt(m);
      const e = lastException(m);
      expect([e.count, e.vector, e.errorCode, e.rip]).toEqual([1, 13, err, BigInt(CODE_BASE)]);
    }
  });

  it('a TSS too short for RSP0: INT 0x80 from CPL 3 gets #TS(TR), then #TS(TR | EXT), #DF, triple fault', () => {
    const m = createTestMachine();
    installExceptionRecorder(m, [0x80], { dpl: 3 });
    installTss(m, { rsp0: 0x70000 });
    m.cpu.trLimit = 3; // RSP0 lies at 4..11
    loadCode(m, 'int 0x80\nhlt');
    enterUserMode(m, CODE_BASE, 0x7f000);
    expect(m.cpu.run(1000)).toBe(RUN_STOPPED);
    expect(m.cpu.tripleFaultReport!.chain).toEqual(['#TS(0x38)', '#TS(0x39)', '#DF(0x0)', '#TS(0x39)']);
  });

  it('an external interrupt through an absent gate is #GP(vector*8 + 2 + EXT)', () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    let pending = 0x50;
    m.cpu.bus = { ...m.cpu.bus, pendingInterrupt: () => pending, acknowledgeInterrupt: () => { pending = -1; } };
    loadCode(m, 'sti\nnop\nhlt');
    runToHalt(m);
    const e = lastException(m);
    expect([e.count, e.vector, e.errorCode]).toEqual([1, 13, 0x50n * 8n + 3n]);
  });
});
