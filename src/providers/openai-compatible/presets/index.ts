// The kinds the OpenAI-compatible adapter serves, one short preset each (files beside this one).
export { openaiKind } from './openai.js';
export { deepseekKind } from './deepseek.js';
export { mistralKind } from './mistral/index.js';
export { ollamaKind } from './ollama.js';
export { lmstudioKind } from './lmstudio.js';
export { llamacppKind } from './llamacpp.js';
export { vllmKind } from './vllm.js';
export { genericKind } from './generic.js';
