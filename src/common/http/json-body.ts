import type { IncomingHttpHeaders } from 'node:http';

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

export function isJsonContentType(contentType: string | undefined): boolean {
  return typeof contentType === 'string' && JSON_TYPE.test(contentType.trim());
}

export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
