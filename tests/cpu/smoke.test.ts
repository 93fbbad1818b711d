import { describe, expect, it } from 'vitest';
import { runSnippet, reg } from '../helpers/test-machine.js';
import { RAX, RBX, RCX } from '../../emulator/cpu/state.js';
import { getFlags } from '../../emulator/cpu/flags.js';

describe('core loop', () => {
  it('runs mov/add/loop code through paging and halts', () => {
    const m = runSnippet(`
      mov eax, 0
      mov ecx, 10
    1: add eax, ecx
      dec ecx
      jnz 1b
      movabs rbx, 0x123456789abcdef0
      push rbx
      pop rcx
    `);
    expect(reg(m, RAX)).toBe(55n);
    expect(reg(m, RCX)).toBe(0x123456789abcdef0n);
    expect(reg(m, RBX)).toBe(0x123456789abcdef0n);
    expect(getFlags(m.cpu) & 0x40).toBe(0x40); // ZF from the final dec
  });
});
