export { httpResources, type HttpResourcesOptions } from './http-resources.js';
export { http } from './plugin.js';
