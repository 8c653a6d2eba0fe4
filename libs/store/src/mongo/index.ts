import type { Clock } from '@isac/kernel';
import type { Stores } from '../ports/index.js';

export function openMongoStores(_config: { uri: string; db?: string | undefined; maxAttempts?: number | undefined }, _clock: Clock): Promise<Stores> {
  return Promise.reject(new Error('MongoDB adapter: not yet implemented'));
}
