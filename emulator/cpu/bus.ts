// What a CPU needs from the machine around it: ports, machine-level MSRs (the x2APIC), interrupts.
export interface CpuBus {
  portRead(cpu: number, port: number, size: number): number;
  portWrite(cpu: number, port: number, size: number, value: number): void;
  /** x2APIC and other machine MSRs: returns true when the MSR belongs to the machine. */
  msrRead(cpu: number, msr: number, out: { lo: number; hi: number }): boolean;
  msrWrite(cpu: number, msr: number, lo: number, hi: number): boolean;
  /**
   * Highest-priority deliverable external interrupt vector for the CPU, or -1 (does not acknowledge).
   * The CPU asks once at the start of each run() slice and then only while its `irqPending` line is
   * raised: a controller that makes a vector deliverable in the middle of a slice (an IPI, an EOI or
   * TPR write unmasking one) must set `cpu.irqPending = true`.
   */
  pendingInterrupt(cpu: number): number;
  /** Acknowledges the vector returned by pendingInterrupt (moves it to in-service). */
  acknowledgeInterrupt(cpu: number, vector: number): void;
}

/** A bus with nothing on it: ports read all-ones, no interrupts, no machine MSRs. */
export const EMPTY_BUS: CpuBus = {
  portRead: (_c, _p, size) => (size === 1 ? 0xff : size === 2 ? 0xffff : -1),
  portWrite: () => {},
  msrRead: () => false,
  msrWrite: () => false,
  pendingInterrupt: () => -1,
  acknowledgeInterrupt: () => {},
};
