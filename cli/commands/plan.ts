/** `orchestrate FILE… --plan` (issue #17): asks the server for each file's plan; nothing runs. */
import type { RunSubmission } from '../../protocol/jobs.js';
import { formatWireError } from '../../protocol/result.js';
import { connectUi, REQUEST_TIMEOUT_MS } from '../connection.js';
import type { CliContext } from '../context.js';
import { dataDirOf } from '../context.js';
import { discoverServer } from '../discovery.js';
import { CliError, EXIT } from '../errors.js';
import { planText } from '../format/plan.js';
import { write } from '../output.js';
import type { Uploads } from '../transfer.js';

export async function printPlans(files: readonly { file: string; submission: RunSubmission }[], ctx: CliContext, uploads?: Uploads): Promise<number> {
  const client = await connectUi(discoverServer(dataDirOf(ctx)));
  try {
    // ADD/COPY sources must be on the server for their jobs to plan (their SHA names them).
    if (uploads?.size) {
      const { uploadBlobs } = await import('../transfer.js');
      await uploadBlobs(client, uploads);
    }
    for (const { file, submission } of files) {
      const plan = await client.request('runs:plan', REQUEST_TIMEOUT_MS, submission);
      if (!plan.ok) throw new CliError(formatWireError(plan.error), plan.error.code === 'invalid-job' || plan.error.code === 'unknown-verb' ? EXIT.usage : EXIT.failure);
      write(planText(file, plan.value));
    }
    return EXIT.ok;
  } finally {
    client.close();
  }
}
