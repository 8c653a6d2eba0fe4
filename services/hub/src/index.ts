export { startHub, type RunningHub } from './compose.js';
export { loadHubConfig, hubConfigSchema, type HubConfig } from './config.js';
