/**
 * The demo's set-up as a task list (listr2): a spinner per step on a
 * terminal, plain "❯ step / ✔ step" lines when stdout is not one. Signals are
 * left to the testbed, which tears the run down and exits 130.
 */
import { Listr, PRESET_TIMER } from 'listr2';
import type { SetupStep } from './demo-mesh.js';

export async function runSetupSteps(steps: SetupStep[]): Promise<void> {
  const tasks = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_context: unknown, task: { title: string }) => {
        const done = await step.run();
        if (done) task.title = done;
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { timer: PRESET_TIMER, collapseErrors: false },
      fallbackRenderer: 'simple',
      fallbackRendererOptions: { timer: PRESET_TIMER },
    },
  );
  await tasks.run();
}
