// QEMU (qemu-system-x86_64, TCG) as a reference machine: boots an image through its PVH entry
// (boot/pvh/pvh-entry.S, which rebuilds the tlbemu boot contract for CPU 0), captures COM1 and reports
// the run's end with tlbemu's exit statuses (DESIGN.md): odd = the guest wrote isa-debug-exit, 0 = the
// CPU halted with interrupts off, 4 = the time limit, 6 = the guest reset the machine (a triple fault).
// Edge code: child processes, a QMP socket, wall-clock timers.
//
// The machine mirrors `tlbemu run` (one CPU, --mem, --pmem, --cmdline):
// - microvm with pic/pit/rtc off when there is no persistent memory: no 8259, 8254, RTC or PCI, so
//   unclaimed ports read all-ones as on tlbemu's machine; its firmware (qboot) prints nothing;
// - pc with qboot and one NVDIMM per --pmem range otherwise (microvm has no device-memory region).
//   QEMU lists NVDIMMs in the ACPI NFIT, not in e820: the PVH entry turns their SPA ranges into e820
//   type-7 entries. They are backed by memfd: QEMU asks for transparent huge pages on anonymous RAM,
//   and the guest's 2 MiB-strided pattern would then fault in all of it (4 GiB for pmem=4G).
// - CPU "max" with vendor GenuineIntel (tlbemu follows the Intel SDM; TCG's default vendor is AMD, for
//   which the pc machine also reserves the AMD HyperTransport hole in e820) and phys-bits=46 (tlbemu's
//   MAXPHYADDR, so reserved-bit checks in paging entries agree).
// - RAM below 4 GiB is capped at 3 GiB (max-ram-below-4g), as the tlbemu loader places it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const QEMU_BINARY = process.env.TLBEMU_QEMU || 'qemu-system-x86_64';
export const QEMU_INSTALL = 'apt-get install -y qemu-system-x86';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** qemu-system-x86_64 is not installed (or does not run). */
export class QemuMissingError extends Error {}

/** QEMU's version line; throws QemuMissingError with one line naming the install command. */
export function qemuVersion(binary = QEMU_BINARY): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) {
    throw new QemuMissingError(`${binary} is not available (${r.error ? r.error.message : `status ${r.status}`}): install it with ${QEMU_INSTALL}`);
  }
  return r.stdout.split('\n')[0].trim();
}

export interface QemuPmem {
  base: number;
  size: number;
}

export interface QemuRunOptions {
  image: string;
  cmdline?: string;
  /** RAM in bytes (tlbemu --mem); default 256 MiB. */
  memBytes?: number;
  /** Persistent-memory ranges (tlbemu --pmem SIZE@ADDR). */
  pmem?: readonly QemuPmem[];
  /** Wall-clock limit; default 20 s. */
  timeoutMs?: number;
  binary?: string;
}

export type QemuEnd = 'debug-exit' | 'halted' | 'reset' | 'timeout';

export interface QemuRunResult {
  /** tlbemu's exit status for the same end (see the header). */
  status: number;
  end: QemuEnd;
  /** Everything the guest wrote to COM1. */
  serial: string;
  /** QEMU's own messages (its stdout and stderr). */
  stderr: string;
  args: string[];
  elapsedMs: number;
}

function mib(n: number): string {
  if (n % MiB !== 0) throw new RangeError(`QEMU sizes must be whole MiB: ${n}`);
  return `${n / MiB}M`;
}

/**
 * The command line for `opts`; `qmp` is the path of the QMP socket, `serial` the file COM1 goes to (a
 * file, not a pipe: when a pipe write would block, QEMU's 16550 keeps THRE clear and retries a few
 * times before it drops the byte, and the guest's polling loop may give up and overwrite THR).
 */
