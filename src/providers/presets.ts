// One short preset per OpenAI-wire vendor (files under presets/): capabilities and the quirks hooks each needs.
export { openaiPreset, toOpenAIBody, isOpenAIReasoningModel } from './presets/openai.js';
export { genericPreset } from './presets/generic.js';
export { lmstudioPreset } from './presets/lmstudio.js';
export { deepseekPreset } from './presets/deepseek.js';
export { mistralPreset, mistralCapabilities } from './presets/mistral.js';
export { createOllamaPreset, createOllamaProvider, ollamaServerRoot, type OllamaOptions } from './presets/ollama.js';
