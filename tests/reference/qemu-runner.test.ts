// The QEMU runner (emulator/reference/qemu.ts) and the PVH entry every image carries (boot/pvh): how a
// run ends and what status it gets, the machine it asks QEMU for, the message when QEMU is missing, and
// the Xen note of the test images and guest kernels.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../helpers/build-image.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { parseElf } from '../../emulator/loader/elf.js';
import {
  ALLOWED_DIFFERENCES, haltedWithInterruptsOff, normalizeAllowed, QEMU_INSTALL, qemuArgs, QemuMissingError, qemuVersion,
  runQemu,
} from '../../emulator/reference/qemu.js';

const GiB = 2 ** 30;

beforeAll(() => {
  qemuVersion(); // a missing QEMU fails here with one line naming the install command
});

describe('QEMU runner', () => {
  it('reports the installed QEMU, and a missing one in one line with the install command', async () => {
    expect(qemuVersion()).toMatch(/^QEMU emulator version \d+\.\d+/);
    const missing = '/nonexistent/qemu-system-x86_64';
    expect(() => qemuVersion(missing)).toThrow(QemuMissingError);
    try {
      qemuVersion(missing);
    } catch (e) {
      const m = (e as Error).message;
      expect(m.split('\n')).toHaveLength(1);
      expect(m).toContain(missing);
      expect(m).toContain(QEMU_INSTALL);
    }
    await expect(runQemu({ image: buildImage('halt'), binary: missing })).rejects.toThrow(QemuMissingError);
  });

  it('asks for microvm without pmem, and for pc with one memfd-backed NVDIMM per pmem range', () => {
    const plain = qemuArgs({ image: 'x.elf', cmdline: 'a b' }, '/q.sock', '/com1');
    expect(plain).toEqual(expect.arrayContaining(['-machine', 'microvm,pic=off,pit=off,rtc=off', '-m', '256M',
      '-kernel', 'x.elf', '-append', 'a b', '-serial', 'file:/com1', '-no-reboot', '-smp', '1']));
    expect(plain).toContain('max,vendor=GenuineIntel,phys-bits=46');
    expect(plain).not.toContain('-bios');
    const pm = qemuArgs({ image: 'x.elf', memBytes: 512 * 2 ** 20, pmem: [{ base: 16 * GiB, size: GiB }, { base: 8 * GiB, size: 4 * GiB }] },
      '/q.sock', '/com1');
    const at = (flag: string) => pm.flatMap((a, k) => (a === flag ? [pm[k + 1]] : []));
    expect(at('-machine')).toEqual(['pc,nvdimm=on,max-ram-below-4g=3G']);
    expect(at('-bios')).toEqual(['qboot.rom']);
    // device memory from 4 GiB: up to 17 GiB needs 13 GiB above the RAM
    expect(at('-m')).toEqual(['512M,slots=2,maxmem=13824M']);
    expect(at('-object')).toEqual(['memory-backend-memfd,id=pmem0,size=4096M', 'memory-backend-memfd,id=pmem1,size=1024M']);
    expect(at('-device')).toEqual(expect.arrayContaining(['nvdimm,id=nvdimm0,memdev=pmem0,addr=0x200000000',
      'nvdimm,id=nvdimm1,memdev=pmem1,addr=0x400000000']));
    expect(() => qemuArgs({ image: 'x.elf', pmem: [{ base: 2 * GiB, size: GiB }] }, '/q', '/c')).toThrow(/QEMU places NVDIMMs from 0x100000000 up/);
    expect(() => qemuArgs({ image: 'x.elf', pmem: [{ base: 4 * GiB, size: GiB }], memBytes: 4 * GiB }, '/q', '/c'))
      .toThrow(/from 0x140000000 up/);
  });

  it('reads HLT and RFLAGS.IF from `info registers`', () => {
    const regs = (rfl: string, hlt: number) =>
      `RAX=0000000000000000 RBX=0000000000000000\nRIP=0000000000100010 RFL=${rfl} [-------] CPL=0 II=0 A20=1 SMM=0 HLT=${hlt}\n`;
    expect(haltedWithInterruptsOff(regs('00000002', 1))).toBe(true);
    expect(haltedWithInterruptsOff(regs('00000202', 1))).toBe(false); // an interrupt may still wake it
    expect(haltedWithInterruptsOff(regs('00000002', 0))).toBe(false);
    expect(haltedWithInterruptsOff('no registers')).toBe(false);
  });

  it('ends with tlbemu statuses: debug-exit, halted with IF = 0, reset (triple fault), time limit', async () => {
    const exit = await runQemu({ image: buildImage('exitcode'), cmdline: 'exit=3' });
    expect(exit).toMatchObject({ status: 7, end: 'debug-exit', serial: 'exiting with 3\n' });
    const halted = await runQemu({ image: buildImage('halt') });
    expect(halted).toMatchObject({ status: 0, end: 'halted', serial: '' });
    const reset = await runQemu({ image: buildImage('triple') });
    expect(reset).toMatchObject({ status: 6, end: 'reset', serial: 'about to triple fault\n' });
    const spin = await runQemu({ image: buildImage('spin'), timeoutMs: 800 });
    expect(spin).toMatchObject({ status: 4, end: 'timeout', serial: 'spinning\n' });
    expect(spin.elapsedMs).toBeGreaterThanOrEqual(800);
  });

  it('a QEMU that fails to start is an error, not a debug-exit status 1', async () => {
    await expect(runQemu({ image: '/nonexistent/image.elf' })).rejects.toThrow(/ended unexpectedly \(exit 1\): qemu: could not open kernel file/);
  });

  it('lists every allowed difference with its reason, and normalizes only what it names', () => {
    expect(new Set(ALLOWED_DIFFERENCES.map((d) => d.id)).size).toBe(ALLOWED_DIFFERENCES.length);
    for (const d of ALLOWED_DIFFERENCES) expect(d.reason).toMatch(/SDM vol\. [23]A/);
    const t = 'x86/cpu: TLBemuTLBemu family 0x6\nCPU0: ticks 2, fixed faults 0\n2048 probes, 2048 stale hits\n';
    const q = 'x86/cpu: GenuineIntel family 0xf\nCPU0: ticks 0, fixed faults 2045\n2048 probes, 3 stale hits\n';
    expect(normalizeAllowed(t, ['cpu-identity', 'lapic-timer-ticks', 'tlb-capacity']))
      .toBe(normalizeAllowed(q, ['cpu-identity', 'lapic-timer-ticks', 'tlb-capacity']));
    expect(normalizeAllowed(t, ['cpu-identity'])).not.toBe(normalizeAllowed(q, ['cpu-identity']));
    expect(() => normalizeAllowed(t, ['no-such-difference'])).toThrow(/no allowed difference "no-such-difference"/);
  });
});