export function qemuArgs(opts: QemuRunOptions, qmp: string, serial: string): string[] {
  const mem = opts.memBytes ?? 256 * MiB;
  const pmem = [...(opts.pmem ?? [])].sort((a, b) => a.base - b.base);
  const args = ['-accel', 'tcg', '-cpu', 'max,vendor=GenuineIntel,phys-bits=46', '-smp', '1', '-nodefaults', '-display', 'none',
    '-no-reboot', '-serial', `file:${serial}`, '-qmp', `unix:${qmp},server=on,wait=off`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', opts.image, '-append', opts.cmdline ?? ''];
  if (pmem.length === 0) {
    args.push('-machine', 'microvm,pic=off,pit=off,rtc=off', '-m', mib(mem));
    return args;
  }
  // pc: device memory starts at the first GiB boundary above 4 GiB + the RAM placed above 4 GiB
  const above4g = Math.max(0, mem - 3 * GiB);
  const deviceBase = Math.ceil((4 * GiB + above4g) / GiB) * GiB;
  let end = deviceBase;
  for (const p of pmem) {
    if (p.base < deviceBase) {
      throw new RangeError(`pmem at 0x${p.base.toString(16)}: QEMU places NVDIMMs from 0x${deviceBase.toString(16)} up (above RAM)`);
    }
    end = Math.max(end, p.base + p.size);
  }
  const maxmem = mem + Math.ceil((end - deviceBase) / GiB) * GiB;
  args.push('-machine', 'pc,nvdimm=on,max-ram-below-4g=3G', '-bios', 'qboot.rom',
    '-m', `${mib(mem)},slots=${pmem.length},maxmem=${mib(maxmem)}`);
  pmem.forEach((p, k) => {
    args.push('-object', `memory-backend-memfd,id=pmem${k},size=${mib(p.size)}`,
      '-device', `nvdimm,id=nvdimm${k},memdev=pmem${k},addr=0x${p.base.toString(16)}`);
  });
  return args;
}

/** A minimal QMP client: commands answered in order, events collected. */
class Qmp {
  private buf = '';
  private waiting: ((v: unknown) => void)[] = [];
  readonly events: { event: string; data?: Record<string, unknown> }[] = [];
  closed = false;

  constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (line !== '') this.message(JSON.parse(line) as Record<string, unknown>);
      }
    });
    const close = (): void => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    };
    sock.on('close', close);
    sock.on('error', close);
  }

  private message(m: Record<string, unknown>): void {
    if ('QMP' in m) return; // greeting
    if ('event' in m) {
      this.events.push(m as { event: string; data?: Record<string, unknown> });
      return;
    }
    this.waiting.shift()?.(m.return ?? m);
  }

  /** Sends a command; resolves with its return value (undefined once the socket has closed). */
  command(execute: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.sock.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function connectQmp(path: string, deadline: number): Promise<Qmp | null> {
  return new Promise((resolve) => {
    const attempt = (): void => {
      const s = createConnection(path);
      s.once('connect', () => resolve(new Qmp(s)));
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) resolve(null);
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** True when `info registers` shows the CPU halted with RFLAGS.IF = 0 (nothing can wake it). */
export function haltedWithInterruptsOff(infoRegisters: string): boolean {
  const hlt = /\bHLT=(\d)/.exec(infoRegisters);
  const rfl = /\bRFL=([0-9a-f]+)/.exec(infoRegisters);
  return hlt !== null && rfl !== null && hlt[1] === '1' && (parseInt(rfl[1], 16) & 0x200) === 0;
}

/** A QEMU message that is an error, not a warning. */
function qemuError(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => /^qemu(-system-[\w-]+)?: /.test(l) && !/: warning: /.test(l) && !/terminating on signal/.test(l));
}

/** Boots `opts.image` under QEMU and waits for one of the ends in QemuEnd. */
export async function runQemu(opts: QemuRunOptions): Promise<QemuRunResult> {
  const binary = opts.binary ?? QEMU_BINARY;
  qemuVersion(binary);
  const dir = mkdtempSync(join(tmpdir(), 'tlbemu-qemu-'));
  const qmpPath = join(dir, 'qmp.sock');
  const serialPath = join(dir, 'com1.txt');
  // -S: the CPU waits for "cont", so that QMP listens before the guest can do anything
  const args = [...qemuArgs(opts, qmpPath, serialPath), '-S'];
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const start = Date.now();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const st: { exit: { code: number | null; signal: NodeJS.Signals | null } | null; serial: string; stderr: string } = {
    exit: null, serial: '', stderr: '',
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => { st.stderr += d; });
  child.stderr.on('data', (d: string) => { st.stderr += d; });
  const exited = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => { st.exit = { code, signal }; resolve(); });
  });
  const failed = new Promise<never>((_, reject) => child.once('error', reject));

  let end: QemuEnd | null = null;
  let qmp: Qmp | null = null;
  // QMP answers only once machine init (kernel loading included) has succeeded, and the guest runs only
  // after "cont": an exit before that is QEMU failing, whatever its status
  let started = false;
  try {
    qmp = await Promise.race([connectQmp(qmpPath, start + timeoutMs), exited.then(() => null), failed]);
    if (qmp !== null && (await qmp.command('qmp_capabilities')) !== undefined) {
      started = true;
      await qmp.command('cont');
    }
    // poll the CPU until QEMU exits, the CPU sits in HLT with IF = 0, or time runs out
    while (started && st.exit === null && qmp !== null) {
      await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
      if (st.exit !== null || qmp.closed) continue;
      const regs = await qmp.command('human-monitor-command', { 'command-line': 'info registers' });
      if (typeof regs === 'string' && haltedWithInterruptsOff(regs)) { end = 'halted'; break; }
      if (Date.now() - start >= timeoutMs) { end = 'timeout'; break; }
    }
  } finally {
    qmp?.close();
    if (st.exit === null) {
      child.kill('SIGKILL');
      await exited;
    }
    st.serial = existsSync(serialPath) ? readFileSync(serialPath, 'latin1') : '';
    rmSync(dir, { recursive: true, force: true });
  }
  const exit = st.exit as { code: number | null; signal: NodeJS.Signals | null } | null;
  const result = (status: number, how: QemuEnd): QemuRunResult => ({
    status, end: how, serial: st.serial, stderr: st.stderr, args, elapsedMs: Date.now() - start,
  });
  if (end === 'timeout') return result(4, 'timeout');
  if (end === 'halted') return result(0, 'halted');
  const code = exit?.code ?? null;
  const err = qemuError(st.stderr);
  if (started && code !== null && code % 2 === 1 && !(code === 1 && err !== undefined)) return result(code, 'debug-exit');
  if (code === 0 && qmp?.events.some((e) => e.event === 'SHUTDOWN' && e.data?.reason === 'guest-reset')) {
    return result(6, 'reset');
  }
  throw new Error(`${binary} ended unexpectedly (${code !== null ? `exit ${code}` : `signal ${exit?.signal}`}): ` +
    `${err ?? st.stderr.trim().split('\n').pop() ?? ''}\ncommand: ${binary} ${args.join(' ')}`);
}

