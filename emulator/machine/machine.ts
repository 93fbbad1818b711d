// The machine: N CPUs sharing one physical memory, the port bus with COM1 and isa-debug-exit, an
// interrupt controller (pluggable; none by default) and the scheduler that runs them.
import { Cpu } from '../cpu/cpu.js';
import type { CpuBus } from '../cpu/bus.js';
import type { EmulatorHooks } from '../hooks.js';
import { FLUSH_KIND_NAMES } from '../hooks.js';
import { PhysicalMemory } from '../memory/physical.js';
import { SetAssociativeTlb } from '../mmu/tlb.js';
import type { ElfImage } from '../loader/elf.js';
import { BootConfig, BootResult, bootImage, MAX_CPUS } from '../loader/boot.js';
import { PortBus } from './ports.js';
import { ByteSink, COM1_BASE, Uart16550 } from './serial.js';
import { DEBUG_EXIT_PORT, DebugExit } from './debug-exit.js';
import { InterruptController } from './interrupt-controller.js';
import { X2ApicSystem } from './x2apic.js';
import { ExitReason, RunOptions, RunResult, Scheduler } from './scheduler.js';

export interface MachineConfig {
  /** 1..64 */
  cpus: number;
  /** Where COM1's transmitted bytes go. */
  serial: ByteSink;
  /** Bounded set-associative TLBs (--tlb-entries/--tlb-ways); default unbounded. */
  tlb?: { entries: number; ways: number };
  /** Compile hot guest code into blocks (emulator/cpu/jit; default true); false = interpreter only. */
  jit?: boolean;
}

/** A request from a device or the host to end the run (debug-exit, a host-detected guest crash). */
export interface StopRequest {
  reason: ExitReason;
  status: number;
  message: string;
  cpu: number;
}

export interface CpuCounters {
  instructions: number;
  haltedSlices: number;
  haltedInstructions: number;
  interrupts: number;
  exceptions: number;
  pauses: number;
  /** Blocks compiled, and the instructions retired inside blocks. */
  blocks: { compiled: number; instructions: number };
  /** x2APIC: IPIs sent and received, timer interrupts posted. */
  apic: { ipisSent: number; ipisReceived: number; timerInterrupts: number };
  mmu: {
    translations: number;
    hits: number;
    misses: number;
    walks: number;
    faults: number;
    fills: number;
    evictions: number;
    rewalks: number;
    /** Walks that started from a paging-structure-cache entry, by level (PDE, PDPTE, PML4E, PML5E). */
    pscHits: number[];
    tlbEntries: number;
    /** Per flush kind (mov-cr3, invlpg, ...): operations, entries dropped, global entries dropped. */
    flushes: Record<string, { count: number; dropped: number; droppedGlobal: number; pscDropped: number }>;
  };
}

export class Machine implements CpuBus {
  readonly mem = new PhysicalMemory();
  readonly cpus: Cpu[];
  readonly ports = new PortBus();
  readonly serial: Uart16550;
  /** The interrupt controller: x2APICs by default (DESIGN.md boot contract). */
  intc: InterruptController;
  readonly apic: X2ApicSystem;
  /** Index of the CPU whose slice is running (the writer of any memory write), -1 between slices. */
  currentCpu = -1;
  hooks: EmulatorHooks | null = null;
  /** Set when the run must end after the current instruction. */
  stopRequest: StopRequest | null = null;
  /** Slices each CPU slept in HLT (kept by the scheduler). */
  readonly haltedSlices: number[];
  /** Per-CPU clock: retired instructions plus time slept in HLT (what the APIC timer counts). */
  readonly clock = (cpu: number): number => this.cpus[cpu].instructions + this.cpus[cpu].haltedInstructions;

