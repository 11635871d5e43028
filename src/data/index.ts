/**
 * Data layer: dataset manifests, verified downloads, extraction, loaders and
 * the feature cache. See each module's header for details.
 */
export * from './data-root.js';
export * from './download.js';
export * from './errors.js';
export * from './extract.js';
export * from './feature-cache.js';
export * from './fetch.js';
export * from './hash.js';
export * from './manifest-schema.js';
export * from './manifests.js';
export * from './marker.js';
export * from './progress.js';
export * from './verify.js';
export * from './loaders/chime-home.js';
export * from './loaders/esc50.js';
export * from './loaders/table.js';
export * from './loaders/tau2020.js';
export * from './loaders/types.js';
export * from './loaders/urbansound8k.js';
export * from './labels-folder.js';
