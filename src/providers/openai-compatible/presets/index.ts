// One short preset per OpenAI-wire vendor (files under presets/): capabilities and the quirks hooks each needs.
export { openaiPreset, toOpenAIBody, isOpenAIReasoningModel } from './openai.js';
export { genericPreset } from './generic.js';
export { lmstudioPreset } from './lmstudio.js';
export { deepseekPreset } from './deepseek.js';
export { mistralPreset, mistralCapabilities } from './mistral/index.js';
export { createOllamaPreset, createOllamaProvider, ollamaServerRoot, type OllamaOptions } from './ollama.js';
