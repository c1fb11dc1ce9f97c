// authorize: may this caller use this endpoint and model? The auth plugin has already checked the key itself
// (before the body was read); this stage fails closed if a proxied route was ever registered outside its scope,
// and refuses a model outside the virtual key's (or its team's) allow-list before anything is routed.
import { invalidApiKey, modelNotAllowed } from '../../errors.js';
import { modelAllowed } from '../../keys/limits.js';
import type { Stage } from '../stage.js';

export function authorizeStage(keysConfigured: boolean): Stage {
  return {
    name: 'authorize',
    enter(x) {
      if (keysConfigured && x.keyId === undefined) throw invalidApiKey();
      const principal = x.principal;
      if (principal && !(modelAllowed(principal.keyLimits.allowedModels, x.model) && modelAllowed(principal.teamLimits.allowedModels, x.model))) {
        throw modelNotAllowed(x.model);
      }
    },
  };
}
