// Type-check page programs with the repository's compiler options, so an example that runs but would not compile
// in a reader's strict TypeScript project fails too. Only the programs' own diagnostics are reported.
import { dirname } from 'node:path';
import ts from 'typescript';

export interface TypeDiagnostic {
  file: string;
  /** 1-based; a page program keeps its page's line numbers */
  line: number;
  message: string;
}

/** Diagnostics of `files` under the options of `tsconfigPath` (noEmit). */
export function typecheckFiles(files: readonly string[], tsconfigPath: string): TypeDiagnostic[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfigPath,
    { noEmit: true },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(`${tsconfigPath}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      },
    },
  );
  if (!parsed)
    throw new Error(`${tsconfigPath}: expected a tsconfig file, got none at ${dirname(tsconfigPath)}`);
  const program = ts.createProgram([...files], parsed.options);
  const out: TypeDiagnostic[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`typecheck: expected ${file} in the program, got none`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const d of diagnostics) {
      const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
      out.push({ file, line: line + 1, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') });
    }
  }
  return out;
}
