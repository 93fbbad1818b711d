// Emulator bugs found by the differential tests against Unicorn (diff-insns, diff-walks), each as the
// minimal case fast-check shrank it to, checked against the SDM on tlbemu alone (no Unicorn needed).
import { describe, expect, it } from 'vitest';
import { PT_P, PT_US, PT_PS } from '../../emulator/loader/page-table-builder.js';
import { createTestMachine, installExceptionRecorder, lastException, loadCode, runToHalt, TestMachine } from '../helpers/test-machine.js';

const RO = 0x1200000;

/** A test machine whose 2 MiB page at RO is read-only (CR0.WP=1 in createTestMachine). */
function machineWithReadOnlyPage(): TestMachine {
  const m = createTestMachine();
  m.pt.writeEntry(m.pt.entryAddress(BigInt(RO), 2), BigInt(RO) | PT_P | PT_US | PT_PS);
  installExceptionRecorder(m);
  return m;
}

describe('a faulting memory write leaves RFLAGS unchanged (SDM vol. 3A 6.5: a fault reports the state before the instruction)', () => {
  // diff-insns, seed 8303077, shrunk to: adc dword ptr [r14 + 0x13b], esp with r14 -> read-only page:
  // tlbemu #PF(0x3) with RFLAGS 0x86 in the frame, Unicorn (and the SDM) 0x2. The ALU handlers
  // compute the lazy flags before the write-back that faults.
  const cases = [
    'add dword ptr [rax], 1', 'adc dword ptr [rax], ecx', 'sbb qword ptr [rax], rcx', 'sub dword ptr [rax], ecx',
    'and word ptr [rax], 5', 'or byte ptr [rax], cl', 'xor dword ptr [rax], ecx', 'lock xor qword ptr [rax], rcx',
    'neg dword ptr [rax]', 'inc dword ptr [rax]', 'dec byte ptr [rax]',
  ];
  for (const insn of cases) {
    it(insn, () => {
      const m = machineWithReadOnlyPage();
      // xor sets ZF and PF (0x44 of the arithmetic flags); the faulting instruction must leave exactly that
      loadCode(m, `mov rax, ${RO + 0x10}\nmov ecx, 7\nxor edx, edx\n${insn}\nhlt`);
      runToHalt(m);
      const e = lastException(m);
      expect(e.vector).toBe(14);
      expect(e.errorCode).toBe(3n);
      expect(e.cr2).toBe(BigInt(RO + 0x10));
      expect(e.rflags & 0x8d5n).toBe(0x44n);
    });
  }
});

describe('a shift or rotate whose count leaves the operand unchanged still writes it (read-modify-write: #PF on a read-only page)', () => {
  // diff-insns, shrunk to: rcr byte ptr [r14 + 0x5f], cl with r14 -> read-only page and a count that
  // rotates by nothing: Unicorn #PF(0x3), tlbemu no fault. The destination of a shift or rotate is a
  // read-modify-write operand whatever the count (SDM vol. 3A 4.7: W/R reports the access's intent);
  // QEMU and Bochs both write it back.
  const cases: [string, number][] = [
    ['shl byte ptr [rax], cl', 0], ['sar dword ptr [rax], cl', 32], ['rol word ptr [rax], cl', 0],
    ['rcr byte ptr [rax], cl', 9], ['rcl word ptr [rax], cl', 17], ['shld dword ptr [rax], edx, cl', 0],
  ];
  for (const [insn, count] of cases) {
    it(`${insn} with CL = ${count}`, () => {
      const m = machineWithReadOnlyPage();
      loadCode(m, `mov rax, ${RO + 0x20}\nmov ecx, ${count}\nxor edx, edx\n${insn}\nhlt`);
      runToHalt(m);
      const e = lastException(m);
      expect(e.vector).toBe(14);
      expect(e.errorCode).toBe(3n);
      expect(e.cr2).toBe(BigInt(RO + 0x20));
    });
  }
});
