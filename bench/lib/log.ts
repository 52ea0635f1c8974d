/** Progress goes to stderr so stdout carries only the table and the JSON line. */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
