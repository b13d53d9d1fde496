/**
 * Where the CLI writes. Everything goes through here (no console) so tests can capture it.
 * `setOutput` swaps the sink and returns a function restoring the previous one.
 */
export type OutputSink = Readonly<{
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stdout is a terminal (the `--wait` spinner only animates there). */
  isTTY(): boolean;
}>;

const processSink: OutputSink = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  isTTY: () => process.stdout.isTTY === true,
};

let sink: OutputSink = processSink;

export function setOutput(next: OutputSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}

/** Writes text to stdout as is. */
export function write(text: string): void {
  sink.stdout(text);
}

/** Writes one line to stdout. */
export function line(text = ''): void {
  sink.stdout(text + '\n');
}

/** Writes text to stderr as is (log lines carry their own newline). */
export function writeErr(text: string): void {
  sink.stderr(text);
}

/** Writes one line to stderr. */
export function errorLine(text: string): void {
  sink.stderr(text + '\n');
}

export function isTTY(): boolean {
  return sink.isTTY();
}

export type CapturedOutput = { stdout: string; stderr: string; restore: () => void };

/** Collects everything written until `restore()` (tests). */
export function captureOutput(tty = false): CapturedOutput {
  const captured: CapturedOutput = {
    stdout: '',
    stderr: '',
    restore: () => {},
  };
  captured.restore = setOutput({
    stdout: (text) => {
      captured.stdout += text;
    },
    stderr: (text) => {
      captured.stderr += text;
    },
    isTTY: () => tty,
  });
  return captured;
}
