import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from './prometheus-text.parser.js';

const VALID = `# HELP requests_total Requests.
# TYPE requests_total counter
requests_total{code="200",path="/a \\"quoted\\" \\\\ x"} 3
requests_total 1e3
# TYPE latency histogram
latency_bucket{le="0.1"} 1
latency_bucket{le="1"} 2
latency_bucket{le="+Inf"} 2
latency_sum 0.6
latency_count 2
`;

describe('parsePrometheusText', () => {
  it('parses families, escaped label values, exponents and histograms', () => {
    const families = parsePrometheusText(VALID);
    expect(families.get('requests_total')?.help).toBe('Requests.');
    expect(sampleValue(families, 'requests_total', { path: '/a "quoted" \\ x' })).toBe(3);
    expect(families.get('requests_total')?.samples[1]?.value).toBe(1000);
    expect(sampleValue(families, 'latency_bucket', { le: '+Inf' })).toBe(2);
  });

  it.each([
    ['a sample without TYPE', 'orphan 1\n'],
    ['a bad value', '# TYPE x counter\nx abc\n'],
    ['an unquoted label', '# TYPE x counter\nx{a=b} 1\n'],
    ['a bad escape', '# TYPE x counter\nx{a="\\t"} 1\n'],
    ['a duplicate label', '# TYPE x counter\nx{a="1",a="2"} 1\n'],
    ['a missing final newline', '# TYPE x counter\nx 1'],
    ['a missing +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n'],
    ['+Inf differing from _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 2\n'],
    [
      'decreasing buckets',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_count 2\n',
    ],
    ['an unknown type', '# TYPE x countr\n'],
  ])('rejects %s', (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
