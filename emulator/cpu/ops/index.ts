// Registers every instruction family in the opcode table (import for side effects).
import './alu.js';
import './data.js';
import './control.js';
import './shift.js';
import './muldiv.js';
import './bits.js';
import './string.js';
import './atomic.js';
import './system.js';
import './groups.js';
