/**
 * A request to show one line of one host's output in the run view (from the output search):
 * the host's pane searches for the line's text and scrolls to it. `seq` changes on every jump,
 * so the same line can be asked for twice.
 */
export const outputJump = $state({ runId: '', target: '', text: '', seq: 0 });

export function jumpTo(runId: string, target: string, text: string): void {
  outputJump.runId = runId;
  outputJump.target = target;
  outputJump.text = text;
  outputJump.seq++;
}
