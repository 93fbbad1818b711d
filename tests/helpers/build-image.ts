// Builds a bare-metal test image from tests/images/NAME.s with GNU as + ld (cached by content hash in
// the temp directory; a missing tool is named in the error). See tests/images/build.mjs.
import { buildImage as build, imageNames as names } from '../images/build.mjs';

/** Path of the ELF built from tests/images/NAME.s. */
export function buildImage(name: string): string {
  return build(name);
}

export function imageNames(): string[] {
  return names();
}
