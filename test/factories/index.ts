export { createFlow, sayChainFlow, sayFlow } from './flow.factory.js';
export { createEndpoint, createEndpointApiKey, DEFAULT_WEBHOOK_URL } from './endpoint.factory.js';
