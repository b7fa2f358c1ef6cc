import type { RecordedContent } from './conversation-records.js';

/**
 * What an output said, recovered from its webhook body when the pipeline did not pass the flow's output along:
 * the contract body's `AIOutput.text`/`data`; for a body an output transformer reshaped, the whole body as data.
 */
export function contentFromWebhookBody(body: string): RecordedContent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { text: null, data: null };
  }
  if (!isObject(parsed)) return { text: null, data: null };
  const output = parsed.AIOutput;
  if (isObject(output)) {
    return {
      text: typeof output.text === 'string' ? output.text : null,
      data: isObject(output.data) && Object.keys(output.data).length > 0 ? output.data : null,
    };
  }
  return { text: null, data: parsed };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
