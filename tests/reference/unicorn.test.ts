// The Unicorn binding itself: library loading, register numbers, paging facts the lockstep and the
// differential tests rely on (emulator/reference/unicorn.ts header).
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadUnicorn, loadUnicornFrom, Unicorn, UnicornUnavailableError, X86_REG, GPR_IDS, MSR_EFER, UC_ERR_OK,
  UC_ERR_READ_UNMAPPED,
} from '../../emulator/reference/unicorn.js';
import { assemble } from '../helpers/asm.js';

const opened: Unicorn[] = [];
afterEach(() => { while (opened.length) opened.pop()!.close(); });

function engine(): Unicorn {
  const u = Unicorn.open();
  opened.push(u);
  return u;
}

function q(u: Unicorn, a: number, v: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  u.memWrite(a, b);
}

/** 16 MiB of RAM; PML4 0x10000 -> PDPT 0x11000 -> PD 0x12000; PD[0] -> PT 0x13000 (4 KiB identity
 *  pages for the first 2 MiB), PD[1..7] identity 2 MiB pages; paging on, CPL 0. */
function pagedEngine(): Unicorn {
  const u = engine();
  u.mapRam(0, 16 << 20);
  q(u, 0x10000, 0x11003n); q(u, 0x11000, 0x12003n); q(u, 0x12000, 0x13003n);
  for (let i = 0; i < 512; i++) q(u, 0x13000 + 8 * i, BigInt(i * 4096) | 3n);
  for (let i = 1; i < 8; i++) q(u, 0x12000 + 8 * i, BigInt(i * 0x200000) | 0x83n);
  u.setReg(X86_REG.CR3, 0x10000n);
  u.setReg(X86_REG.CR4, 0x20n);
  u.setReg(X86_REG.CR0, 0x80010033n);
  u.setReg(X86_REG.RSP, 0x80000n);
  return u;
}

function load(u: Unicorn, at: number, src: string): void {
  u.memWrite(at, assemble(src, at));
  u.flushCode();
  u.setReg(X86_REG.RIP, BigInt(at));
}

