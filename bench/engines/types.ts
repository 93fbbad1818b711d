// What every engine is asked to run and what it reports: one bare-metal image, its command line, and
// the time of each repetition of the image's measured region (between its start and end markers).

export interface ImageSpec {
  /** Path of the ELF image (bench/images, built with the PVH entry). */
  image: string;
  /** Command line: the workload's parameters, including reps=N. */
  cmdline: string;
  /** Repetitions of the measured region the command line asks for. */
  reps: number;
  memBytes: number;
  cpus: number;
  paging: 4 | 5;
  /** tlbemu only: a bounded TLB (--tlb-entries/--tlb-ways). */
  tlb?: { entries: number; ways: number };
}

export interface ImageResult {
  /** Seconds of each repetition of the measured region. */
  seconds: number[];
  /** tlbemu only: guest instructions retired in each repetition (all CPUs). */
  instructions?: number[];
  /** tlbemu only: page walks in each repetition (all CPUs). */
  walks?: number[];
}

/** An engine could not run (not installed, unsupported workload): the one-line reason. */
export class EngineSkipped extends Error {
  override readonly name = 'EngineSkipped';
}

/** The image did not finish as it should (wrong exit status, crash, missing markers). */
export class EngineFailed extends Error {
  override readonly name = 'EngineFailed';
}
