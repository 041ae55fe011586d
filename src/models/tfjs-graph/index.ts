/** A general converter from TensorFlow.js graph models to ONNX. */
export { convertGraphModel, type GraphConversion, type GraphConversionOptions } from './convert.js';
export { convertGraphModelCached, readGraphModel, GRAPH_CONVERTER_VERSION, type CachedGraphConversion, type LoadedGraphModel } from './load.js';
export { SUPPORTED_OPS } from './ops.js';
export type { TfjsGraphModelJson, TfNode, TfAttrValue } from './types.js';