/** The XEN_ELFNOTE_PHYS32_ENTRY note of an ELF64 file and the program headers around it. */
function pvhNote(path: string): { entry: bigint; align: bigint; inLoad: boolean; notes: number } {
  const b = readFileSync(path);
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  const ph = Array.from({ length: phnum }, (_, k) => {
    const o = phoff + k * phentsize;
    return { type: b.readUInt32LE(o), offset: Number(b.readBigUInt64LE(o + 8)), filesz: Number(b.readBigUInt64LE(o + 32)), align: b.readBigUInt64LE(o + 48) };
  });
  const notes = ph.filter((p) => p.type === 4);
  expect(notes).toHaveLength(1);
  const n = notes[0];
  const namesz = b.readUInt32LE(n.offset), descsz = b.readUInt32LE(n.offset + 4), type = b.readUInt32LE(n.offset + 8);
  expect([namesz, descsz, type]).toEqual([4, 8, 18]);
  expect(b.subarray(n.offset + 12, n.offset + 16).toString('latin1')).toBe('Xen\0');
  expect(n.filesz).toBe(24);
  return {
    entry: b.readBigUInt64LE(n.offset + 16), align: n.align, notes: notes.length,
    inLoad: ph.some((p) => p.type === 1 && n.offset >= p.offset && n.offset + n.filesz <= p.offset + p.filesz),
  };
}

describe('PVH entry in the images', () => {
  const cases: [string, string][] = [
    ['low test image (exitcode)', buildImage('exitcode')],
    ['kernel-style test image (hello)', buildImage('hello')],
    ...(['v4.19', 'v1', 'v2', 'upstream'].map((v) => [`guest ${v}`, join(REPO_ROOT, 'guest', 'build', `tlbemu-kernel-${v}.elf`)] as [string, string])),
  ];

  it.each(cases)('%s: one PT_NOTE, 4-byte aligned, inside a PT_LOAD, naming the physical pvh_start32', (_n, path) => {
    const note = pvhNote(path);
    expect(note.align).toBe(4n); // QEMU pads the note name to p_align
    expect(note.inLoad).toBe(true);
    const img = parseElf(readFileSync(path));
    const start = img.symbols.byName('pvh_start32')!.value;
    const text = img.segments.find((s) => start >= s.vaddr && start < s.vaddr + BigInt(s.memsz))!;
    expect(text.flags & 1).toBe(1); // executable
    expect(note.entry).toBe(start - text.vaddr + BigInt(text.paddr));
    // the trampoline hands over to the ELF entry
    expect(img.symbols.byName('pvh_image_entry')?.value ?? img.entry).toBe(img.entry);
  });
});
