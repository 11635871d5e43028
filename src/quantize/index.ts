/** Public entry of the quantization area: int8 weights, quantized models, sizes, accuracy change. */
export * from './int8.js';
export * from './model.js';
export * from './size.js';
export * from './evaluate.js';
export * from './read.js';
