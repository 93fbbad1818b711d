// `npm run build`: compiles the TypeScript sources to dist/ as `tsc -p tsconfig.json` does, with one
// transform: a use of an *imported* numeric constant (`export const CF = 1 << 0` in another module) is
// written as its value.
//
// Why: V8 reads an imported binding from the exporting module's cell, with a check that it is
// initialised, at every use; it cannot fold it into a mask, a compare or a switch. A module's own
// literal `const` it does fold. The emulator's hot paths test architectural bits held in shared
// constants (RFLAGS, CR0/CR4/EFER, paging-entry and access bits, lazy-flag operations) on every
// instruction and every page walk; measured on the page-walk loop, the cell loads cost 10-20 %.
// A constant qualifies when it is declared `const` at the top level of a module and its initialiser
// evaluates to a finite number from literals, other such constants, parentheses and the arithmetic,
// bitwise and shift operators. The type checker resolves every identifier, so a local that shadows an
// import is left alone. Type errors are reported and, as with tsc, do not stop the emit (exit status 2
// then, as tsc's).
//   node tools/build.mjs [--project tsconfig.json]
import ts from 'typescript';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The numeric value of a constant expression, or undefined. */
function evaluate(checker, expr, seen) {
  if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)) {
    return evaluate(checker, expr.expression, seen);
  }
  if (ts.isNumericLiteral(expr)) return Number(expr.text);
  if (ts.isPrefixUnaryExpression(expr)) {
    const v = evaluate(checker, expr.operand, seen);
    if (v === undefined) return undefined;
    switch (expr.operator) {
      case ts.SyntaxKind.MinusToken: return -v;
      case ts.SyntaxKind.PlusToken: return v;
      case ts.SyntaxKind.TildeToken: return ~v;
      default: return undefined;
    }
  }
  if (ts.isBinaryExpression(expr)) {
    const a = evaluate(checker, expr.left, seen);
    const b = a === undefined ? undefined : evaluate(checker, expr.right, seen);
    if (b === undefined) return undefined;
    switch (expr.operatorToken.kind) {
      case ts.SyntaxKind.BarToken: return a | b;
      case ts.SyntaxKind.AmpersandToken: return a & b;
      case ts.SyntaxKind.CaretToken: return a ^ b;
      case ts.SyntaxKind.LessThanLessThanToken: return a << b;
      case ts.SyntaxKind.GreaterThanGreaterThanToken: return a >> b;
      case ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken: return a >>> b;
      case ts.SyntaxKind.PlusToken: return a + b;
      case ts.SyntaxKind.MinusToken: return a - b;
      case ts.SyntaxKind.AsteriskToken: return a * b;
      case ts.SyntaxKind.SlashToken: return a / b;
      case ts.SyntaxKind.PercentToken: return a % b;
      case ts.SyntaxKind.AsteriskAsteriskToken: return a ** b;
      default: return undefined;
    }
  }
  if (ts.isIdentifier(expr)) return constantOf(checker, checker.getSymbolAtLocation(expr), seen);
  return undefined;
}

/** The value of a symbol that is (or, through imports, aliases) a qualifying module constant. */
function constantOf(checker, symbol, seen = new Set()) {
  if (symbol === undefined) return undefined;
  if ((symbol.flags & ts.SymbolFlags.Alias) !== 0) symbol = checker.getAliasedSymbol(symbol);
  const decl = symbol.valueDeclaration;
  if (decl === undefined || !ts.isVariableDeclaration(decl) || decl.initializer === undefined) return undefined;
  const list = decl.parent;
  if (!ts.isVariableDeclarationList(list) || (list.flags & ts.NodeFlags.Const) === 0) return undefined;
  if (!ts.isVariableStatement(list.parent) || !ts.isSourceFile(list.parent.parent)) return undefined;
  if (seen.has(decl)) return undefined;
  seen.add(decl);
  const v = evaluate(checker, decl.initializer, seen);
  seen.delete(decl);
  return typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0) ? v : undefined;
}

/** Whether an identifier is read as a value here (not a declaration, property name, type or specifier). */
function isValueRead(node) {
  const p = node.parent;
  if (p === undefined || ts.isPartOfTypeNode(node)) return false;
  if ((ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) && p.name === node) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) ||
    ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isEnumMember(p)) && p.name === node) return false;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)) return false;
  if (ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p) || ts.isFunctionDeclaration(p) ||
    ts.isClassDeclaration(p) || ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) {
    return p.initializer === node;
  }
  return true;
}

function literal(v) {
  const n = ts.factory.createNumericLiteral(Math.abs(v));
  return v < 0 ? ts.factory.createParenthesizedExpression(ts.factory.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, n)) : n;
}

/** The transform: imported numeric constants written as their values. */
export function inlineImportedConstants(program) {
  const checker = program.getTypeChecker();
  return (context) => (sourceFile) => {
    const visit = (node) => {
      if (ts.isShorthandPropertyAssignment(node)) {
        const v = importedValue(checker.getShorthandAssignmentValueSymbol(node));
        if (v !== undefined) return ts.factory.createPropertyAssignment(node.name.text, literal(v));
      } else if (ts.isIdentifier(node) && isValueRead(node)) {
        const v = importedValue(checker.getSymbolAtLocation(node));
        if (v !== undefined) return literal(v);
      }
      return ts.visitEachChild(node, visit, context);
    };
    const importedValue = (s) => (s !== undefined && (s.flags & ts.SymbolFlags.Alias) !== 0 ? constantOf(checker, s) : undefined);
    return ts.visitEachChild(sourceFile, visit, context);
  };
}

/** Compiles the project; returns the process exit status (0, or 2 when there were type errors). */
export function build(project) {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } };
  const config = ts.getParsedCommandLineOfConfigFile(project, {}, host);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, configFileParsingDiagnostics: config.errors });
  const emitted = program.emit(undefined, undefined, undefined, false, { before: [inlineImportedConstants(program)] });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f, getCurrentDirectory: ts.sys.getCurrentDirectory, getNewLine: () => '\n',
    }));
  }
  return emitted.emitSkipped ? 1 : diagnostics.length > 0 ? 2 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const k = process.argv.indexOf('--project');
  process.exit(build(k > 0 ? process.argv[k + 1] : 'tsconfig.json'));
}