  constructor(cfg: MachineConfig) {
    if (!Number.isInteger(cfg.cpus) || cfg.cpus < 1 || cfg.cpus > MAX_CPUS) {
      throw new RangeError(`CPU count ${cfg.cpus} is out of range (1..${MAX_CPUS})`);
    }
    this.cpus = [];
    for (let i = 0; i < cfg.cpus; i++) {
      const cpu = new Cpu(i, this.mem);
      cpu.cpuCount = cfg.cpus;
      cpu.bus = this;
      if (cfg.tlb !== undefined) cpu.mmu.tlb = new SetAssociativeTlb(cfg.tlb.entries, cfg.tlb.ways);
      if (cfg.jit === false) cpu.jitEnabled = false;
      this.cpus.push(cpu);
    }
    this.haltedSlices = new Array(cfg.cpus).fill(0);
    this.apic = new X2ApicSystem(cfg.cpus, this.clock);
    // raising the CPU's interrupt line spares it from polling the controller after every instruction
    this.apic.onPending = (c) => { this.cpus[c].irqPending = true; };
    this.apic.onIpi = (from, to, vector) => { this.hooks?.ipi?.(from, to, vector); };
    this.intc = this.apic;
    this.serial = new Uart16550(cfg.serial, COM1_BASE);
    this.ports.register(COM1_BASE, 8, this.serial, 'com1');
    this.ports.register(DEBUG_EXIT_PORT, 1, new DebugExit((cpu, value, status) => {
      this.requestStop({ reason: 'debug-exit', status, message: `debug-exit: the guest wrote 0x${value.toString(16)}`, cpu });
    }), 'isa-debug-exit');
  }

  /** Loads an image and puts every CPU in the boot contract's entry state. */
  boot(image: ElfImage, cfg: BootConfig): BootResult {
    return bootImage(this.mem, this.cpus, image, cfg);
  }

  setInterruptController(c: InterruptController): void {
    this.intc = c;
  }

  setHooks(h: EmulatorHooks | null): void {
    this.hooks = h;
    for (const cpu of this.cpus) cpu.setHooks(h);
  }

  /** Ends the run after the current instruction (the first request wins). */
  requestStop(r: StopRequest): void {
    if (this.stopRequest !== null) return;
    this.stopRequest = r;
    if (r.cpu >= 0 && r.cpu < this.cpus.length) this.cpus[r.cpu].yieldRequested = true;
  }

  run(opts: RunOptions = {}): RunResult {
    return new Scheduler(this, opts).run();
  }

  // ------------------------------------------------------------------ CpuBus

  // (IN/OUT report port I/O to hooks.io themselves)
  portRead(cpu: number, port: number, size: number): number {
    return this.ports.read(cpu, port, size);
  }

  portWrite(cpu: number, port: number, size: number, value: number): void {
    this.ports.write(cpu, port, size, value);
  }

  msrRead(cpu: number, msr: number, out: { lo: number; hi: number }): boolean {
    return this.intc.msrRead(cpu, msr, out);
  }

  msrWrite(cpu: number, msr: number, lo: number, hi: number): boolean {
    return this.intc.msrWrite(cpu, msr, lo, hi);
  }

  pendingInterrupt(cpu: number): number {
    return this.intc.pendingInterrupt(cpu);
  }

  acknowledgeInterrupt(cpu: number, vector: number): void {
    this.intc.acknowledgeInterrupt(cpu, vector);
  }

  // ------------------------------------------------------------------ reports

  counters(i: number): CpuCounters {
    const cpu = this.cpus[i];
    const c = cpu.mmu.counters;
    const flushes: CpuCounters['mmu']['flushes'] = {};
    FLUSH_KIND_NAMES.forEach((name, k) => {
      flushes[name] = { count: c.flushes[k], dropped: c.dropped[k], droppedGlobal: c.droppedGlobal[k], pscDropped: c.pscDropped[k] };
    });
    return {
      instructions: cpu.instructions,
      haltedSlices: this.haltedSlices[i],
      haltedInstructions: cpu.haltedInstructions,
      interrupts: cpu.interruptsTaken,
      exceptions: cpu.exceptionsTaken,
      pauses: cpu.pauses,
      blocks: { compiled: cpu.blocksCompiled, instructions: cpu.blockInstructions },
      apic: {
        ipisSent: this.apic.apics[i].counters.ipisSent,
        ipisReceived: this.apic.apics[i].counters.ipisReceived,
        timerInterrupts: this.apic.apics[i].counters.timerInterrupts,
      },
      mmu: {
        translations: c.translations, hits: c.hits, misses: c.misses, walks: c.walks, faults: c.faults,
        fills: c.fills, evictions: c.evictions, rewalks: c.rewalks, pscHits: [...c.pscHits], tlbEntries: cpu.mmu.tlb.size(), flushes,
      },
    };
  }
}
