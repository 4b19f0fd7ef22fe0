import { strict as assert } from 'node:assert';
import { originOf, parseOriginInput, secretNameFor } from '../../../src/extension/models/origins';

describe('endpoint origins', () => {
  it('takes scheme, host and port from a base URL, and OpenAI\'s origin when there is none', () => {
    assert.equal(originOf('http://127.0.0.1:8000/v1'), 'http://127.0.0.1:8000');
    assert.equal(originOf('https://openrouter.ai/api/v1/'), 'https://openrouter.ai');
    assert.equal(originOf('https://example.com:443/v1'), 'https://example.com');
    assert.equal(originOf('HTTPS://Example.COM/v1'), 'https://example.com');
    assert.equal(originOf(undefined), 'https://api.openai.com');
    assert.throws(() => originOf('file:///etc/passwd'), /not an http or https URL/);
  });

  it('reads what the user typed as an origin, refusing other schemes and embedded credentials', () => {
    assert.equal(parseOriginInput(' http://127.0.0.1:11434/v1 '), 'http://127.0.0.1:11434');
    assert.equal(parseOriginInput('https://my.azure.example'), 'https://my.azure.example');
    assert.equal(parseOriginInput('ftp://example.com'), undefined);
    assert.equal(parseOriginInput('example.com'), undefined);
    assert.equal(parseOriginInput('https://user:secret@example.com/v1'), undefined);
    assert.equal(parseOriginInput(''), undefined);
  });

  it('keeps one secret per origin', () => {
    assert.equal(secretNameFor('http://127.0.0.1:8000'), 'distillery.apiKey:http://127.0.0.1:8000');
    assert.notEqual(secretNameFor('http://127.0.0.1:8000'), secretNameFor('http://127.0.0.1:8001'));
  });
});
