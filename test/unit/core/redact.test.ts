import { strict as assert } from 'node:assert';
import { redact, secretsIn } from '../../../src/core/llm/redact';

describe('redact', () => {
  it('removes the values of credential-like variables from text', () => {
    const secrets = secretsIn({ OPENAI_API_KEY: 'sk-canary-123456', HOME: '/root', GITHUB_TOKEN: 'ghp_abcdefgh', SHORT_KEY: 'abc' });
    assert.deepEqual(secrets.sort(), ['ghp_abcdefgh', 'sk-canary-123456']);
    assert.equal(redact('401 for key sk-canary-123456 (sk-canary-123456)', secrets), '401 for key [redacted] ([redacted])');
  });
});
