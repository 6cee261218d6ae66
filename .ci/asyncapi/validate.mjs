// Validates an AsyncAPI document with the official parser (@asyncapi/parser, pinned in package-lock.json):
// `node validate.mjs FILE`. Every diagnostic is printed; any error or warning fails (exit 1).
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const file = process.argv[2];
const text = await readFile(file, 'utf8');
const { document, diagnostics } = await new Parser().parse(text, { source: file });
const severities = ['error', 'warning', 'information', 'hint'];
for (const d of diagnostics) {
  console.log(`${severities[d.severity]} ${d.code} at ${d.path.join('/')}: ${d.message}`);
}
const failing = diagnostics.filter(
  (d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning,
);
if (document === undefined || failing.length > 0) {
  console.error(`${file}: not a valid AsyncAPI document (${failing.length} errors and warnings)`);
  process.exit(1);
}
console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.allMessages().length} messages, ${document.allOperations().length} operations`);
