import type {
  AuthMethod,
  DataProtectionSettings,
  DeliverySettings,
  NluConnector,
  TransformerSettings,
} from './endpoint-settings.js';

/**
 * Everything the message pipeline needs about one endpoint, secrets decrypted. Lives only in memory (caches);
 * never logged or returned by the API.
 */
export interface EndpointRuntimeConfig {
  id: string;
  name: string;
  flowId: string;
  active: boolean;
  urlToken: string;
  webhookUrl: string;
  /** Set when `basicAuthUser` is; the password is '' when none is stored. */
  basicAuth: { user: string; password: string } | null;
  /** Plaintext `whsec_…` signing secret. */
  signingSecret: string;
  authMethod: AuthMethod;
  nluConnector: NluConnector;
  dataProtection: DataProtectionSettings;
  transformer: TransformerSettings;
  /** The compiled transformer module (see `compileTransformer`); null when the endpoint has no code. */
  transformerJs: string | null;
  delivery: DeliverySettings;
  /** Null: unlimited. `burst` is already resolved (never null here). */
  rateLimit: { perSecond: number; burst: number } | null;
  updatedAt: Date;
}