describe('loading', () => {
  it('loads libunicorn.so.2, version 2.x (CI installs the Debian package libunicorn2)', () => {
    const lib = loadUnicorn();
    expect(lib.version).toMatch(/^2\./);
  });

  it('a missing library is a typed one-line error naming the install command', () => {
    let err: unknown = null;
    try { loadUnicornFrom(['/nonexistent/libunicorn.so.2']); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UnicornUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toContain('apt-get install -y libunicorn2');
    expect(msg).not.toContain('\n');
  });

  it('calibrates the saved-context layout (error code, exception in flight, EFER, hflags)', () => {
    const layout = loadUnicorn().contextLayout();
    expect(layout).not.toBeNull();
    expect(layout!.errorCode).toBeGreaterThan(0);
    expect(layout!.efer).toBeGreaterThan(0);
    expect(layout!.hflags).toBeGreaterThanOrEqual(0);
  });
});

describe('registers', () => {
  it('GPR numbers match the 2.0.1 enum: each register is moved through RAX', () => {
    const u = engine();
    u.mapRam(0, 1 << 20);
    for (let r = 1; r < 16; r++) {
      if (r === 4) continue;
      const v = 0x1111_0000_0000_0000n * BigInt(r) + BigInt(r);
      u.setReg(GPR_IDS[r], v);
      // mov rax, <r>
      const rex = 0x48 | (r >= 8 ? 4 : 0);
      u.memWrite(0x1000 + r * 16, new Uint8Array([rex, 0x89, 0xc0 | ((r & 7) << 3), 0xf4]));
      const res = u.run(1, 0n, BigInt(0x1000 + r * 16));
      expect(res.err).toBe(UC_ERR_OK);
      expect(u.reg(X86_REG.RAX)).toBe(BigInt.asUintN(64, v));
      expect(u.readState().gpr[r]).toBe(BigInt.asUintN(64, v));
    }
  });

  it('readState/writeGprs round-trip; RIP and RFLAGS follow execution', () => {
    const u = pagedEngine();
    const gpr = Array.from({ length: 16 }, (_, i) => 0x0123_4567_89ab_cdefn ^ BigInt(i * 0x1010101));
    gpr[4] = 0x80000n;
    u.writeGprs(gpr, 0x1000n);
    expect(u.readState().gpr).toEqual(gpr);
    load(u, 0x1000, 'xor eax, eax\nhlt');
    const r = u.run(1);
    expect(r.err).toBe(UC_ERR_OK);
    const s = u.readState();
    expect(s.gpr[0]).toBe(0n);
    expect(s.rip).toBe(0x1002n);
    expect(s.rflags & 0x44n).toBe(0x44n); // ZF, PF
    expect(s.cr0).toBe(0x80010033n);
    expect(s.cr3).toBe(0x10000n);
    expect(s.efer & 0x500n).toBe(0x500n);
  });

  it('FS_BASE and GS_BASE are the bases of fs: and gs: accesses', () => {
    const u = pagedEngine();
    q(u, 0x5008, 0x1122334455667788n);
    q(u, 0x6010, 0x99n);
    u.setReg(X86_REG.FS_BASE, 0x5000n);
    u.setReg(X86_REG.GS_BASE, 0x6000n);
    load(u, 0x1000, 'mov rax, fs:[8]\nmov rbx, gs:[0x10]\nhlt');
    expect(u.run(2).err).toBe(UC_ERR_OK);
    expect(u.reg(X86_REG.RAX)).toBe(0x1122334455667788n);
    expect(u.reg(X86_REG.RBX)).toBe(0x99n);
    expect(u.readState().fsBase).toBe(0x5000n);
  });

  it('setEfer sets NXE and SCE although a WRMSR drops them', () => {
    const u = pagedEngine();
    u.setMsr(MSR_EFER, 0xd01n);
    expect(u.msr(MSR_EFER)).toBe(0x500n);
    u.setEfer(0xd01n);
    expect(u.msr(MSR_EFER)).toBe(0xd01n);
  });
});

describe('paging and exceptions', () => {
  it('walks the tables: A bits on every level, D on a write', () => {
    const u = pagedEngine();
    q(u, 0x13000 + 8 * 0x40, 0x40003n);
    load(u, 0x1000, 'mov qword ptr [0x40000], 5\nhlt');
    expect(u.run(1).err).toBe(UC_ERR_OK);
    const pte = new DataView(u.memRead(0x13000 + 8 * 0x40, 8).buffer).getBigUint64(0, true);
    expect(pte & 0x60n).toBe(0x60n);
    const pml4e = new DataView(u.memRead(0x10000, 8).buffer).getBigUint64(0, true);
    expect(pml4e & 0x20n).toBe(0x20n);
  });

  it('#PF: vector 14, RIP on the instruction, CR2 and the error code (P, W, RSVD, I/D)', () => {
    const u = pagedEngine();
    q(u, 0x13000 + 8 * 0x50, 0n);
    q(u, 0x13000 + 8 * 0x51, 0x51001n);
    q(u, 0x13000 + 8 * 0x52, 0x52003n | (1n << 45n));
    q(u, 0x13000 + 8 * 0x53, 0x53003n | (1n << 63n));
    const cases: [string, number, bigint][] = [
      ['mov rax, [0x50010]', 0, 0x50010n],
      ['mov [0x50020], rax', 2, 0x50020n],
      ['mov [0x51000], rax', 3, 0x51000n],
      ['mov rax, [0x52008]', 9, 0x52008n],
      ['mov rax, [0x53000]', 9, 0x53000n], // XD with EFER.NXE=0 is a reserved bit
    ];
    let at = 0x2000;
    for (const [src, code, cr2] of cases) {
      load(u, at, `${src}\nhlt`);
      const r = u.run(1);
      expect(r.exception, src).toEqual({ vector: 14, errorCode: code });
      expect(u.reg(X86_REG.RIP)).toBe(BigInt(at));
      expect(u.reg(X86_REG.CR2)).toBe(cr2);
      at += 0x100;
    }
    // with NXE: data reads of an XD page work, a fetch faults with I/D
    u.setEfer(0xd00n);
    load(u, at, 'mov rax, [0x53000]\nhlt');
    expect(u.run(1).exception).toBeNull();
    u.memWrite(0x53100, new Uint8Array([0x90, 0xf4]));
    u.flushCode();
    const r = u.run(1, 0n, 0x53100n);
    expect(r.exception).toEqual({ vector: 14, errorCode: 0x11 });
    expect(u.reg(X86_REG.CR2)).toBe(0x53100n);
  });

  it('#UD, #DE and #GP(0) on a non-canonical address (once that address is mapped in Unicorn)', () => {
    const u = pagedEngine();
    load(u, 0x3000, 'ud2');
    expect(u.run(1).exception).toEqual({ vector: 6, errorCode: 0 });
    load(u, 0x3100, 'xor ecx, ecx\ndiv ecx');
    expect(u.run(2).exception).toEqual({ vector: 0, errorCode: 0 });
    expect(u.reg(X86_REG.RIP)).toBe(0x3102n);
    u.setReg(X86_REG.RBX, 0x8000_0000_0000_0000n);
    load(u, 0x3200, 'mov rax, [rbx]');
    // Unicorn checks its own address space before the canonical check...
    const r = u.run(1);
    expect(r.exception).toBeNull();
    expect(r.unmapped).toEqual({ kind: 'read', address: 0x8000_0000_0000_0000n, size: 8 });
    // ...so a page mapped there lets QEMU's #GP(0) through
    u.map(0x8000_0000_0000_0000n, 4096);
    expect(u.run(1).exception).toEqual({ vector: 13, errorCode: 0 });
  });

  it('a second exception after the first is not turned into #DF', () => {
    const u = pagedEngine();
    q(u, 0x13000 + 8 * 0x50, 0n);
    load(u, 0x3000, 'mov rax, [0x50000]');
    expect(u.run(1).exception?.vector).toBe(14);
    load(u, 0x3100, 'mov [0x50008], rax');
    expect(u.run(1).exception).toEqual({ vector: 14, errorCode: 2 });
  });

  it('accesses go to physical = linear unless the linear page is aliased to its frame', () => {
    const u = pagedEngine();
    u.map(0x4000_0000n, 0x1000);
    // PDPT[1] -> PD 0x14000 -> PT 0x15000: linear 0x40000000 -> physical 0x300000
    q(u, 0x11008, 0x14003n); q(u, 0x14000, 0x15003n); q(u, 0x15000, 0x300003n);
    q(u, 0x300000, 0xaan);
    load(u, 0x3000, 'mov rax, [0x40000000]\nhlt');
    expect(u.run(1).err).toBe(UC_ERR_OK);
    expect(u.reg(X86_REG.RAX)).toBe(0n); // Unicorn's own page at 0x40000000, not the frame
    const u2 = pagedEngine();
    q(u2, 0x11008, 0x14003n); q(u2, 0x14000, 0x15003n); q(u2, 0x15000, 0x300003n);
    q(u2, 0x300000, 0xaan);
    load(u2, 0x3000, 'mov rax, [0x40000000]\nmov qword ptr [0x40000008], 7\nhlt');
    expect(u2.run(1).err).toBe(UC_ERR_READ_UNMAPPED);
    expect(u2.alias(0x4000_0000n, 0x300000)).toBe(true);
    u2.setReg(X86_REG.RIP, 0x3000n);
    expect(u2.run(2).err).toBe(UC_ERR_OK);
    expect(u2.reg(X86_REG.RAX)).toBe(0xaan);
    expect(u2.view(0x300008, 1)![0]).toBe(7);
  });

  it('uc_mem_write does not drop translated code; flushCode does', () => {
    const u = pagedEngine();
    u.memWrite(0x4000, new Uint8Array([0xb8, 1, 0, 0, 0, 0xf4]));
    u.run(1, 0n, 0x4000n);
    expect(u.reg(X86_REG.RAX)).toBe(1n);
    u.memWrite(0x4000, new Uint8Array([0xb8, 2, 0, 0, 0, 0xf4]));
    u.run(1, 0n, 0x4000n);
    expect(u.reg(X86_REG.RAX)).toBe(1n);
    u.flushCode(0x4000n, 0x4006n);
    u.run(1, 0n, 0x4000n);
    expect(u.reg(X86_REG.RAX)).toBe(2n);
  });

  it('setCpl(3) makes privileged instructions fault and user/supervisor checks apply', () => {
    const u = pagedEngine();
    expect(u.canSetCpl).toBe(true);
    // make the first 2 MiB user-accessible except page 0x60000
    q(u, 0x10000, 0x11007n); q(u, 0x11000, 0x12007n); q(u, 0x12000, 0x13007n);
    for (let i = 0; i < 512; i++) q(u, 0x13000 + 8 * i, BigInt(i * 4096) | 7n);
    q(u, 0x13000 + 8 * 0x60, 0x60003n);
    load(u, 0x3000, 'mov rax, [0x61000]\nmov rax, [0x60000]\nhlt');
    u.setCpl(3);
    expect(u.cpl()).toBe(3);
    const r = u.run(2);
    expect(r.exception).toEqual({ vector: 14, errorCode: 5 });
    load(u, 0x3100, 'mov rax, cr0');
    expect(u.run(1).exception).toEqual({ vector: 13, errorCode: 0 });
    u.setCpl(0);
    u.setReg(X86_REG.RIP, 0x3100n);
    expect(u.run(1).exception).toBeNull();
  });
});

describe('TLB', () => {
  it('API writes of CR3 do not flush Unicorn\'s TLB; flushTlb() does', () => {
    const u = pagedEngine();
    load(u, 0x1000, 'mov rax, [0x50000]\nhlt');
    expect(u.run(1).exception).toBeNull();
    q(u, 0x13000 + 8 * 0x50, 0n); // not present now
    u.setReg(X86_REG.CR3, 0x10000n);
    expect(u.run(1, 0n, 0x1000n).exception).toBeNull(); // the stale translation is used
    u.flushTlb();
    expect(u.run(1, 0n, 0x1000n).exception).toEqual({ vector: 14, errorCode: 0 });
  });

  it('a guest MOV to CR3 flushes it', () => {
    const u = pagedEngine();
    load(u, 0x1000, 'mov rax, [0x50000]\nmov rbx, cr3\nmov cr3, rbx\nmov rax, [0x50000]\nhlt');
    expect(u.run(1).exception).toBeNull();
    q(u, 0x13000 + 8 * 0x50, 0n);
    expect(u.run(3).exception).toEqual({ vector: 14, errorCode: 0 });
  });
});

describe('SMAP', () => {
  it('syncSmap makes an API-written CR4.SMAP effective (supervisor read of a user page faults unless AC)', () => {
    const u = pagedEngine();
    // page 0x60000 user-accessible (all levels U/S=1)
    q(u, 0x10000, 0x11007n); q(u, 0x11000, 0x12007n); q(u, 0x12000, 0x13007n);
    q(u, 0x13000 + 8 * 0x60, 0x60007n);
    u.setReg(X86_REG.CR4, 0x200020n);
    load(u, 0x1000, 'mov rax, [0x60000]\nhlt');
    expect(u.run(1).exception).toBeNull(); // hflags still say no SMAP
    u.syncSmap();
    u.flushTlb();
    expect(u.run(1, 0n, 0x1000n).exception).toEqual({ vector: 14, errorCode: 1 });
    u.setReg(X86_REG.EFLAGS, 0x40002n); // AC
    u.flushTlb();
    expect(u.run(1, 0n, 0x1000n).exception).toBeNull();
  });
});

// Each mask named "Unicorn deviation" in lockstep.ts rests on one of these: Unicorn's result is shown
// to differ from the hand-computed SDM result. If a Unicorn upgrade fixes one, its test fails and the
// mask must go.
describe('Unicorn 2.0.1 deviations from the SDM (the reasons behind lockstep masks)', () => {
  const flags = (u: Unicorn) => u.reg(X86_REG.EFLAGS);

  it('LOCK NEG sets SF, ZF, PF from the old value', () => {
    const u = pagedEngine();
    q(u, 0x5000, 0x7f6187b1n);
    load(u, 0x1000, 'mov rbx, 0x5000\nlock neg dword ptr [rbx]\nhlt');
    expect(u.run(2).err).toBe(UC_ERR_OK);
    expect(new DataView(u.memRead(0x5000, 4).buffer).getUint32(0, true)).toBe(0x809e784f); // the result is right
    expect(flags(u) & 0x80n).toBe(0n); // SF: the SDM says 1 (result negative); Unicorn has the old value's 0
    load(u, 0x1100, 'mov dword ptr [rbx], 0x7f6187b1\nneg dword ptr [rbx]\nhlt');
    expect(u.run(3).err).toBe(UC_ERR_OK);
    expect(flags(u) & 0x80n).toBe(0x80n); // without LOCK it is right
  });

  it('SHLD with a memory destination computes CF wrongly (with a memory-write hook, as lockstep has)', () => {
    const u = pagedEngine();
    u.hookMemWrite(() => {});
    // dest 0x0001000000000000 << 16: the last bit shifted out is bit 48 = 1, so CF = 1
    // (one instruction per emu_start, as the lockstep runs it)
    load(u, 0x1000, 'mov rbx, 0x5000\nmov rax, 0x0001000000000000\nmov [rbx], rax\nmov rdx, 0\nshld qword ptr [rbx], rdx, 16\nhlt');
    u.setReg(X86_REG.EFLAGS, 2n); // as the lockstep seeds it
    for (let k = 0; k < 5; k++) expect(u.run(1).err).toBe(UC_ERR_OK);
    expect(flags(u) & 1n).toBe(0n);
    load(u, 0x1100, 'mov rax, 0x0001000000000000\nmov rdx, 0\nshld rax, rdx, 16\nhlt');
    u.setReg(X86_REG.EFLAGS, 2n);
    for (let k = 0; k < 3; k++) expect(u.run(1).err).toBe(UC_ERR_OK);
    expect(flags(u) & 1n).toBe(1n); // the register form is right
  });

  it('RCL whose memory write faults has already changed CF', () => {
    const u = pagedEngine();
    q(u, 0x13000 + 8 * 0x51, 0x51001n); // read-only
    q(u, 0x51000, 0x80n);
    load(u, 0x1000, 'mov rbx, 0x51000\nxor eax, eax\nrcl byte ptr [rbx], 1\nhlt');
    u.run(1); u.run(1);
    const r = u.run(1);
    expect(r.exception).toEqual({ vector: 14, errorCode: 3 });
    expect(flags(u) & 1n).toBe(1n); // the SDM: the state before the instruction, CF = 0
  });

  it('a RET to a non-canonical address faults at the target, not on the RET', () => {
    const u = pagedEngine();
    u.map(0x8000_0000_0000_0000n, 4096); // lets QEMU's canonical check through (see above)
    load(u, 0x1000, 'mov rax, 0x8000000000000000\npush rax\nret');
    const r = u.run(3);
    expect(r.exception).toEqual({ vector: 13, errorCode: 0 });
    expect(u.reg(X86_REG.RIP)).toBe(0x8000_0000_0000_0000n); // the SDM: RIP on the RET, RSP not popped
    expect(u.reg(X86_REG.RSP)).toBe(0x80000n);
  });

  it('a store into the page being executed restarts the instruction', () => {
    const u = pagedEngine();
    load(u, 0x1000, 'mov rax, 0x1008\nmov byte ptr [rax], 0x90\nnop\nhlt');
    expect(u.run(1).err).toBe(UC_ERR_OK);
    const r = u.run(1);
    expect(r.exception).toBeNull();
    expect(u.reg(X86_REG.RIP)).toBe(0x1007n); // the store is done but RIP has not moved
  });

  it('a fetch fault on the next page comes before an instruction ending at the page boundary executes', () => {
    const u = pagedEngine();
    q(u, 0x13000 + 8 * 0x51, 0n); // 0x51000 not present
    u.memWrite(0x50ffb, new Uint8Array([0xb8, 1, 2, 3, 4])); // mov eax, 0x04030201 ends at 0x51000
    u.flushCode();
    u.setReg(X86_REG.RAX, 0n);
    const r = u.run(1, 0n, 0x50ffbn);
    expect(r.exception).toEqual({ vector: 14, errorCode: 0 }); // (I/D only with NXE or SMEP)
    expect(u.reg(X86_REG.CR2)).toBe(0x51000n);
    expect(u.reg(X86_REG.RAX)).toBe(0n); // the SDM: the MOV executes, the next fetch faults
    expect(u.reg(X86_REG.RIP)).toBe(0x50ffbn);
  });

  it('maps 1 GiB pages although its CPUID has no Page1GB', () => {
    const u = pagedEngine();
    u.map(0x4000_0000n, 0x1000);
    q(u, 0x11008, 0x40000083n); // PDPT[1]: a 1 GiB page at 1 GiB
    load(u, 0x1000, 'mov rax, [0x40000000]\nhlt');
    expect(u.run(1).exception).toBeNull();
  });

  it('sets A in a 1 GiB-page PDPTE although the access faults (here: reserved address bits)', () => {
    const u = pagedEngine();
    u.map(0x4000_0000n, 0x1000);
    q(u, 0x11008, 0x40002083n); // PDPT[1]: PS=1, bit 13 (reserved in a 1 GiB leaf) set, A=0
    load(u, 0x1000, 'mov rax, [0x40000000]\nhlt');
    const r = u.run(1);
    expect(r.exception).toEqual({ vector: 14, errorCode: 9 });
    expect(new DataView(u.memRead(0x11008, 8).buffer).getBigUint64(0, true) & 0x20n).toBe(0x20n);
  });

  it('POPCNT is #UD (not in its CPUID)', () => {
    const u = pagedEngine();
    load(u, 0x1000, 'popcnt eax, ecx\nhlt');
    expect(u.run(1).exception).toEqual({ vector: 6, errorCode: 0 });
  });
});
