// Compiled by .ci/packaging with tsc --strict (module node16): the ES module entry's declarations.
import { connectCozeMock, startCozeMock, type CozeMock, type CozeMockAdmin, type JournalRecord } from 'coze-mock';

export async function typed(): Promise<number> {
  const mock: CozeMock = await startCozeMock({ config: 'fake.toml', args: ['--admin-token', 't'], startTimeoutMs: 1000 });
  const url: string = mock.baseURL;
  const records: JournalRecord[] = await mock.journal({ after: 0, limit: 10 });
  await mock.fault({ kind: 'latency', ms: 5 }, { path: '/v1/audio/*', times: 2 });
  await mock.seed({ tokens: [{ value: 'pat_x' }] });
  await mock.reset();
  const refused: number = await mock.expect([4000, 'refusal'], async () => 1, { path: '/v1/audio/voices/clone' });
  const errors: number = (await mock.report()).totals.error;
  await mock.stop();
  // @ts-expect-error: a fault needs a known kind
  await mock.fault({ kind: 'explode' });
  const onPort: CozeMock = await startCozeMock({ port: 8081 });
  const running: CozeMockAdmin = await connectCozeMock({ baseURL: onPort.baseURL, adminToken: 't' });
  await running.reset();
  // @ts-expect-error: a fake it did not start cannot be stopped through it
  await running.stop();
  // @ts-expect-error: connectCozeMock needs the base URL
  await connectCozeMock({ adminToken: 't' });
  return url.length + records.length + refused + errors;
}
