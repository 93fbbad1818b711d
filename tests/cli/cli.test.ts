import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/cli.js';
import { buildImage } from '../helpers/build-image.js';

const tmp = mkdtempSync(join(tmpdir(), 'tlbemu-cli-'));

/** Expects exactly one `tlbemu: error: ...` line matching `pattern` and status 2. */
function usageError(args: string[], pattern: RegExp): void {
  const r = runCli(args);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^tlbemu: error: [^\n]+\n$/);
  expect(r.stderr).toMatch(pattern);
}

describe('tlbemu command', () => {
  it('--help lists the commands; run --help lists the options', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: tlbemu <command>/);
    expect(r.stdout).toMatch(/\n {2}run +boot an ELF64 image and run it\n/);
    const h = runCli(['run', '--help']);
    expect(h.status).toBe(0);
    for (const opt of ['--cpus', '--mem', '--pmem', '--paging', '--cmdline', '--max-insns', '--timeout', '--quantum',
      '--seed', '--serial', '--json', '--trace', '--tlb-entries', '--tlb-ways', '--jit']) {
      expect(h.stdout).toContain(`  ${opt} `);
    }
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version']);
    expect(r).toEqual({ status: 0, stdout: `tlbemu ${pkg.version}\n`, stderr: '' });
  });

  it('without a command prints usage and fails with status 2', () => {
    const r = runCli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage: tlbemu/);
  });

  it('rejects unknown commands, options and bad values with one line and status 2', () => {
    const img = buildImage('halt');
    usageError(['frobnicate'], /unknown command "frobnicate"/);
    usageError(['--frob'], /unknown option --frob/);
    usageError(['run', '--frob', img], /unknown option --frob \(see tlbemu run --help\)/);
    usageError(['run'], /missing IMAGE\.elf/);
    usageError(['run', img, img], /one image expected, got 2/);
    usageError(['run', '--cpus', '65', img], /--cpus 65: out of range \(1\.\.64\)/);
    usageError(['run', '--cpus', 'two', img], /--cpus "two": not an integer/);
    usageError(['run', '--cpus'], /--cpus needs a value \(N\)/);
    usageError(['run', '--mem', '12Q', img], /--mem "12Q": not a size/);
    usageError(['run', '--mem', '1M', img], /--mem 1 MiB is too small/);
    usageError(['run', '--paging', '3', img], /--paging "3": must be 4 or 5/);
    usageError(['run', '--pmem', '1G', img], /--pmem "1G": expected SIZE@ADDR/);
    usageError(['run', '--mem', '4G', '--pmem', '1G@4G', img], /--pmem 1 GiB@0x100000000 overlaps RAM/);
    usageError(['run', '--trace', 'insn,bogus', img], /unknown item "bogus" \(choose from insn, io\)/);
    usageError(['run', '--max-insns', '-5', img], /--max-insns "-5": not an integer/);
    usageError(['run', '--max-insns', '0', img], /--max-insns 0: out of range/);
    usageError(['run', '--timeout', 'soon', img], /--timeout "soon": not a positive number of seconds/);
    usageError(['run', '--quantum', '0', img], /--quantum 0: out of range/);
    usageError(['run', '--jit', 'maybe', img], /--jit "maybe": must be on or off/);
    usageError(['run', '--tlb-ways', '4', img], /--tlb-ways needs --tlb-entries/);
    usageError(['run', '--tlb-entries', '64', '--tlb-ways', '3', img], /--tlb-ways 3 must divide --tlb-entries 64/);
    usageError(['run', '--cmdline', 'x'.repeat(5000), img], /--cmdline is 5000 bytes long \(at most 4095\)/);
    usageError(['run', '--serial', join(tmp, 'no/such/dir/out.txt'), img], /--serial .*: cannot open \(ENOENT\)/);
    usageError(['run', '--json', join(tmp, 'no/such/dir/out.json'), img], /--json .*: cannot open \(ENOENT\)/);
  });
});

