/**
 * Notebook helpers: vega-lite chart builders (heatmaps, waveforms, training
 * curves, ROC with the EER point, measured vs published), SVG rendering,
 * HTML audio players, danfojs tables, the notebooks' clip source with its
 * attribution, the augmentation gallery, stored harness results, and small
 * clearly labelled demo runs. Notebooks call these; no logic lives only in a
 * notebook.
 */
export * from './render.js';
export * from './png.js';
export * from './colormap.js';
export * from './heatmap.js';
export * from './charts.js';
export * from './audio.js';
export * from './tables.js';
export * from './clips.js';
export * from './gallery.js';
export * from './results.js';
export * from './study-runs.js';
export * from './study-run-charts.js';
export * from './report-chart.js';
export * from './demo.js';
export * from './models.js';
export * from './views.js';
export * from './metrics-views.js';
export * from './paper-views.js';
