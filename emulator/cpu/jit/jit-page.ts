// Per code frame state of the block compiler, kept in the frame's decode cache (Frame.code) at index
// 4096, so that whatever drops the decoded instructions of a frame (a write to it) drops its blocks too.
import type { CompiledBlock } from './compiler.js';

export const JIT_PAGE_SLOT = 4096;

export class JitPage {
  /** How often the interpreter started an instruction at each offset (counted up to the threshold). */
  readonly starts = new Uint16Array(4096);
  /** The block starting at each offset: undefined = not compiled yet, null = none possible there. */
  readonly blocks: (CompiledBlock | null | undefined)[] = new Array<CompiledBlock | null | undefined>(4096);
}
