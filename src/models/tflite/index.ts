/** A converter from TensorFlow Lite models (float32, float16 or dequantised-int8 weights) to ONNX. */
export { convertTflite, type TfliteConversion, type TfliteConversionOptions } from './convert.js';
export { convertTfliteCached, TFLITE_CONVERTER_VERSION, type CachedTfliteConversion } from './load.js';
export { SUPPORTED_TFLITE_OPS } from './ops.js';
export { hasTfliteIdentifier, readTflite, type TfliteModel, type TfliteOperator, type TfliteSubgraph, type TfliteTensor } from './schema.js';
