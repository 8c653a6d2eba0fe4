export * from './access-requirement.js';