describe('test images through tlbemu run', () => {
  it('(a) arithmetic and flags: every in-guest check passes, debug-exit 0 -> status 1', () => {
    const r = runCli(['run', buildImage('arith')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^arith: start\n/);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.match(/^PASS /gm)?.length).toBeGreaterThanOrEqual(30);
    expect(r.stdout).toMatch(/ALL PASS\n$/);
    expect(r.status).toBe(1);
  });

  it('(b) string instructions', () => {
    const r = runCli(['run', buildImage('strings')]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.match(/^PASS /gm)?.length).toBeGreaterThanOrEqual(18);
    expect(r.stdout).toMatch(/ALL PASS\n$/);
    expect(r.status).toBe(1);
  });

  it('(c) exceptions handled by the guest IDT in a kernel-style high image', () => {
    const r = runCli(['run', buildImage('exception')]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout).toContain('PASS pf no-execute error code\n');
    expect(r.stdout).toMatch(/ALL PASS\n$/);
    expect(r.status).toBe(1);
  });

  it('(d) serial output: greeting, formatted numbers, boot-info; every CPU halts with IF=0 -> status 0', () => {
    const r = runCli(['run', '--cpus', '2', '--cmdline', 'console=ttyS0 quiet', buildImage('hello')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe([
      'Hello from tlbemu!',
      'decimal: 1234567890123',
      'hex: 0x0000deadbeefcafe',
      'zero: 0',
      'max: 18446744073709551615',
      'boot-info version 1, cpus 2, paging levels 4',
      'cmdline: "console=ttyS0 quiet" (19 bytes)',
      'e820: 0x0000000000000000 - 0x0000000000001000 type 1',
      'e820: 0x0000000000001000 - 0x0000000000100000 type 2',
      'e820: 0x0000000000100000 - 0x0000000010000000 type 1',
      'stack top: 0x0000000000006000',
      'cpu 0 online, rdi matches, stack 0x0000000000006000',
      'cpu 1 online, rdi matches, stack 0x0000000000007000',
      '',
    ].join('\n'));
  });

  it('(d) with --paging 5, --mem 8G and --pmem: the boot-info block says so', () => {
    const r = runCli(['run', '--paging', '5', '--mem', '8G', '--pmem', '2G@16G', buildImage('hello')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('boot-info version 1, cpus 1, paging levels 5\n');
    expect(r.stdout).toContain('e820: 0x0000000000100000 - 0x00000000c0000000 type 1\n');
    expect(r.stdout).toContain('e820: 0x0000000100000000 - 0x0000000240000000 type 1\n');
    expect(r.stdout).toContain('e820: 0x0000000400000000 - 0x0000000480000000 type 7\n');
  });

  it('(e) debug-exit status: (v << 1) | 1', () => {
    const img = buildImage('exitcode');
    const a = runCli(['run', '--cmdline', 'exit=42', img]);
    expect(a).toEqual({ status: 85, stdout: 'exiting with 42\n', stderr: '' });
    const b = runCli(['run', img]);
    expect(b.status).toBe(33);
    const c = runCli(['run', '--cmdline', 'exit=0', img]);
    expect(c.status).toBe(1);
  });

  it('a triple fault: status 6 and a one-line report naming CPU, RIP, vector chain and symbol', () => {
    const r = runCli(['run', buildImage('triple')]);
    expect(r.status).toBe(6);
    expect(r.stdout).toBe('about to triple fault\n');
    expect(r.stderr).toMatch(/^tlbemu: triple fault on CPU 0 at RIP 0x00000000001[0-9a-f]{5}: #UD -> #GP\(0x33\) -> .*#DF.* \(in crash_here\+0x0\)\n$/);
  });

  it('a guest spinning forever: status 4 at --max-insns, and at --timeout', () => {
    const img = buildImage('spin');
    const r = runCli(['run', '--max-insns', '100000', img]);
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('spinning\n');
    expect(r.stderr).toBe('tlbemu: instruction budget of 100000 exhausted (--max-insns 100000)\n');
    const t = runCli(['run', '--timeout', '0.3', img]);
    expect(t.status).toBe(4);
    expect(t.stderr).toBe('tlbemu: wall-clock timeout after 0.3 s (--timeout)\n');
  });

  it('halted with interrupts enabled and nothing pending: deadlock, status 4', () => {
    const r = runCli(['run', '--cpus', '2', '--cmdline', 'sti', buildImage('halt')]);
    expect(r.status).toBe(4);
    expect(r.stderr).toBe('tlbemu: deadlock: every CPU is halted with interrupts enabled and no interrupt can arrive\n');
  });

  it('unclaimed ports read all-ones; COM1 registers answer', () => {
    const r = runCli(['run', buildImage('ports')]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout).toMatch(/ALL PASS\n$/);
    expect(r.status).toBe(1);
  });
});

describe('run options', () => {
  it('--serial FILE takes COM1 output off stdout', () => {
    const out = join(tmp, 'serial.txt');
    const r = runCli(['run', '--serial', out, '--cmdline', 'exit=3', buildImage('exitcode')]);
    expect(r).toEqual({ status: 7, stdout: '', stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe('exiting with 3\n');
  });

  it('--json FILE: final registers as hex strings, control registers, counters, exit reason', () => {
    const out = join(tmp, 'state.json');
    const r = runCli(['run', '--json', out, '--cmdline', 'exit=5', '--cpus', '2', buildImage('exitcode')]);
    expect(r.status).toBe(11);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.exit).toEqual({ reason: 'debug-exit', status: 11, message: 'debug-exit: the guest wrote 0x5', cpu: 0 });
    expect(j.cpus).toHaveLength(2);
    const c0 = j.cpus[0];
    for (const v of Object.values(c0.registers)) expect(v).toMatch(/^0x[0-9a-f]{16}$/);
    expect(c0.registers.rax).toBe('0x0000000000000005');
    expect(c0.registers.rflags).toMatch(/^0x[0-9a-f]{16}$/);
    expect(c0.control.cr0).toBe('0x0000000080010033');
    expect(c0.control.efer).toBe('0x0000000000000d01');
    expect(c0.control.cr3).toBe(`0x${BigInt(j.boot.pageTableRoot).toString(16).padStart(16, '0')}`);
    expect(c0.segments.cs).toBe('0x10');
    expect(c0.counters.instructions).toBeGreaterThan(10);
    expect(c0.counters.mmu.walks).toBeGreaterThan(0);
    expect(c0.counters.mmu.flushes['mov-cr3']).toEqual({ count: 0, dropped: 0, droppedGlobal: 0, pscDropped: 0 });
    expect(j.cpus[1].halted).toBe(true);
    expect(j.instructions).toBe(c0.counters.instructions + j.cpus[1].counters.instructions);
    expect(j.serial.transmitted).toBe('exiting with 5\n'.length);
    expect(j.io.find((p: { port: number }) => p.port === 0x3f8)).toMatchObject({ writes: 15, device: 'com1' });
    expect(j.io.find((p: { port: number }) => p.port === 0xf4)).toMatchObject({ writes: 1, device: 'isa-debug-exit' });
  });

  it('--json - writes the document to stdout after the serial output', () => {
    const r = runCli(['run', '--json', '-', '--max-insns', '1000', buildImage('spin')]);
    expect(r.status).toBe(4);
    expect(r.stdout.startsWith('spinning\n{')).toBe(true);
    const j = JSON.parse(r.stdout.slice('spinning\n'.length));
    expect(j.exit.reason).toBe('max-insns');
    expect(j.instructions).toBe(1000);
  });

  it('--trace insn: one line per instruction with CPU, RIP, symbol, bytes and disassembly', () => {
    const r = runCli(['run', '--trace', 'insn', '--cmdline', 'exit=1', buildImage('exitcode')]);
    expect(r.status).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('cpu0 0000000000100000 <_start+0x0>: 48 85 ff  test rdi, rdi');
    expect(lines[1]).toMatch(/^cpu0 0000000000100003 <_start\+0x3>: 75 [0-9a-f]{2}  jne 0x[0-9a-f]+$/); // jnz park
    expect(lines[lines.length - 1]).toMatch(/^cpu0 0000000000100[0-9a-f]{3} <_start\+0x[0-9a-f]+>: e6 f4  out 0xf4, al$/);
    for (const l of lines) expect(l).toMatch(/^cpu0 [0-9a-f]{16} <\w+\+0x[0-9a-f]+>: ([0-9a-f]{2} ?)+ [a-z]/);
  });

  it('--trace insn on a kernel-style image shows high addresses and exceptions', () => {
    const r = runCli(['run', '--trace', 'insn', buildImage('exception')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cpu0 ffffffff81000000 <_start\+0x0>: 48 85 ff  test rdi, rdi\n/);
    expect(r.stderr).toMatch(/\ncpu0 ffffffff81[0-9a-f]{6} <ud_site\+0x0>: 0f 0b  ud2\ncpu0 ffffffff81[0-9a-f]{6} <ud_site\+0x0>: exception #UD, bytes 0f 0b /);
    expect(r.stderr).toMatch(/\ncpu0 exception #PF\(0x3\) at address ffffffff81[0-9a-f]{6}\n/);
  });

  it('an opcode tlbemu does not implement is a #UD in the guest, and the trace names its bytes', () => {
    const r = runCli(['run', '--trace', 'insn', buildImage('unimpl')]);
    expect(r.status).toBe(6);
    expect(r.stdout).toBe('before vzeroupper\n');
    expect(r.stderr).toMatch(/\ncpu0 0000000000100[0-9a-f]{3} <unimplemented\+0x0>: exception #UD, bytes c5 f8 77 /);
    expect(r.stderr).toMatch(/\ntlbemu: triple fault on CPU 0 at RIP 0x0000000000100[0-9a-f]{3}: #UD -> .* \(in unimplemented\+0x0\)\n$/);
  });

  it('--trace io: every port access and a per-port summary', () => {
    const r = runCli(['run', '--trace', 'io', buildImage('ports')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cpu0 io out port 0x0080 size 1 value 0x12 (unclaimed)\n');
    expect(r.stderr).toContain('cpu0 io in  port 0x0080 size 1 value 0xff (unclaimed)\n');
    expect(r.stderr).toContain('cpu0 io in  port 0x0cfc size 4 value 0xffffffff (unclaimed)\n');
    expect(r.stderr).toMatch(/\nio summary \(port: reads writes device\):\n/);
    expect(r.stderr).toContain('  0x0080: 1 1 unclaimed (reads all-ones)\n');
    expect(r.stderr).toContain('  0x1234: 1 0 unclaimed (reads all-ones)\n');
    expect(r.stderr).toMatch(/ {2}0x00f4: 0 1 isa-debug-exit\n/);
    expect(r.stderr).toMatch(/ {2}0x03f8: \d+ \d+ com1\n/);
  });

  it('is deterministic: same image, flags and seed give byte-identical output', () => {
    const img = buildImage('smp');
    const args = ['run', '--cpus', '4', '--seed', '99', '--quantum', '50', '--json', '-', img];
    const a = runCli(args), b = runCli(args);
    expect(a.status).toBe(1);
    expect(a.stdout).toMatch(/^cpus arrived: 4, order:( [0-3]){4}\n/);
    expect(b).toEqual(a);
  });

  it('--tlb-entries/--tlb-ways bound the TLB (evictions appear in the counters)', () => {
    const r = runCli(['run', '--tlb-entries', '64', '--tlb-ways', '4', '--json', '-', buildImage('pages')]);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    // 112 2 MiB pages touched three times through 64 entries (16 sets of 4)
    expect(j.cpus[0].counters.mmu.evictions).toBeGreaterThan(3 * (112 - 64));
    expect(j.cpus[0].counters.mmu.tlbEntries).toBeLessThanOrEqual(3 * 64);
    const u = runCli(['run', '--json', '-', buildImage('pages')]);
    const ju = JSON.parse(u.stdout.slice(u.stdout.indexOf('{')));
    expect(ju.cpus[0].counters.mmu.evictions).toBe(0);
  });

  it('--jit off runs the interpreter only, with the same guest-visible outcome as compiled blocks', () => {
    const img = buildImage('memtouch');
    const [on, off] = ['on', 'off'].map((v) => {
      const r = runCli(['run', '--mem', '64G', '--jit', v, '--json', '-', img]);
      expect(r.status).toBe(1);
      return JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    });
    // the touch loop runs 2048 times: hot enough to be compiled
    expect(on.cpus[0].counters.blocks.compiled).toBeGreaterThan(0);
    expect(on.cpus[0].counters.blocks.instructions).toBeGreaterThan(on.instructions / 2);
    expect(off.cpus[0].counters.blocks).toEqual({ compiled: 0, instructions: 0 });
    expect(on.cpus[0].registers).toEqual(off.cpus[0].registers);
    expect([on.instructions, on.exit, on.memory]).toEqual([off.instructions, off.exit, off.memory]);
    expect(on.cpus[0].counters.mmu.walks).toBe(off.cpus[0].counters.mmu.walks);
  });

  it('--mem 64G: host memory follows what the guest touches', () => {
    const r = runCli(['run', '--mem', '64G', '--json', '-', buildImage('memtouch')]);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(j.memory.e820.at(-1)).toMatchObject({ base: '0x100000000', length: '0xf40000000', type: 1 });
    const MiB = 1024 * 1024;
    expect(j.memory.hostBytes).toBeGreaterThanOrEqual(8 * MiB); // 2048 touched pages
    expect(j.memory.hostBytes).toBeLessThan(9 * MiB); // + image, loader structures and tables
  });
});
