/** Entry point of the bundled agent (dist/directord-agent.cjs). */
import { runAgentCli } from './cli.js';

runAgentCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`directord-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
