export * from './errors.js';
export * from './body.js';
export * from './schema.js';
export * from './route.js';
