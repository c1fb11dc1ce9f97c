// authorize: may this caller use this endpoint and model? The auth plugin has already checked the key itself
// (before the body was read); this stage fails closed if a proxied route was ever registered outside its scope.
// Per-key model allow-lists (the keys issue) land here.
import { invalidApiKey } from '../../errors.js';
import type { Stage } from '../stage.js';

export function authorizeStage(keysConfigured: boolean): Stage {
  return {
    name: 'authorize',
    enter(x) {
      if (keysConfigured && x.keyId === undefined) throw invalidApiKey();
    },
  };
}
