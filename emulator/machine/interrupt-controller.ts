// What the machine needs from an interrupt controller (the x2APIC plugs in here): per-CPU pending
// interrupts, their acknowledgement, the controller's MSRs, and optionally a timer deadline so that a
// machine whose CPUs all sleep in HLT can skip ahead to the next timer interrupt.

export interface InterruptController {
  /** Highest-priority deliverable vector for the CPU, or -1 (does not acknowledge). */
  pendingInterrupt(cpu: number): number;
  /** Acknowledges a vector returned by pendingInterrupt (moves it to in-service). */
  acknowledgeInterrupt(cpu: number, vector: number): void;
  /** RDMSR/WRMSR of a controller MSR: false when the MSR is not the controller's (or the access is invalid). */
  msrRead(cpu: number, msr: number, out: { lo: number; hi: number }): boolean;
  msrWrite(cpu: number, msr: number, lo: number, hi: number): boolean;
  /**
   * Clock value (Machine.clock) at which the CPU's timer next fires, or -1 when none is armed. Without it
   * a machine whose CPUs all sleep with nothing pending is deadlocked.
   */
  timerDeadline?(cpu: number): number;
}

/** No controller: nothing is ever pending and no MSR belongs to it. */
export const NULL_INTERRUPT_CONTROLLER: InterruptController = {
  pendingInterrupt: () => -1,
  acknowledgeInterrupt: () => {},
  msrRead: () => false,
  msrWrite: () => false,
  timerDeadline: () => -1,
};
