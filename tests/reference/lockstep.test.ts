// runLockstep: a machine with one CPU against Unicorn, instruction by instruction or every N, with the
// report a divergence produces and the masks it counts.
import { afterEach, describe, expect, it } from 'vitest';
import { runLockstep, formatLockstepReport, LockstepResult } from '../../emulator/reference/lockstep.js';
import { Unicorn } from '../../emulator/reference/unicorn.js';
import { PT_P, PT_RW } from '../../emulator/loader/page-table-builder.js';
import { Cpu } from '../../emulator/cpu/cpu.js';
import { assemble } from '../helpers/asm.js';
import { RAX } from '../../emulator/cpu/state.js';
import {
  createTestMachine, loadCode, TestMachine, installExceptionRecorder, lastException, EXC_RECORD, reg,
} from '../helpers/test-machine.js';

const engines: Unicorn[] = [];
afterEach(() => { while (engines.length) engines.pop()!.close(); });
function uc(): Unicorn {
  const u = Unicorn.open();
  engines.push(u);
  return u;
}

// sums 1..100 into rax, keeps a running array in memory, calls a function, uses the stack
const PROGRAM = `
  mov rbx, 0x200000
  xor eax, eax
  mov ecx, 100
1:
  add rax, rcx
  mov [rbx + rcx*8], rax
  push rcx
  call 2f
  pop rcx
  dec ecx
  jnz 1b
  imul rdx, rax, 3
  hlt
2:
  xor qword ptr [rbx], rcx
  shl rcx, 3
  ret
`;

function program(src = PROGRAM): TestMachine {
  const m = createTestMachine();
  loadCode(m, src);
  return m;
}

