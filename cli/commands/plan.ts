/** `orchestrate FILE… --plan` (issue #17): asks the server for each file's plan; nothing runs. */
import type { RunSubmission } from '../../protocol/jobs.js';
import { formatWireError } from '../../protocol/result.js';
import { REQUEST_TIMEOUT_MS } from '../connection.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { planText } from '../format/plan.js';
import { write } from '../output.js';
import type { Uploads } from '../transfer.js';
import { withServer } from '../server-session.js';

export async function printPlans(
  files: readonly { file: string; submission: RunSubmission }[],
  ctx: CliContext,
  uploads?: Uploads,
): Promise<number> {
  return withServer(ctx, async (client) => {
    // ADD/COPY sources must be on the server for their jobs to plan (their SHA names them).
    if (uploads?.size) {
      const { uploadBlobs } = await import('../transfer.js');
      await uploadBlobs(client, uploads);
    }
    for (const { file, submission } of files) {
      const plan = await client.request('runs:plan', REQUEST_TIMEOUT_MS, submission);
      if (!plan.ok)
        throw new CliError(
          formatWireError(plan.error),
          plan.error.code === 'invalid-job' || plan.error.code === 'unknown-verb' ? EXIT.usage : EXIT.failure,
        );
      write(planText(file, plan.value));
    }
    return EXIT.ok;
  });
}
