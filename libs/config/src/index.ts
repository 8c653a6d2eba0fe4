export * from './load-config.js';
export * from './service-config.js';
export * from './config-of.js';
export * from './blocklist.js';
