/**
 * A harness worker process: receives one job over IPC, runs it, reports, and
 * exits. It exits on its own if the parent goes away (IPC disconnect), so a
 * killed harness leaves no orphan workers.
 */
import { runOneJob } from './run-job.js';
import type { Job } from './experiments.js';
import type { JobContext } from './paper-pipeline.js';

interface WorkerMessage {
  job: Job;
  resultsDir: string;
  ctx: Omit<JobContext, 'log'>;
}

if (!process.send) {
  console.error('job-worker: must be started by the harness with an IPC channel');
  process.exit(2);
}
process.on('disconnect', () => process.exit(130));

process.once('message', async (msg: WorkerMessage) => {
  try {
    const { initBackend } = await import('../backend/index.js');
    const info = await initBackend({ quiet: true });
    const log = (line: string) => process.stderr.write(`[${msg.job.id}] ${line}\n`);
    const outcome = await runOneJob(msg.job, msg.resultsDir, { ...msg.ctx, log }, info.description);
    process.send!({ ok: true, outcome }, () => process.exit(0));
  } catch (e) {
    const err = e as Error;
    process.send!({ ok: false, error: err.message, stack: err.stack }, () => process.exit(1));
  }
});
