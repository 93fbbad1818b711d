// `tlbemu disasm` against objdump, and the --verbose disassembly under a WARN report's Code: line.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/cli.js';

const IMAGE = join(REPO_ROOT, 'guest', 'build', 'tlbemu-kernel-v4.19.elf');

describe('tlbemu disasm', () => {
  it('prints a function at the same addresses as objdump -d, with the same bytes', () => {
    const ours = runCli(['disasm', IMAGE, 'phys_pud_init']);
    expect(ours.status).toBe(0);
    const od = execFileSync('objdump', ['-d', '-M', 'intel', `--disassemble=phys_pud_init`, IMAGE], { encoding: 'utf8' });
    // instruction starts only: objdump continues long encodings on extra lines without a mnemonic
    const addrs = (text: string) => [...text.matchAll(/^\s*(ffffffff[0-9a-f]+):\t[0-9a-f ]+\t\S/gm)].map((m) => m[1]);
    const theirs = addrs(od);
    expect(theirs.length).toBeGreaterThan(50);
    expect(addrs(ours.stdout)).toEqual(theirs);
    expect(ours.stdout).toMatch(/^ffffffff[0-9a-f]+ <phys_pud_init>:$/m);
  });

  it('prints every copy of a static function and rejects an unknown symbol', () => {
    const r = runCli(['disasm', IMAGE, '__flush_tlb_all']);
    expect((r.stdout.match(/<__flush_tlb_all>:/g) ?? []).length).toBeGreaterThan(1);
    expect(r.stdout).toMatch(/\tud2$/m);
    const bad = runCli(['disasm', IMAGE, 'no_such_function']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^tlbemu: error: disasm: .* has no sized symbol "no_such_function"/);
  });

  it('boot --verbose disassembles the Code: bytes of a WARN report from the faulting instruction', () => {
    const r = runCli(['boot', 'hotplug-4.19', '--verbose', '--check', 'none'], { timeoutMs: 240_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\nCode: [0-9a-f <>]+\n  Code starting with the faulting instruction\n  =+\n +0:\t0f 0b +\tud2\n/);
  }, 240_000);
});
