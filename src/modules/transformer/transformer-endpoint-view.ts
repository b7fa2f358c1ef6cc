import type { EndpointRuntimeConfig } from '../endpoint-config/endpoint-runtime-config.js';
import type { DataProtectionSettings } from '../endpoint-config/endpoint-settings.js';

/** The `endpoint` argument of every transformer function: the endpoint without its secrets or its code. */
export interface TransformerEndpointView {
  id: string;
  name: string;
  flowId: string;
  active: boolean;
  URLToken: string;
  webhookUrl: string;
  basicAuthUser: string | null;
  authMethod: string;
  nluConnector: string;
  dataProtection: DataProtectionSettings;
}

const views = new WeakMap<EndpointRuntimeConfig, TransformerEndpointView>();

/** Memoised per config object: the endpoint directory hands out the same object until the endpoint changes. */
export function transformerEndpointView(endpoint: EndpointRuntimeConfig): TransformerEndpointView {
  let view = views.get(endpoint);
  if (view === undefined) {
    view = {
      id: endpoint.id,
      name: endpoint.name,
      flowId: endpoint.flowId,
      active: endpoint.active,
      URLToken: endpoint.urlToken,
      webhookUrl: withoutCredentials(endpoint.webhookUrl),
      basicAuthUser: endpoint.basicAuth?.user ?? null,
      authMethod: endpoint.authMethod,
      nluConnector: endpoint.nluConnector,
      dataProtection: endpoint.dataProtection,
    };
    views.set(endpoint, view);
  }
  return view;
}

/** A webhook URL may carry credentials in its user-info part; user code gets the URL without them. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
