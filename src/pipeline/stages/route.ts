// route: runs the work against the plan through the router (retries, fallback, breakers, timeouts); a stream is
// opened up to its first event, so anything failing before then can still fall back.
import type { Router } from '../../routing/router.js';
import type { Stage } from '../stage.js';

export function routeStage(router: Router): Stage {
  return {
    name: 'route',
    async enter(x) {
      const plan = x.plan;
      if (!plan) throw new Error('route stage ran before resolve');
      const run = { signal: x.client, attempts: x.attempts };
      const work = x.work;
      if (work.kind === 'stream') {
        x.stream = await router.stream(work.request, plan, run);
        x.target = x.stream.target;
      } else if (work.kind === 'passthrough') {
        x.passthrough = await router.passthrough(work.dialect, { ...work.body }, plan, run);
        x.target = x.passthrough.target;
      } else if (work.kind === 'chat') {
        const { completion, target } = await router.chat(work.request, plan, run);
        x.completion = completion;
        x.target = target;
      } else {
        const { response, target } = await router.embeddings(work.request, plan, run);
        x.embeddings = response;
        x.target = target;
      }
    },
  };
}
