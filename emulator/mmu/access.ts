// Access kinds passed to the MMU, as bit flags (numbers, not strings: they are on the hot path).

/** A data write (else a read). */
export const ACC_WRITE = 1;
/** An instruction fetch. */
export const ACC_FETCH = 2;
/** A user-mode access: CPL 3 and not implicit (SDM 4.6). */
export const ACC_USER = 4;
/** An implicit supervisor access (GDT, IDT, TSS, ...), a supervisor access even at CPL 3 (SDM 4.6). */
export const ACC_IMPLICIT = 8;
/** A stack reference: a non-canonical address raises #SS(0) rather than #GP(0) (SDM 6.15). */
export const ACC_STACK = 16;

// Page-fault error-code bits (SDM 4.7).
export const PFEC_P = 1, PFEC_W = 2, PFEC_U = 4, PFEC_RSVD = 8, PFEC_I = 16, PFEC_PK = 32;

// Combined rights of a translation (all levels): bit set = allowed.
export const PERM_W = 1, PERM_U = 2, PERM_X = 4;

export function accessName(access: number): string {
  const kind = access & ACC_FETCH ? 'fetch' : access & ACC_WRITE ? 'write' : 'read';
  const who = access & ACC_IMPLICIT ? 'implicit-supervisor' : access & ACC_USER ? 'user' : 'supervisor';
  return `${who} ${kind}`;
}
