// tlbemu: the image runs as `tlbemu run` runs it (Machine, boot contract, default scheduler quantum);
// a device on port 0x80 takes the host's time, the instructions retired and the walks done at each
// marker the image writes (1 = begin, 2 = end).
import { readFileSync } from 'node:fs';
import { parseElf } from '../../emulator/loader/elf.js';
import { Machine } from '../../emulator/machine/machine.js';
import { EngineFailed, ImageResult, ImageSpec } from './types.js';

export const MARK_PORT = 0x80;

interface Mark { value: number; t: number; insns: number; walks: number }

export function runOnTlbemu(spec: ImageSpec): ImageResult {
  const image = parseElf(readFileSync(spec.image));
  const serial: Uint8Array[] = [];
  const m = new Machine({ cpus: spec.cpus, serial: { write: (b) => { serial.push(b.slice()); } }, tlb: spec.tlb });
  m.boot(image, { memBytes: spec.memBytes, pmem: [], pagingLevels: spec.paging, cmdline: spec.cmdline });
  const marks: Mark[] = [];
  const count = (): { insns: number; walks: number } => {
    let insns = 0, walks = 0;
    for (const c of m.cpus) { insns += c.instructions; walks += c.mmu.counters.walks; }
    return { insns, walks };
  };
  m.ports.register(MARK_PORT, 1, {
    read: () => 0xff,
    write: (_cpu, _port, _size, value) => {
      const t = performance.now();
      marks.push({ value, t, ...count() });
    },
  }, 'bench-marker');
  const r = m.run({});
  m.serial.flush();
  const text = Buffer.concat(serial).toString('latin1');
  if (r.reason !== 'debug-exit' || r.status !== 1) {
    throw new EngineFailed(`tlbemu: ${r.reason} (status ${r.status}) ${r.message}; console: ${text.trim().split('\n').slice(-3).join(' | ')}`);
  }
  const out: ImageResult = { seconds: [], instructions: [], walks: [] };
  for (let k = 0; k + 1 < marks.length; k += 2) {
    const a = marks[k], b = marks[k + 1];
    if (a.value !== 1 || b.value !== 2) throw new EngineFailed(`tlbemu: markers out of order (${a.value}, ${b.value})`);
    out.seconds.push((b.t - a.t) / 1000);
    // a marker's OUT retires after the device sees it: the difference counts the begin marker's OUT
    out.instructions!.push(b.insns - a.insns - 1);
    out.walks!.push(b.walks - a.walks);
  }
  if (out.seconds.length !== spec.reps) throw new EngineFailed(`tlbemu: ${out.seconds.length} measured regions, expected ${spec.reps}`);
  return out;
}
