export * from './passwords.js';
export * from './api-keys.js';
export * from './tokens.js';
export * from './roles.js';
export * from './authenticator.js';
export * from './key-files.js';
export * from './mqtt-credentials.js';
export * from './access.js';
