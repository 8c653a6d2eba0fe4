export * from './errors.js';
export * from './clock.js';
export * from './ids.js';
export * from './logger.js';
export * from './signal.js';
export * from './domain.js';
export * from './turns.js';
export * from './time-zone.js';
