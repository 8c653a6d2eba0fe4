export * from './errors.js';
export * from './body.js';
export * from './schema.js';
export * from './route.js';
export * from './app.js';
export * from './process.js';
export * from './session.js';