describe('runLockstep', () => {
  it('agrees on a loop with memory, calls and the stack, comparing every instruction', async () => {
    const m = program();
    const r = await runLockstep(m.cpu, uc(), { every: 1 });
    expect(r.report).toBeNull();
    expect(r.ok).toBe(true);
    expect(r.stop).toBe('halted');
    expect(r.instructions).toBe(3 + 100 * 10 + 2);
    expect(r.compared).toBe(r.instructions);
    expect(reg(m, RAX)).toBe(5050n);
    expect(formatLockstepReport(r)).toMatch(/no divergence in 1005 instructions/);
  });

  it('compares every N instructions when asked', async () => {
    const m = program();
    const r = await runLockstep({ cpus: [m.cpu] }, uc(), { every: 16 });
    expect(r.ok).toBe(true);
    expect(r.instructions).toBe(1005);
    expect(r.compared).toBeLessThan(1005 / 4);
  });

  it('stops at maxInsns', async () => {
    const r = await runLockstep(program().cpu, uc(), { maxInsns: 50 });
    expect(r).toMatchObject({ ok: true, stop: 'budget', instructions: 50 });
  });

  it('reports the first divergence: the instruction (disassembled), both states and the differing field', async () => {
    const m = program();
    // corrupt our RAX just before the 40th instruction: Unicorn keeps the right value
    let n = 0;
    m.cpu.tracer = (cpu: Cpu) => { if (++n === 40) cpu.regs[RAX << 1] ^= 0x100; };
    const r: LockstepResult = await runLockstep(m.cpu, uc());
    expect(r.ok).toBe(false);
    expect(r.stop).toBe('divergence');
    const d = r.report!;
    expect(d.kind).toBe('state');
    expect(d.instruction).toBe(39);
    expect(d.fields.map((f) => f.field)).toContain('rax');
    const f = d.fields.find((x) => x.field === 'rax')!;
    expect(f.ours ^ f.unicorn).toBe(0x100n);
    expect(d.disasm.length).toBeGreaterThan(0);
    expect(d.history.length).toBeGreaterThan(0);
    const text = formatLockstepReport(r);
    expect(text).toContain('DIVERGENCE (state) at instruction 39');
    expect(text).toContain(d.disasm);
    expect(text).toMatch(/rax\s+tlbemu 0x[0-9a-f]{16}\s+unicorn 0x[0-9a-f]{16}/);
  });

  it('a divergence in memory alone is found too', async () => {
    const m = program('mov rbx, 0x200000\nmov qword ptr [rbx], 5\nnop\nnop\nhlt');
    let n = 0;
    m.cpu.tracer = (cpu: Cpu) => { if (++n === 3) cpu.mem.write32(0x200000, 6); };
    const r = await runLockstep(m.cpu, uc());
    expect(r.ok).toBe(false);
    expect(r.report!.kind).toBe('memory');
    expect(r.report!.memory!.address).toBe(0x200000n);
  });

  it('masks what Unicorn cannot reproduce, with a reason, and goes on (CPUID, RDTSC)', async () => {
    const m = program('mov eax, 1\ncpuid\nrdtsc\nmov rcx, rax\nadd rcx, rdx\nhlt');
    const r = await runLockstep(m.cpu, uc());
    expect(r.ok).toBe(true);
    const reasons = r.masked.map((x) => x.reason);
    expect(reasons.some((x) => x.startsWith('CPUID'))).toBe(true);
    expect(reasons.some((x) => x.startsWith('RDTSC'))).toBe(true);
    expect(formatLockstepReport(r)).toContain('masked (known, documented differences)');
  });

  it('an exception delivered through the IDT: vector, error code and CR2 compared, then Unicorn follows', async () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    // 0x1000000 not present; the recorder resumes at `back`
    m.pt.writeEntry(m.pt.entryAddress(0x1000000n, 2), 0n);
    loadCode(m, `
      lea rax, [rip + back]
      mov [${EXC_RECORD + 72}], rax
      mov rbx, 0x1000010
      mov qword ptr [rbx], 7
    back:
      mov ecx, 3
      hlt`);
    const r = await runLockstep(m.cpu, uc());
    expect(r.report).toBeNull();
    expect(r.stop).toBe('halted');
    expect(lastException(m)).toMatchObject({ vector: 14, errorCode: 2n, cr2: 0x1000010n });
    expect(r.masked.find((x) => x.reason.startsWith('exception delivery'))?.count).toBe(1);
    // the handler ran in lockstep too (about 20 instructions and IRETQ)
    expect(r.instructions).toBeGreaterThan(20);
  });

  it('follows code in a higher half mapped to other frames (Unicorn aliases the linear pages)', async () => {
    const m = createTestMachine();
    const high = 0xffffffff81000000n;
    // 16 KiB at the top of the address space -> physical 0x400000, code and data
    for (let k = 0; k < 4; k++) m.pt.map(high + BigInt(k * 4096), 0x400000 + k * 4096, 1, PT_P | PT_RW);
    // position-independent: the data is written through the high alias and read back through the
    // identity mapping of the same frame, which Unicorn must see as one page
    m.mem.writeBytes(0x400000, assemble(`
      lea rbx, [rip + data]
      mov rax, [rbx]
      add rax, 1
      mov [rbx], rax
      mov rdx, rbx
      mov rsi, 0xffffffff81000000
      sub rdx, rsi
      add rdx, 0x400000
      mov rcx, [rdx]
      hlt
      .p2align 3
    data: .quad 41`, 0));
    m.cpu.ripLo = Number(high & 0xffffffffn) | 0;
    m.cpu.ripHi = -1;
    const r = await runLockstep(m.cpu, uc());
    expect(r.report).toBeNull();
    expect(r.ok).toBe(true);
    expect(reg(m, RAX)).toBe(42n);
    expect(reg(m, 1)).toBe(42n);
    expect(r.instructions).toBe(10);
  });

  it('needs a machine with exactly one CPU', async () => {
    const a = createTestMachine().cpu, b = createTestMachine().cpu;
    await expect(runLockstep({ cpus: [a, b] }, uc())).rejects.toThrow(/1 CPU/);
  });
});