/**
 * Where tlbemu and QEMU may legitimately print different things for the same image, each with the rule
 * that allows it. A comparison names the ids that apply to it; `normalize` rewrites both outputs so
 * that only the allowed difference disappears. (Machine differences that the PVH entry cannot hide,
 * e.g. only CPU 0 running, are listed by the tests beside the images they concern.)
 */
export interface AllowedDifference {
  id: string;
  reason: string;
  /** Matches what the difference touches (a comparison that lists the id must contain it). */
  pattern: RegExp;
  normalize(text: string): string;
}

export const ALLOWED_DIFFERENCES: readonly AllowedDifference[] = [
  {
    id: 'cpu-identity',
    reason: 'CPUID identification and feature flags belong to the processor model (SDM vol. 2A, CPUID): tlbemu ' +
      'reports its own CPU (PCID, INVPCID, x2APIC), QEMU 7.2 TCG "max" reports "QEMU TCG CPU" without PCID, ' +
      'INVPCID or x2APIC. The guest prints both in its x86/cpu lines.',
    pattern: /^x86\/cpu: .*$/m,
    normalize: (t) => t.replace(/^x86\/cpu: .*$/gm, 'x86/cpu: <processor identification>'),
  },
  {
    id: 'lapic-timer-ticks',
    reason: 'The local APIC timer rate is implementation-specific (SDM vol. 3A, 11.5.4): tlbemu counts retired ' +
      'instructions (DESIGN.md, Determinism). QEMU 7.2 TCG has no x2APIC and, unlike the SDM (RDMSR/WRMSR of an ' +
      'unimplemented MSR raise #GP), reads MSRs 0x800-0x8ff as 0 and ignores writes, so the guest believes it ' +
      'programmed its timer and counts 0 ticks.',
    pattern: /\bticks \d+/,
    normalize: (t) => t.replace(/\bticks \d+/g, 'ticks <n>'),
  },
  {
    id: 'tlb-capacity',
    reason: 'How many translations a TLB holds, and for how long, is implementation-specific: a processor may ' +
      'drop any entry at any time (SDM vol. 3A, 4.10.2). After a teardown without a flush ' +
      '(noflush-teardown) tlbemu keeps every translation the guest used; QEMU\'s softmmu TLB (a small ' +
      'direct-mapped cache) keeps a few. Both must find stale translations; their number differs.',
    pattern: /\d+ stale hits|fixed faults \d+/,
    normalize: (t) => t.replace(/\b\d+ stale hits/g, '<n> stale hits').replace(/fixed faults \d+/g, 'fixed faults <n>'),
  },
  {
    id: 'cr3-global',
    reason: 'MOV to CR3 invalidates the non-global TLB entries; entries for global pages (CR4.PGE = 1, PTE.G = 1) ' +
      'may survive it (SDM vol. 3A, 4.10.4.1) but need not: a processor may drop any TLB entry at any time ' +
      '(4.10.2). tlbemu keeps them; QEMU 7.2 flushes its whole TLB on every CR3 write.',
    pattern: /global entry after mov cr3: (kept|flushed)/,
    normalize: (t) => t.replace(/global entry after mov cr3: (kept|flushed)/g, 'global entry after mov cr3: <kept or flushed>'),
  },
];

/** Applies the allowed differences named by `ids` (every id must exist). */
export function normalizeAllowed(text: string, ids: readonly string[]): string {
  let out = text;
  for (const id of ids) {
    const d = ALLOWED_DIFFERENCES.find((x) => x.id === id);
    if (d === undefined) throw new Error(`no allowed difference "${id}"`);
    out = d.normalize(out);
  }
  return out;
}
