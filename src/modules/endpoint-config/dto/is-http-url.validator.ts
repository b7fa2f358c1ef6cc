import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * An absolute http(s) URL as the WHATWG parser (the one the delivery client uses) reads it. class-validator's
 * `IsUrl` disagrees with that parser on IPv6 and IPv4-mapped hosts, which the SSRF check must see to refuse.
 */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHttpUrl',
      validator: {
        validate: (value: unknown) => isHttpUrl(value),
        defaultMessage: () => 'must be an absolute http:// or https:// URL',
      },
    },
    options,
  );
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.trim() !== value) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
