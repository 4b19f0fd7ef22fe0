import { strict as assert } from 'node:assert';
import { runCli } from '../../../src/cli/run';
import { ExitCode } from '../../../src/cli/exitCodes';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { fakeIo } from './fakeIo';

const CANARY_KEY = 'sk-canary-cli-7f3a9b2c4d5e';

describe('distillery models (against the test server)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ models: ['teacher-b', 'teacher-a'] });
  });
  after(async () => server.close());
  afterEach(() => server.reset());

  it('lists the models of the endpoint in OPENAI_BASE_URL, sending the key from OPENAI_API_KEY', async () => {
    const { io, stdout } = fakeIo({ env: { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: CANARY_KEY } });
    assert.equal(await runCli(['models'], io), ExitCode.Success);
    assert.equal(stdout.text, 'teacher-a\nteacher-b\n');
    assert.equal(server.requests[0]?.headers.authorization, `Bearer ${CANARY_KEY}`);
  });

  it('without a key, lists the models of a local server and sends no Authorization header at all', async () => {
    const { io, stdout } = fakeIo({ env: { OPENAI_BASE_URL: server.baseURL } });
    assert.equal(await runCli(['models'], io), ExitCode.Success);
    assert.equal(stdout.text, 'teacher-a\nteacher-b\n');
    assert.equal(server.requests[0]?.headers.authorization, undefined);
  });

  it('a refused key is a failure (exit 3) with a hint, and the key is never printed', async () => {
    const strict = await startTestServer({ apiKey: 'the-right-key' });
    const { io, stdout, stderr } = fakeIo({ env: { OPENAI_BASE_URL: strict.baseURL, OPENAI_API_KEY: CANARY_KEY } });
    try {
      assert.equal(await runCli(['models'], io), ExitCode.Failure);
    } finally {
      await strict.close();
    }
    assert.match(stderr.text, /refused the request: 401 .*check the API key/);
    assert.ok(!(stdout.text + stderr.text).includes(CANARY_KEY));
  });

  it('an unreachable endpoint is a failure (exit 3), said plainly', async () => {
    const closed = await startTestServer();
    const baseURL = closed.baseURL;
    await closed.close();
    const { io, stderr } = fakeIo({ env: { OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: CANARY_KEY } });
    assert.equal(await runCli(['models'], io), ExitCode.Failure);
    assert.match(stderr.text, /cannot reach the model endpoint/);
  }).timeout(20_000);
});
