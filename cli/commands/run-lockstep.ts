// `tlbemu run IMAGE --lockstep unicorn`: the image runs on one CPU in lockstep with Unicorn (the
// reference binding in emulator/reference/); the architectural state is compared after every
// instruction (or every N) and the run stops at the first unmasked divergence with a report.
import { Machine } from '../../emulator/machine/machine.js';
import { LoadError } from '../../emulator/loader/elf.js';
import { runLockstep, formatLockstepReport } from '../../emulator/reference/lockstep.js';
import { Unicorn, UnicornUnavailableError } from '../../emulator/reference/unicorn.js';
import { UsageError } from '../errors.js';
import { FdSink, closeSink, openForWrite, writeStderr } from '../output.js';
import { RunSettings, readImage } from './run.js';

/** Exit status of a lockstep divergence (DESIGN.md). */
export const EXIT_DIVERGENCE = 8;

export async function runImageLockstep(s: RunSettings): Promise<number> {
  const image = readImage(s.image);
  let unicorn: Unicorn;
  try {
    unicorn = Unicorn.open();
  } catch (e) {
    if (e instanceof UnicornUnavailableError) throw new UsageError(e.message);
    throw e;
  }
  const sink = s.serial !== undefined ? openForWrite(s.serial) : new FdSink(1);
  try {
    const m = new Machine({ cpus: 1, serial: sink });
    try {
      m.boot(image, { memBytes: s.mem, pmem: s.pmem, pagingLevels: s.paging, cmdline: s.cmdline });
    } catch (e) {
      if (e instanceof LoadError) throw new UsageError(`${s.image}: ${e.message}`);
      throw e;
    }
    const r = await runLockstep(m, unicorn, { every: s.lockstepEvery, maxInsns: s.maxInsns ?? 1e9 });
    m.serial.flush();
    writeStderr(formatLockstepReport(r) + '\n');
    if (!r.ok) return EXIT_DIVERGENCE;
    if (r.stop === 'budget') return 4;
    const stop = m.stopRequest;
    if (stop !== null) return stop.status & 0xff;
    return m.cpus[0].stopped ? 6 : 0;
  } finally {
    unicorn.close();
    closeSink(sink);
  }
}
